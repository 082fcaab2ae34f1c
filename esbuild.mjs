// Bundles the extension host code, the CLI and (later) the webviews.
//   node esbuild.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import fs from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const pkg = JSON.parse(fs.readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  define: { MLOPS_VERSION: JSON.stringify(pkg.version) },
  // Prefer a package's ES module build: jsonc-parser's CommonJS (UMD) build loads its parts with a require() that
  // a bundle cannot see, so bundled it fails at run time with "Cannot find module './impl/format'".
  mainFields: ['module', 'main'],
};

const targets = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs',
    target: 'node20', external: ['vscode'] },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs',
    target: 'node20', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: ['src/cli/commands.ts'], outfile: 'dist/cli-commands.js', platform: 'node', format: 'cjs',
    target: 'node20' },
  // Webviews: one self-contained browser bundle each (Chart.js, the UI toolkit and zod inside; no CDN).
  { ...common, entryPoints: ['webview/compare/main.ts'], outfile: 'dist/webview/compare.js', platform: 'browser', format: 'iife',
    target: 'es2022' },
  { ...common, entryPoints: ['webview/dataCompare/main.ts'], outfile: 'dist/webview/dataCompare.js', platform: 'browser', format: 'iife',
    target: 'es2022' },
  { ...common, entryPoints: ['webview/modelCard/main.ts'], outfile: 'dist/webview/modelCard.js', platform: 'browser', format: 'iife',
    target: 'es2022' },
  { ...common, entryPoints: ['webview/monitor/main.ts'], outfile: 'dist/webview/monitor.js', platform: 'browser', format: 'iife',
    target: 'es2022' },
];

// sql.js loads its WebAssembly from a file: the bundles that read mlflow.db (extension, CLI, CLI commands; all in
// dist/) find it next to themselves (src/core/mlflow/sqliteEngine.ts).
function copySqlWasm() {
  fs.mkdirSync('dist', { recursive: true });
  fs.copyFileSync(new URL('./node_modules/sql.js/dist/sql-wasm.wasm', import.meta.url), 'dist/sql-wasm.wasm');
}

if (watch) {
  copySqlWasm();
  for (const t of targets) { await (await esbuild.context(t)).watch(); }
  console.log('[esbuild] watching');
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
  copySqlWasm();
  fs.chmodSync('dist/cli.js', 0o755);
}
