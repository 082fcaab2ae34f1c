import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { findIpythonSyntax, lintText, notebookToScript, parseNotebook, scriptTrainingPatterns, vettedSet, type Finding } from '../../src/core/lint';
import { REPO, mlops, tmpDir } from './helpers';

const CORPUS = path.resolve(REPO, '..', 'shared', 'corpus', 'notebooks');
const vetted = vettedSet();
const lint = (file: string, text: string, extra: Partial<Parameters<typeof lintText>[2]> = {}) => lintText(file, text, { vetted, ...extra }).filter((f) => f.code !== 'contrib-import');

function nb(cells: { type?: 'code' | 'markdown'; src: string; count?: number | null; outputs?: boolean }[]): string {
  return JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { language_info: { name: 'python' } }, cells: cells.map((c) => ({
    cell_type: c.type ?? 'code', source: c.src.split(/(?<=\n)/), metadata: {},
    ...(c.type === 'markdown' ? {} : { execution_count: c.count ?? null, outputs: c.outputs ? [{ output_type: 'stream', name: 'stdout', text: ['x'] }] : [] }),
  })) });
}

function compiles(py: string): string {
  const f = path.join(tmpDir(), 'extracted.py');
  fs.writeFileSync(f, py);
  const r = spawnSync('python3', ['-m', 'py_compile', f], { encoding: 'utf8' });
  return r.status === 0 ? 'ok' : r.stderr;
}

describe('ipython-syntax-in-script', () => {
  it('finds magics, shell escapes, captures, get_ipython() and display() without an import', () => {
    const src = ['%matplotlib inline', '%%time', '!pip install einops', 'files = !ls', 't = %timeit -o f()', 'ip = get_ipython()', 'display(df)', '  !echo indented'].join('\n');
    assert.deepEqual(findIpythonSyntax(src).map((h) => `${h.line}:${h.kind}`), ['0:line-magic', '1:cell-magic', '2:shell', '3:shell-assign', '4:magic-assign', '5:get_ipython', '6:display', '7:shell']);
    const f = lint('train.py', src);
    assert.equal(f.length, 8);
    assert.ok(f.every((x) => x.code === 'ipython-syntax-in-script' && x.severity === 'error'));
    assert.deepEqual([f[0].line, f[0].column, f[0].endColumn], [1, 1, 19]);
  });

  it('is not fooled by strings, comments, !=, % formatting, modulo or continuation lines', () => {
    const src = [
      'a = 1 != 2', 'b = "%d items" % 3', 'c = 10 % 3', '# %matplotlib inline', 's = "!pip install x"', 'doc = """', '%not a magic', '!not a shell', '"""',
      'total = (a', '         % b)', 'd = (x', '     != y)', 'from IPython.display import display', 'display(a)',
    ].join('\n');
    assert.deepEqual(findIpythonSyntax(src), []);
  });
});

