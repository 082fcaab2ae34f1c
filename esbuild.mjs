// Bundles the extension host code, the CLI and the webviews.
//   node esbuild.mjs [--production] [--watch]
// --production: minified, no source maps (what `npm run package` ships); otherwise source maps for debugging.
// Both builds have the same files and load the same code the same way.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const pkg = JSON.parse(fs.readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

// zod's `z` namespace re-exports every locale (`z.locales.*`, ~45 languages, ~260 KB minified) and esbuild cannot
// drop them: a namespace object keeps all its members. We never call z.config(z.locales.xx()) — English is the
// only language our messages use, and zod registers it itself from locales/en.js — so the locale index is
// replaced by one that exports `en` alone. Same behaviour, in every bundle (extension, CLI, webviews).
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.(js|cjs)$/ }, (args) => ({
      contents: args.path.endsWith('.cjs')
        ? 'exports.en = require("./en.cjs").default;\n'
        : 'export { default as en } from "./en.js";\n',
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

// Libraries only some commands need are bundled on their own in dist/vendor/ and loaded by the extension with
// require() the first time one of their functions is called, so activation neither reads nor compiles them: yaml
// (environment.yml lint, MLflow meta.yaml, Package Model), sql.js (mlflow.db), hyparquet (Parquet profiles),
// csv-parse (CSV profiles, validation, monitoring labels), simple-git (git tags, the gate's diff, Reproduce Run).
// The CLI bundles keep them inside: cli.js + cli-commands.js stay a self-contained pair, which Add CI Workflow
// copies into the user's repository (src/core/ci/setup.ts), and cli.js already loads cli-commands.js on demand.
// Each entry lists the exports our code uses; importing any other name is a build error ("No matching export"),
// so a new use is added here on purpose. Only functions can be deferred this way (a class would lose `instanceof`).
const LAZY = {
  'yaml': ['parse', 'parseDocument', 'stringify', 'isMap', 'isScalar', 'isSeq'],
  'sql.js': ['default'],
  'hyparquet': ['parquetMetadataAsync', 'parquetSchema', 'parquetRead'],
  'csv-parse': ['parse'],
  'csv-parse/sync': ['parse'],
  'simple-git': ['simpleGit'],
};
const vendorFile = (name) => `vendor/${name.replace(/[^a-z0-9.-]+/gi, '-')}.js`;

const lazyPackages = {
  name: 'lazy-packages',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(LAZY).map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'lazy-package' }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => {
      const call = (name) => name === 'default'
        ? 'export default function (...args) { const m = load(); return (typeof m === "function" ? m : m.default)(...args); }'
        : `export function ${name}(...args) { return load().${name}(...args); }`;
      return {
        // extension.js, which imports this shim, sits in dist/, next to dist/vendor/.
        contents: [`let loaded;`, `const load = () => (loaded ??= require(${JSON.stringify(`./${vendorFile(args.path)}`)}));`,
          ...LAZY[args.path].map(call)].join('\n'),
        loader: 'js',
      };
    });
    // The shim's require() of its vendor file stays a run-time require.
    build.onResolve({ filter: /^\.\/vendor\//, namespace: 'lazy-package' }, (args) => ({ path: args.path, external: true }));
  },
};

// Two more parts of zod that the `z` namespace drags in and that nothing of ours calls: z.compile (an opt-in
// code-generating fast path, ~29 KB; generated code could not run in the webviews anyway, whose CSP forbids eval)
// and z.fromJSONSchema (~12 KB; we only go the other way, z.toJSONSchema). Their modules are replaced by stubs
// with the same exports that throw if ever called. If a zod upgrade changes those modules' exports the build
// fails here instead of shipping a stub that no longer matches.
const ZOD_STUBS = {
  'core/compile.js': {
    exports: ['INVALID', 'ZodCompileAsyncError', 'ZodCompileUnsupportedError', 'compile', 'withParser', 'compileFn'],
    stub: ['export const INVALID = Symbol.for("zod.compile.invalid");',
      'export class ZodCompileAsyncError extends Error {}', 'export class ZodCompileUnsupportedError extends Error {}',
      ...['compile', 'withParser', 'compileFn'].map((n) => `export function ${n}() { throw new Error(left("z.${n}")); }`)],
  },
  'classic/from-json-schema.js': {
    exports: ['fromJSONSchema'],
    stub: ['export function fromJSONSchema() { throw new Error(left("z.fromJSONSchema")); }'],
  },
};
const zodUnusedParts = {
  name: 'zod-unused-parts',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/](core[\\/]compile|classic[\\/]from-json-schema)\.js$/ }, async (args) => {
      const key = args.path.split(path.sep).slice(-2).join('/');
      const { exports, stub } = ZOD_STUBS[key];
      const source = await fs.promises.readFile(args.path, 'utf8');
      const found = [...source.matchAll(/^export (?:const|class|function\*?|async function) (\w+)/gm)].map((m) => m[1]);
      if (/^export (?!const|class|function|async function)/m.test(source) || found.sort().join() !== [...exports].sort().join()) {
        return { errors: [{ text: `zod's ${key} exports ${found.join(', ')}; esbuild.mjs stubs ${exports.join(', ')}: update ZOD_STUBS` }] };
      }
      return {
        contents: ['const left = (what) => `${what} is left out of MLOps Workbench\'s bundles (esbuild.mjs)`;', ...stub].join('\n'),
        loader: 'js',
      };
    });
  },
};

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
  plugins: [zodEnglishOnly, zodUnusedParts],
};
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20' };

const targets = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'],
    plugins: [...common.plugins, lazyPackages] },
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: ['src/cli/commands.ts'], outfile: 'dist/cli-commands.js' },
  // One CommonJS file per library the extension loads lazily.
  ...Object.keys(LAZY).map((name) => ({ ...common, platform: 'node', format: 'cjs', target: 'node20',
    stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: '.', sourcefile: `${name}.lazy.js` },
    outfile: `dist/${vendorFile(name)}` })),
  // Webviews: one self-contained browser bundle each (Chart.js, the UI toolkit and zod inside; no CDN).
  ...['compare', 'dataCompare', 'modelCard', 'monitor'].map((name) => ({ ...common, entryPoints: [`webview/${name}/main.ts`],
    outfile: `dist/webview/${name}.js`, platform: 'browser', format: 'iife', target: 'es2022' })),
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
  // Nothing left by an earlier build may ship: a development build's source maps, a library no longer lazy.
  fs.rmSync('dist', { recursive: true, force: true });
  await Promise.all(targets.map((t) => esbuild.build(t)));
  copySqlWasm();
  fs.chmodSync('dist/cli.js', 0o755);
}
