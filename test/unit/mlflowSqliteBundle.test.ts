// The SQLite reader bundled as the extension and the CLI are (esbuild, CommonJS, Node): it finds sql-wasm.wasm next
// to the bundle, where esbuild.mjs copies it, and says plainly when it is missing; the .vsix keeps the file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { REPO, tmpDir } from './helpers';

const DB = path.resolve(REPO, '..', 'shared', 'corpus', 'mlruns', 'Nattawut30__MLOps-Port-Optimization-Python', 'mlruns', 'mlflow.db');

describe('MLflow SQLite reader in a bundle', function () {
  this.timeout(120_000);

  it('a bundle outside the repository reads mlflow.db with sql-wasm.wasm beside it, and names the missing file without it', async () => {
    const dir = tmpDir();
    const entry = path.join(dir, 'entry.ts');
    fs.writeFileSync(entry, `import { openSqliteStore } from ${JSON.stringify(path.join(REPO, 'src', 'core', 'mlflow', 'sqliteStore'))};
void openSqliteStore({ kind: 'sqlite', path: process.argv[2], root: '/', label: 'x', key: 'k' })
  .then(async (r) => { const s = await r.scan(); r.close(); console.log(s.runs.map((x) => x.name).join(',')); })
  .catch((e: Error) => { console.error(e.message); process.exitCode = 2; });
`);
    const out = path.join(dir, 'dist', 'bundle.js');
    // The options esbuild.mjs gives the extension and CLI bundles.
    await esbuild.build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'cjs', target: 'node20', mainFields: ['module', 'main'], logLevel: 'silent' });
    const run = () => spawnSync(process.execPath, [out, DB], { cwd: dir, encoding: 'utf8' });
    const missing = run();
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, new RegExp(`SQLite engine not found: no sql-wasm\\.wasm at ${path.join(dir, 'dist', 'sql-wasm.wasm').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(dir, 'dist', 'sql-wasm.wasm'));
    const ok = run();
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), 'big-snail-535');
  });

  it('esbuild.mjs copies sql-wasm.wasm into dist/ and .vscodeignore ships it', () => {
    const build = fs.readFileSync(path.join(REPO, 'esbuild.mjs'), 'utf8');
    assert.match(build, /fs\.copyFileSync\(new URL\('\.\/node_modules\/sql\.js\/dist\/sql-wasm\.wasm', import\.meta\.url\), 'dist\/sql-wasm\.wasm'\)/);
    assert.match(build, /await Promise\.all\(targets\.map\(\(t\) => esbuild\.build\(t\)\)\);\n\s*copySqlWasm\(\);/, 'copied after every build');
    const ignore = fs.readFileSync(path.join(REPO, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(ignore.includes('!dist/sql-wasm.wasm'), '.vscodeignore keeps dist/sql-wasm.wasm');
  });
});
