// The packed .vsix (npm run test:package builds it first): what `unzip -l` shows is what a user installs.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUNDLE_LIMIT, listVsix, readVsixFile, vsixProblems } from './vsixContent';

const root = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
const vsix = process.env.MLOPS_VSIX ? path.resolve(process.env.MLOPS_VSIX) : path.join(root, `${pkg.name}-${pkg.version}.vsix`);

/** Packs the work tree at `dir` the way scripts/package.mjs does, with the given ignore file. */
function pack(dir: string, ignoreFile: string): string {
  const out = path.join(dir, 'out.vsix');
  execFileSync(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies',
    '--ignoreFile', ignoreFile, '--out', out], { cwd: dir, stdio: 'pipe' });
  return out;
}

describe('the packed .vsix', function () {
  this.timeout(120_000);

  it('holds the bundles, CLI, webviews, wasm, Python files, schemas, media and docs, and no sources or tests', () => {
    assert.ok(fs.existsSync(vsix), `${vsix} not found: run 'npm run package' first`);
    const entries = listVsix(vsix);
    assert.deepEqual(vsixProblems(entries, root), []);
    const bundle = entries.find((e) => e.name === 'extension/dist/extension.js');
    assert.ok(bundle && bundle.size > 100_000 && bundle.size <= BUNDLE_LIMIT, `dist/extension.js is ${bundle?.size} bytes`);
    // The manifest that ships is the one VS Code will read: same id, version, entry point and extension kind.
    const shipped = JSON.parse(readVsixFile(vsix, 'extension/package.json')) as Record<string, unknown>;
    assert.equal(`${String(shipped.publisher)}.${String(shipped.name)}`, 'mlops-workbench.mlops-workbench');
    assert.equal(shipped.version, pkg.version);
    assert.equal(shipped.main, './dist/extension.js');
    assert.deepEqual(shipped.extensionKind, ['workspace']);
    // The README's screenshots are linked from the repository (vsce rewrites relative image links), not shipped.
    assert.ok(!entries.some((e) => e.name.startsWith('extension/media/screenshots/')), 'README screenshots shipped in the .vsix');
  });

  describe('the check itself, on a copy of the work tree with sources, tests and source maps planted in it', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-vsix-'));
      for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore']) { fs.copyFileSync(path.join(root, f), path.join(dir, f)); }
      for (const d of ['dist', 'media', 'schemas', 'docs', 'python']) { fs.cpSync(path.join(root, d), path.join(dir, d), { recursive: true }); }
      const plant = (f: string, text: string) => { fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true }); fs.writeFileSync(path.join(dir, f), text); };
      plant('src/extension.ts', 'export {};\n');
      plant('test/unit/x.test.ts', 'export {};\n');
      plant('test/fixtures/workspace/.mlops/mlops.json', '{}\n');
      plant('out/src/extension.js', '\n');
      plant('dist/extension.js.map', '{}\n');
      plant('dist/webview/compare.js.map', '{}\n');
      plant('python/tests/test_logger.py', '\n');
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('passes the project\'s .vscodeignore, which keeps every planted file out', () => {
      const entries = listVsix(pack(dir, '.vscodeignore'));
      assert.deepEqual(vsixProblems(entries, dir), []);
      assert.ok(!entries.some((e) => /\.map$|\/src\/|\/test\/|\/out\/|python\/tests/.test(e.name)), entries.map((e) => e.name).join('\n'));
    });

    it('fails an ignore file that lists what to leave out and forgets some of it', () => {
      fs.writeFileSync(path.join(dir, 'careless.vscodeignore'), 'src/**\nnode_modules/**\ncareless.vscodeignore\n');
      const problems = vsixProblems(listVsix(pack(dir, 'careless.vscodeignore')), dir);
      for (const f of ['test/unit/x.test.ts', 'test/fixtures/workspace/.mlops/mlops.json', 'out/src/extension.js', 'dist/extension.js.map', 'dist/webview/compare.js.map']) {
        assert.ok(problems.some((p) => p.startsWith(`${f} `)), `${f} not reported among:\n${problems.join('\n')}`);
      }
    });

    it('fails an ignore file that leaves out the lazily loaded libraries and the Python server', () => {
      const ours = fs.readFileSync(path.join(dir, '.vscodeignore'), 'utf8');
      fs.writeFileSync(path.join(dir, 'short.vscodeignore'), ours.replace('!dist/vendor/*.js\n', '').replace('!python/mlops_serve.py\n', ''));
      const problems = vsixProblems(listVsix(pack(dir, 'short.vscodeignore')), dir);
      assert.ok(problems.includes('python/mlops_serve.py is missing'), problems.join('\n'));
      assert.ok(problems.includes('dist/vendor/yaml.js is missing'), problems.join('\n'));
    });
  });
});
