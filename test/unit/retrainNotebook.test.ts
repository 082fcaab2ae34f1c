import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decide, evaluateTriggers, writeAnalysisNotebook } from '../../src/core/retrain';
import { tmpDir } from './helpers';
import { csvOf, logWindows, retrainFixture, row, TRAIN_ROWS } from './retrainFixture';

const PYTHON = '/usr/bin/python3';
const hasLibs = spawnSync(PYTHON, ['-c', 'import pandas, matplotlib, scipy'], { encoding: 'utf8' }).status === 0;
/** On CI the libraries are installed by scripts/setup-vscode-test-host.sh: missing there is a failure, not a skip. */
function needLibs(ctx: Mocha.Context): void {
  if (hasLibs) { return; }
  if (process.env.CI === 'true') { assert.fail(`${PYTHON} cannot import pandas, matplotlib and scipy: run scripts/setup-vscode-test-host.sh (it installs python3-pandas python3-scipy python3-matplotlib python3-sklearn)`); }
  ctx.skip();
}

interface Cell { cell_type: string; id: string; metadata: object; source: string[]; outputs?: unknown[]; execution_count?: null }
interface Notebook { cells: Cell[]; metadata: { kernelspec: { name: string; display_name: string; language: string } }; nbformat: number; nbformat_minor: number }

/** Runs the code cells in order in one namespace, as a kernel would; plots go to the Agg backend. */
const DRIVER = `
import json, sys, os
os.environ["MPLBACKEND"] = "Agg"
nb = json.load(open(sys.argv[1], encoding="utf-8"))
ns = {"__name__": "__main__"}
for cell in nb["cells"]:
    if cell["cell_type"] == "code":
        exec(compile("".join(cell["source"]), cell["id"], "exec"), ns)
print("DRIFT", json.dumps(ns["drift_table"].to_dict("records") if "drift_table" in ns else None))
print("FRAMES", json.dumps({k: len(v) for k, v in ns["frames"].items()}))
`;

function checkNotebook(nb: Notebook): void {
  assert.equal(nb.nbformat, 4);
  assert.equal(nb.nbformat_minor, 5);
  assert.deepEqual(nb.metadata.kernelspec, { name: 'python3', display_name: 'Python 3', language: 'python' });
  const ids = new Set<string>();
  for (const c of nb.cells) {
    assert.match(c.id, /^[A-Za-z0-9_-]{1,64}$/);
    assert.ok(!ids.has(c.id), 'cell ids are unique');
    ids.add(c.id);
    assert.ok(Array.isArray(c.source) && c.source.every((s) => typeof s === 'string'));
    assert.deepEqual(c.metadata, {});
    if (c.cell_type === 'code') { assert.deepEqual([c.outputs, c.execution_count], [[], null]); } else { assert.equal(c.cell_type, 'markdown'); }
  }
}

