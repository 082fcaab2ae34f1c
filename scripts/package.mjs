#!/usr/bin/env node
// `npm run package`, after the production build: packs mlops-workbench-<version>.vsix at the top level with vsce
// (offline; --no-dependencies because every library is bundled into dist/) and prints the sizes that matter.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const vsix = path.join(root, `${pkg.name}-${pkg.version}.vsix`);
const BUNDLE_LIMIT = 1024 * 1024; // dist/extension.js, what VS Code reads and compiles at activation

for (const map of fs.readdirSync(path.join(root, 'dist'), { recursive: true }).filter((f) => String(f).endsWith('.map'))) {
  console.error(`[package] dist/${map} is a source map: dist/ holds a development build; run 'npm run package'`);
  process.exit(1);
}
fs.rmSync(vsix, { force: true });
const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--out', vsix], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) { process.exit(r.status ?? 1); }

const kb = (n) => `${(n / 1024).toFixed(0).padStart(6)} KB`;
const size = (f) => fs.statSync(path.join(root, f)).size;
const files = ['dist/extension.js', 'dist/cli.js', 'dist/cli-commands.js', 'dist/sql-wasm.wasm',
  ...fs.readdirSync(path.join(root, 'dist/vendor')).map((f) => `dist/vendor/${f}`),
  ...fs.readdirSync(path.join(root, 'dist/webview')).map((f) => `dist/webview/${f}`)];
console.log('[package] bundles');
for (const f of files) { console.log(`  ${kb(size(f))}  ${f}`); }
const ext = size('dist/extension.js');
console.log(`[package] dist/extension.js: ${ext} bytes (limit ${BUNDLE_LIMIT})`);
const list = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
const count = list.status === 0 ? list.stdout.split('\n').filter((l) => l && !l.endsWith('/')).length : '?';
console.log(`[package] ${path.basename(vsix)}: ${fs.statSync(vsix).size} bytes, ${count} files`);
if (ext > BUNDLE_LIMIT) {
  console.error(`[package] dist/extension.js is over ${BUNDLE_LIMIT} bytes`);
  process.exit(1);
}