describe('notebook rules', () => {
  it('out-of-order execution: warning on the first offending cell with the order seen', () => {
    const f = lint('a.ipynb', nb([{ src: 'x = 1', count: 1 }, { src: 'y = 2', count: 3 }, { src: 'z = 3', count: 2 }, { src: 'w = 4', count: 4 }]));
    assert.deepEqual(f.map((x) => `${x.cell}:${x.code}`), ['2:out-of-order-execution']);
    assert.match(f[0].message, /\[1, 3, 2, 4\]/);
  });

  it('unexecuted cells only when the notebook ran other cells', () => {
    assert.deepEqual(lint('a.ipynb', nb([{ src: 'x = 1', count: 1, outputs: true }, { src: 'y = 2' }, { src: '' }])).map((x) => `${x.cell}:${x.code}`), ['1:unexecuted-cells']);
    assert.deepEqual(lint('b.ipynb', nb([{ src: 'x = 1' }, { src: 'y = 2' }])), []);
  });

  it('shell installs in notebooks are information, with the packages named', () => {
    const f = lint('a.ipynb', nb([{ src: '!pip install -q einops rich\n%pip install torch\n%conda install numpy\nx = 1 != 2' }]));
    assert.deepEqual(f.map((x) => `${x.line}:${x.code}:${x.severity}`), ['1:shell-install-in-notebook:info', '2:shell-install-in-notebook:info', '3:shell-install-in-notebook:info']);
    assert.match(f[0].message, /Installs einops, rich/);
  });

  it('notebook-only training: flagged on the training call; covered by a workspace script or a workspace import', () => {
    const text = nb([{ src: 'from sklearn.linear_model import LogisticRegression\nclf = LogisticRegression()', count: 1 }, { src: 'for epoch in range(3):\n    loss.backward()\n    optimizer.step()', count: 2 }]);
    const f = lint('a.ipynb', text);
    assert.deepEqual(f.map((x) => `${x.cell}:${x.line}:${x.column}:${x.code}`), ['1:2:9:notebook-only-training']);
    assert.deepEqual(lint('a.ipynb', text, { scriptTraining: scriptTrainingPatterns('def train(m):\n    loss.backward()\n    optimizer.step()\n') }), []);
    const viaImport = nb([{ src: 'from train import fit_model\nmodel = fit_model(X, y)\nmodel.fit(X, y)', count: 1 }]);
    assert.deepEqual(lint('b.ipynb', viaImport, { isLocal: (m) => m === 'train' }), []);
    assert.equal(lint('b.ipynb', viaImport).length, 1);
    assert.equal(lint('c.ipynb', nb([{ src: 's = "model.fit(X)"  # model.fit(X)', count: 1 }])).length, 0);
  });

  it('training patterns are configurable', () => {
    const text = nb([{ src: 'booster = xgb.train(params, dtrain)\nlearner.fine_tune(3)', count: 1 }]);
    assert.equal(lint('a.ipynb', text).length, 1);
    assert.deepEqual(lint('a.ipynb', text, { trainingPatterns: ['\\.fine_tune\\s*\\('] }).map((x) => x.line), [2]);
  });

  it('a notebook that is not JSON is one finding, not a crash', () => {
    const f = lintText('bad.ipynb', '{"cells": [', { vetted });
    assert.deepEqual(f.map((x) => x.code), ['unreadable']);
  });

  it('malformed notebooks (a null cell, a numeric source, not a notebook) are one unreadable error on line 1 with the reason', () => {
    const cases: [string, RegExp][] = [
      ['{"cells":[null]}', /cell 1 is null, not a cell object/],
      ['{"cells":[{"cell_type":"code","source":"x = 1"}, 7]}', /cell 2 is a number/],
      ['{"cells":[{"cell_type":"code","source":3}]}', /"source" of cell 1 is neither a string nor a list of strings/],
      ['{"cells":[{"cell_type":"code","source":["a", null]}]}', /"source" of cell 1/],
      ['[1, 2]', /not an nbformat 4 notebook/],
      ['{"cells": [', /not valid JSON/],
    ];
    for (const [text, reason] of cases) {
      const f = lintText('bad.ipynb', text, { vetted });
      assert.equal(f.length, 1, text);
      assert.deepEqual([f[0].code, f[0].severity, f[0].line, f[0].column, f[0].file], ['unreadable', 'error', 1, 1, 'bad.ipynb'], text);
      assert.match(f[0].message, reason, text);
    }
  });

  it('odd but valid metadata and a byte-order mark do not stop a notebook from being linted', () => {
    const text = '\uFEFF' + JSON.stringify({ nbformat: 4, metadata: { language_info: 'python', kernelspec: null }, cells: [{ cell_type: 'code', source: '!pip install einops', execution_count: 1, outputs: [] }] });
    assert.deepEqual(lint('a.ipynb', text).map((x) => x.code), ['shell-install-in-notebook']);
  });
});