describe('retraining: the analysis notebook', function () {
  this.timeout(120_000);

  it('compares the training data with the newest version and the production inputs; the code cells run', async function () {
    const f = await retrainFixture({ goals: { retraining: { pipeline: 'retrain', triggers: [{ kind: 'drift', name: 'input drift', description: 'agreed with | retention <b>', class: 'minor', automation: 'auto' }] } } });
    logWindows(f.dir, ['none', 'major']);
    // A newer version of the dataset in another file, where age moved.
    const next = path.join(f.ws, 'data', 'churn-2.csv');
    fs.writeFileSync(next, csvOf(Array.from({ length: TRAIN_ROWS }, (_, i) => ({ ...row(i), age: row(i).age + 30 }))));
    const tagged = await f.store.tagData({ path: next, dataset: 'churn-data', tags: ['v2'] });
    const [e] = await evaluateTriggers(f.store, (await f.store.goals.read()).doc.goals!);
    const d = decide(e);
    const now = Date.parse('2026-11-30T10:31:00Z');
    const { file } = await writeAnalysisNotebook(f.store, { model: 'churn', evaluation: e, decision: d, now });
    assert.equal(path.relative(f.ws, file), path.join('analysis', 'retrain-churn-20261130-1031.ipynb'));
    const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
    checkNotebook(nb);
    const text = (c: Cell): string => c.source.join('');
    const markdown = nb.cells.filter((c) => c.cell_type === 'markdown').map(text).join('\n\n');
    assert.match(markdown, /^# Retraining analysis: churn v1 \(production\)/);
    assert.match(markdown, /\*\*Trigger\*\*: input drift \(drift\) — fired: input drift major/);
    assert.match(markdown, /> agreed with \\\| retention \\<b\\>/, 'workspace text is escaped, not rendered');
    assert.match(markdown, /automation withheld: major drift in/);
    assert.match(markdown, new RegExp(`\\*\\*Current\\*\\*: churn-data:v2 \`${tagged.version.id}\``));
    assert.match(markdown, /## Drift: reference → current data version\n\nDataset drift: \*\*minor\*\* — 1 of 4 columns drifted/);
    assert.match(markdown, /\| age \| ks \| [^|]+ \| 0\.05 \| \*\*yes\*\* \|/);
    assert.match(markdown, /## Drift: reference → production inputs/);
    assert.match(markdown, /## Profiles/);
    assert.match(markdown, /\| plan \| categorical \|/);
    // Never over an existing file.
    const again = await writeAnalysisNotebook(f.store, { model: 'churn', now });
    assert.equal(path.basename(again.file), 'retrain-churn-20261130-1031-2.ipynb');
    assert.notEqual(fs.readFileSync(file, 'utf8'), fs.readFileSync(again.file, 'utf8'));

    needLibs(this);
    const driver = path.join(tmpDir(), 'driver.py');
    fs.writeFileSync(driver, DRIVER);
    const r = spawnSync(PYTHON, [driver, file], { cwd: path.dirname(file), encoding: 'utf8', env: { ...process.env, MPLBACKEND: 'Agg', PYTHONWARNINGS: 'ignore' } });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const frames = JSON.parse(/^FRAMES (.*)$/m.exec(r.stdout)![1]) as Record<string, number>;
    assert.deepEqual(frames, { reference: TRAIN_ROWS, current: TRAIN_ROWS, production: 200 });
    const drift = JSON.parse(/^DRIFT (.*)$/m.exec(r.stdout)![1]) as { compared: string; column: string; test: string; drifted: boolean }[];
    const drifted = (compared: string): string[] => drift.filter((x) => x.compared === compared && x.drifted).map((x) => x.column).sort();
    assert.deepEqual(drifted('reference vs current'), ['age']);
    assert.deepEqual(drifted('reference vs production'), ['age', 'income', 'plan']);
    assert.ok(!drift.some((x) => x.column === 'churn'), 'the label is not a feature');
  });

  it('warns in the notebook when the reference file changed since it was tagged, and refuses an analysis folder that leads out', async function () {
    const f = await retrainFixture();
    const { file } = await writeAnalysisNotebook(f.store, { model: 'churn' });
    const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
    checkNotebook(nb);
    assert.match(nb.cells[0].source.join(''), /churn-data has no version newer than the reference/);
    fs.appendFileSync(path.join(f.ws, 'data', 'churn.csv'), '99,1,1,pro,1\n');
    const outside = tmpDir();
    fs.renameSync(path.join(f.ws, 'analysis'), path.join(f.ws, 'analysis-old'));
    fs.symlinkSync(outside, path.join(f.ws, 'analysis'));
    await assert.rejects(writeAnalysisNotebook(f.store, { model: 'churn' }), /refusing to write the analysis notebook through 'analysis'/);
    assert.deepEqual(fs.readdirSync(outside), []);
    await assert.rejects(writeAnalysisNotebook(f.store, { model: 'nope' }), /model 'nope' has no registered version/);
    needLibs(this);
    const driver = path.join(tmpDir(), 'driver.py');
    fs.writeFileSync(driver, DRIVER);
    const moved = path.join(f.ws, 'analysis-old', path.basename(file));
    const r = spawnSync(PYTHON, [driver, moved], { cwd: path.dirname(moved), encoding: 'utf8', env: { ...process.env, MPLBACKEND: 'Agg' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /warning: .*churn\.csv changed since churn-data:v1 \(\w+\) was tagged/);
    assert.match(r.stdout, /no production inputs logged/);
  });

  it('the code cells print what to install when pandas is missing, and do not fail', async () => {
    const f = await retrainFixture();
    const { file } = await writeAnalysisNotebook(f.store, { model: 'churn' });
    // A Python whose imports of pandas, matplotlib and scipy fail.
    const shadow = tmpDir();
    for (const m of ['pandas', 'matplotlib', 'scipy']) { fs.writeFileSync(path.join(shadow, `${m}.py`), 'raise ImportError("not here")\n'); }
    const driver = path.join(shadow, 'driver.py');
    fs.writeFileSync(driver, DRIVER.replace(/print\("DRIFT".*\nprint\("FRAMES".*\n/, 'print("DONE")\n'));
    const r = spawnSync(PYTHON, [driver, file], { cwd: path.dirname(file), encoding: 'utf8', env: { ...process.env, PYTHONPATH: shadow } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /pandas is not installed: pip install pandas/);
    assert.match(r.stdout, /matplotlib is not installed: pip install matplotlib/);
    assert.match(r.stdout, /scipy is not installed: pip install scipy/);
    assert.match(r.stdout, /DONE/);
  });
});