describe('extract to script', () => {
  it('writes code cells in order, markdown as comments, IPython lines as comments or subprocess, and compiles', () => {
    const text = nb([
      { type: 'markdown', src: '# Churn model\nTrains a classifier.' },
      { src: '%matplotlib inline\n!pip install einops\nimport numpy as np\nfrom sklearn.linear_model import (\n    LogisticRegression,\n)', count: 1 },
      { src: 'files = !ls data\n!echo done\ndoc = """\n  kept as is\n"""\nif True:\n    %time f()\nclf = LogisticRegression()\nclf.fit([[0], [1]], [0, 1])', count: 2 },
      { src: '%%bash\necho hi', count: 3 },
    ]);
    const parsed = parseNotebook(text);
    assert.ok(parsed.ok);
    const py = notebookToScript(parsed.cells, 'churn.ipynb');
    assert.equal(compiles(py), 'ok', py);
    assert.match(py, /^import numpy as np$/m);
    assert.match(py, /^from sklearn\.linear_model import \($/m);
    assert.match(py, /# Churn model/);
    assert.match(py, /# \[IPython only, not run by python\] %matplotlib inline/);
    assert.match(py, /# equivalent: subprocess\.run\(\[sys\.executable, '-m', 'pip', "install", "einops"\], check=True\)/);
    assert.match(py, /files = subprocess\.run\(\["ls", "data"\], check=True, capture_output=True, text=True\)\.stdout\.splitlines\(\)/);
    assert.match(py, /doc = """\n {2}kept as is\n"""/);
    assert.match(py, /# \[IPython cell magic, not run by python\]\n {4}# %%bash/);
    assert.match(py, /if __name__ == "__main__":\n {4}main\(\)\n$/);
  });
});

describe('the corpus of real notebooks (../shared/corpus)', function () {
  before(function () { if (!fs.existsSync(CORPUS)) { console.log(`      (skipped: ${CORPUS} is missing)`); this.skip(); } });

  const notebooks = () => fs.readdirSync(CORPUS).filter((f) => f.endsWith('.ipynb')).map((f) => ({ f, text: fs.readFileSync(path.join(CORPUS, f), 'utf8') }));

  it('every notebook analyses without a crash; every magic/shell install line and order violation is found', () => {
    const all = notebooks();
    assert.equal(all.length, 14);
    for (const { f, text } of all) {
      const parsed = parseNotebook(text);
      assert.ok(parsed.ok, f);
      const findings = lintText(f, text, { vetted });
      // Independent oracle: lines whose first character is % or ! and that install packages; counts not increasing.
      const installs: string[] = [];
      for (const c of parsed.cells) {
        if (c.kind !== 'code') { continue; }
        c.source.split('\n').forEach((l, i) => { if (/^\s*[!%]\s*(pip|conda)\b.*\binstall\b/.test(l)) { installs.push(`${c.index}:${i + 1}`); } });
      }
      assert.deepEqual(findings.filter((x) => x.code === 'shell-install-in-notebook').map((x) => `${x.cell}:${x.line}`), installs, f);
      const counts = parsed.cells.filter((c) => c.kind === 'code' && c.executionCount !== null).map((c) => c.executionCount!);
      const disordered = counts.some((n, i) => i > 0 && n <= counts[i - 1]);
      assert.equal(findings.some((x) => x.code === 'out-of-order-execution'), disordered, f);
      // The IPython detector sees every line that starts with % or ! outside strings in code cells.
      const magicLines = parsed.cells.filter((c) => c.kind === 'code').flatMap((c) => c.source.split('\n').filter((l) => /^\s*[%!]/.test(l) && !/^\s*!=/.test(l)));
      const detected = parsed.cells.filter((c) => c.kind === 'code').flatMap((c) => findIpythonSyntax(c.source).filter((h) => h.kind !== 'display' && h.kind !== 'get_ipython'));
      assert.ok(detected.length >= magicLines.length - 0, `${f}: ${detected.length} IPython lines found, ${magicLines.length} start with % or !`);
    }
  });

  it('the script extracted from every corpus notebook compiles with python3 -m py_compile', () => {
    for (const { f, text } of notebooks()) {
      const parsed = parseNotebook(text);
      assert.ok(parsed.ok);
      assert.equal(compiles(notebookToScript(parsed.cells, f)), 'ok', f);
    }
  });

  it('mlops lint reports the notebook rules for the corpus folder', () => {
    const r = mlops(['lint', '--format', 'json', '--fail-on', 'none', CORPUS], tmpDir());
    assert.equal(r.code, 0, r.stderr);
    const codes = new Set((JSON.parse(r.stdout) as Finding[]).map((f) => f.code));
    for (const c of ['notebook-only-training', 'out-of-order-execution', 'unexecuted-cells', 'shell-install-in-notebook']) { assert.ok(codes.has(c), c); }
  });
});
