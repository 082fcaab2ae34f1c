import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import type { Run } from '../../src/core';
import { activate, scriptInputs, stub, ui, until, workspaceRoot } from './helpers';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'MLOps');

/** Where `needle` (the n-th occurrence) starts in `text`, as an editor position. */
function positionOf(text: string, needle: string, from = 0): vscode.Position {
  const offset = text.indexOf(needle, from);
  assert.ok(offset >= 0, `${needle} is in the text`);
  const before = text.slice(0, offset).split('\n');
  return new vscode.Position(before.length - 1, before[before.length - 1].length);
}

/** A goals file written the way a person might: 4-space indent, own key order, a field this version does not know. */
const HAND_WRITTEN = `{
    "formatVersion": 1,
    "x-owner-note":   "kept as typed",
    "metrics": [
        {"name": "accuracy", "goal": "max", "threshold": 0.8, "description": "hand-written"}
    ],
    "kpis": [
        { "name": "quality", "formula": "accuracy * 100", "goal": "max", "owner": "Head of ML" }
    ],
    "constraints": { "maxTrainingDurationMs": 600000,   "hardware": ["cpu-only"] }
}
`;

describe('Goals commands, diagnostics and the budget warning (real extension host)', function () {
  this.timeout(120_000);
  let api: MlopsApi;
  let root = '';
  let goalsFile = '';
  let goalsUri: vscode.Uri;
  const write = (text: string) => fs.writeFileSync(goalsFile, text);
  const read = () => fs.readFileSync(goalsFile, 'utf8');
  const state = () => api.stores.list()[0];
  /** Makes the store read goals.json now (the watcher would, a little later). */
  const reloadGoals = () => api.stores.notify(root, { goals: true });

  before(async () => {
    api = await activate();
    await api.stores.ready();
    root = workspaceRoot();
    goalsFile = path.join(root, '.mlops', 'goals.json');
    goalsUri = vscode.Uri.file(goalsFile);
    fs.rmSync(goalsFile, { force: true });
    await reloadGoals();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(goalsFile, { force: true });
    await reloadGoals();
  });

  it('Open Goals File writes a starter when there is none, says so, and opens it', async () => {
    const infos: string[] = [];
    const restore = stub(vscode.window, 'showInformationMessage', ((m: string) => { infos.push(m); return Promise.resolve(undefined); }));
    let opened: string | undefined;
    try { opened = await vscode.commands.executeCommand<string>('mlops.openGoalsFile'); } finally { restore(); }
    assert.strictEqual(opened, goalsFile);
    assert.deepStrictEqual(JSON.parse(read()), { formatVersion: 1 });
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, goalsFile);
    assert.ok(infos.some((m) => /created \.mlops\/goals\.json/.test(m)), infos.join(' | '));
    // Opening an existing file changes nothing and says nothing.
    write(HAND_WRITTEN);
    const again: string[] = [];
    const restore2 = stub(vscode.window, 'showInformationMessage', ((m: string) => { again.push(m); return Promise.resolve(undefined); }));
    try { await vscode.commands.executeCommand('mlops.openGoalsFile'); } finally { restore2(); }
    assert.strictEqual(read(), HAND_WRITTEN);
    assert.deepStrictEqual(again, []);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Define Goals adds a metric goal and a KPI, keeping the rest of the file byte for byte', async () => {
    write(HAND_WRITTEN);
    await reloadGoals();
    const infos: string[] = [];
    const restoreInfo = stub(vscode.window, 'showInformationMessage', ((m: string) => { infos.push(m); return Promise.resolve(undefined); }));
    try {
      // 'loss' must be offered from the runs' logged metrics (the scripted pick fails when it is not in the list).
      const metric = scriptInputs(['Add a metric goal', 'loss', 'min', '0.3']);
      let r: unknown;
      try { r = await vscode.commands.executeCommand('mlops.defineGoals'); } finally { metric.restore(); }
      assert.deepStrictEqual(r, { kind: 'metric', name: 'loss', replaced: false, file: goalsFile });
      assert.deepStrictEqual(metric.rejected, []);
      const kpi = scriptInputs(['Add a business KPI', 'error_cost', '"loss" * 420 - accuracy * 35', 'min', '100', 'EUR per 1,000 customers', 'What wrong answers cost us']);
      try { r = await vscode.commands.executeCommand('mlops.defineGoals'); } finally { kpi.restore(); }
      assert.deepStrictEqual(r, { kind: 'kpi', name: 'error_cost', replaced: false, file: goalsFile });
      assert.strictEqual(kpi.asked.length, 7, kpi.asked.join('\n'));
    } finally { restoreInfo(); }
    const text = read();
    const json = JSON.parse(text) as { metrics: unknown[]; kpis: unknown[] };
    assert.deepStrictEqual(json.metrics[1], { name: 'loss', goal: 'min', threshold: 0.3 });
    assert.deepStrictEqual(json.kpis[1], { name: 'error_cost', formula: '"loss" * 420 - accuracy * 35', goal: 'min', threshold: 100, unit: 'EUR per 1,000 customers', description: 'What wrong answers cost us' });
    for (const line of HAND_WRITTEN.split('\n').filter((l) => !/^\s*\]/.test(l))) {
      assert.ok(text.includes(line), `kept verbatim: ${line}`);
    }
    assert.ok(infos.includes("MLOps: Added a goal for metric 'loss' to .mlops/goals.json"), infos.join(' | '));
    assert.ok(infos.includes("MLOps: Added KPI 'error_cost' to .mlops/goals.json"), infos.join(' | '));
    // The store took the new goals in.
    await until(() => state().goals?.kpis.some((k) => k.name === 'error_cost'), 10_000, 'the store reads the new KPI');
  });

  it('Define Goals asks before replacing an entry of the same name; declining writes nothing', async () => {
    write(HAND_WRITTEN);
    await reloadGoals();
    const prompts: string[] = [];
    let answer: string | undefined;
    const restoreWarn = stub(vscode.window, 'showWarningMessage', ((m: string) => { prompts.push(m); return Promise.resolve(answer); }));
    const restoreInfo = stub(vscode.window, 'showInformationMessage', (() => Promise.resolve(undefined)));
    try {
      const no = scriptInputs(['Add a metric goal', 'accuracy']);
      try { assert.strictEqual(await vscode.commands.executeCommand('mlops.defineGoals'), undefined); } finally { no.restore(); }
      assert.match(prompts[0] ?? '', /A goal for metric 'accuracy' exists \(max ≥ 0\.8\)\. Replace it\?/);
      assert.strictEqual(read(), HAND_WRITTEN);
      answer = 'Replace';
      const yes = scriptInputs(['Add a metric goal', 'accuracy', 'max', '0.9']);
      try { await vscode.commands.executeCommand('mlops.defineGoals'); } finally { yes.restore(); }
    } finally { restoreWarn(); restoreInfo(); }
    const json = JSON.parse(read()) as { metrics: unknown[] };
    // The fields the input does not ask for survive the replacement.
    assert.deepStrictEqual(json.metrics, [{ name: 'accuracy', goal: 'max', threshold: 0.9, description: 'hand-written' }]);
    assert.ok(read().includes('"x-owner-note":   "kept as typed"'));
  });

  it('a formula is validated as typed: an error names the character, an unlogged metric only warns, Esc writes nothing', async () => {
    write(HAND_WRITTEN);
    await reloadGoals();
    const errors: string[] = [];
    const restoreErr = stub(vscode.window, 'showErrorMessage', ((m: string) => { errors.push(m); return Promise.resolve(undefined); }));
    try {
      const bad = scriptInputs(['Add a business KPI', 'bad_kpi', 'loss * 2 @ 3']);
      try { await vscode.commands.executeCommand('mlops.defineGoals'); } finally { bad.restore(); }
      assert.deepStrictEqual(bad.rejected, ["character 10: unexpected '@' (quote metric names that hold it, e.g. \"accuracy@fold=1\")"]);
      const badName = scriptInputs(['Add a business KPI', 'bad kpi']);
      try { await vscode.commands.executeCommand('mlops.defineGoals'); } finally { badName.restore(); }
      assert.match(badName.rejected[0] ?? '', /character 4: ' '/);
    } finally { restoreErr(); }
    assert.strictEqual(read(), HAND_WRITTEN);

    // What the input box shows while typing, with its severity (the scripted helper only sees blocking messages).
    const seen: { text: string; message?: string; severity?: vscode.InputBoxValidationSeverity }[] = [];
    const answers: unknown[] = ['Add a business KPI', 'probe_kpi', { probe: ['loss * never_logged', 'max(loss', 'loss * 2'], answer: 'loss * 2' }, 'max', '', '', undefined];
    const restoreInput = stub(vscode.window, 'showInputBox', (async (o?: vscode.InputBoxOptions) => {
      const a = answers.shift() as string | undefined | { probe: string[]; answer: string };
      if (a && typeof a === 'object') {
        for (const text of a.probe) {
          const v = await o?.validateInput?.(text);
          seen.push(typeof v === 'object' && v ? { text, message: v.message, severity: v.severity } : { text, message: v ?? undefined });
        }
        return a.answer;
      }
      return a;
    }));
    const restorePick = stub(vscode.window, 'showQuickPick', ((items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>) =>
      Promise.resolve(items).then((list) => { const a = answers.shift(); return list.find((i) => i.label === a); })) as unknown as typeof vscode.window.showQuickPick);
    let r: unknown;
    try { r = await vscode.commands.executeCommand('mlops.defineGoals'); } finally { restoreInput(); restorePick(); }
    assert.deepStrictEqual(seen, [
      { text: 'loss * never_logged', message: "no run has logged 'never_logged' yet; the KPI is unknown until one does", severity: vscode.InputBoxValidationSeverity.Warning },
      { text: 'max(loss', message: "character 4: 'max(' is never closed", severity: vscode.InputBoxValidationSeverity.Error },
      { text: 'loss * 2', message: undefined },
    ]);
    assert.strictEqual(answers.length, 0, 'every step was asked, the last one answered with Esc');
    assert.strictEqual(r, undefined);
    assert.strictEqual(read(), HAND_WRITTEN, 'Esc at the last step wrote nothing');
  });

  it('in the real quick input, a formula error shows as typed with its character and blocks Enter; Esc writes nothing', async function () {
    if (!process.env.EXT_TEST_UI_BRIDGE) { this.skip(); }
    write(HAND_WRITTEN);
    await reloadGoals();
    const texts = async (selector: string) => ((await ui<(string | null)[]>('/texts', { frame: 'main', selector })) ?? []).map((t) => t ?? '');
    const message = async () => (await texts('.quick-input-widget .quick-input-message')).join(' ');
    const type = async (s: string) => { for (const c of s) { await ui('/press', { key: c === ' ' ? 'Space' : c }); } };
    const running = Promise.resolve(vscode.commands.executeCommand('mlops.defineGoals'));
    await until(async () => (await texts('.quick-input-widget .monaco-list-row')).some((t) => t.includes('Add a business KPI')), 20_000, 'the first pick');
    await type('business');
    await ui('/press', { key: 'Enter' });
    await until(async () => (await message()).includes('KPI name'), 20_000, 'the name input');
    await type('ui_kpi');
    await ui('/press', { key: 'Enter' });
    await until(async () => (await message()).includes('Formula over logged metrics'), 20_000, 'the formula input');
    await type('loss @ 2');
    const shown = await until(async () => { const m = await message(); return m.includes('character 6') && m; }, 20_000, 'the validation message');
    assert.match(shown, /character 6: unexpected '@'/);
    await ui('/screenshot', { name: 'define-goals-formula-error' });
    await ui('/press', { key: 'Enter' });
    await new Promise((r) => setTimeout(r, 300));
    assert.match(await message(), /character 6: unexpected '@'/, 'Enter does not accept a formula with an error');
    await ui('/press', { key: 'Escape' });
    assert.strictEqual(await running, undefined);
    assert.strictEqual(read(), HAND_WRITTEN);
  });

  it('a goals.json that is not valid JSON is reported with line:column and never rewritten', async () => {
    const broken = '{\n  "formatVersion": 1,\n  "metrics": [ { "name": "loss" "goal": "min" } ]\n}\n';
    write(broken);
    await reloadGoals();
    const errors: string[] = [];
    const restoreErr = stub(vscode.window, 'showErrorMessage', ((m: string) => { errors.push(m); return Promise.resolve(undefined); }));
    const none = scriptInputs([]);
    try {
      assert.strictEqual(await vscode.commands.executeCommand('mlops.defineGoals'), undefined);
    } finally { none.restore(); restoreErr(); }
    assert.deepStrictEqual(none.asked, [], 'nothing was asked');
    assert.deepStrictEqual(errors, ["MLOps: .mlops/goals.json:3:33: not valid JSON: expected ','. Fix it first; the file was not changed."]);
    // Open Goals File opens it as it is.
    await vscode.commands.executeCommand('mlops.openGoalsFile');
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, goalsFile);
    assert.strictEqual(read(), broken);
    const d = await until(() => ours(goalsUri).find((x) => /not valid JSON/.test(x.message)), 10_000, 'the JSON error as a diagnostic');
    assert.deepStrictEqual([d.range.start.line, d.range.start.character], [2, 32]);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('diagnostics sit on the formula character and the non-number threshold, follow typing, and vanish when fixed or deleted', async () => {
    const text = `{
  "formatVersion": 1,
  "metrics": [ { "name": "loss", "goal": "min", "threshold": "low" } ],
  "kpis": [ { "name": "k", "formula": "loss * \\"x\\" @ 2", "goal": "max" } ]
}
`;
    write(text);
    await reloadGoals();
    // Closed: checked from disk.
    const fromDisk = await until(() => ours(goalsUri).length >= 2 && ours(goalsUri), 10_000, 'diagnostics of the closed file');
    const formula = fromDisk.find((d) => d.message.startsWith('formula:'));
    const threshold = fromDisk.find((d) => /threshold/.test(d.message));
    assert.ok(formula && threshold, fromDisk.map((d) => d.message).join(' | '));
    assert.deepStrictEqual(formula.range.start, positionOf(text, '@'), 'on the @ inside the string (escaped quotes before it counted as written)');
    assert.strictEqual(formula.range.end.character - formula.range.start.character, 1);
    assert.strictEqual(formula.severity, vscode.DiagnosticSeverity.Error);
    assert.deepStrictEqual(threshold.range.start, positionOf(text, '"low"'));
    assert.match(threshold.message, /threshold must be a number/);

    // Open and typed into (not saved): checked as typed.
    const doc = await vscode.workspace.openTextDocument(goalsUri);
    await vscode.window.showTextDocument(doc);
    if (process.env.EXT_TEST_UI_BRIDGE) {
      // What the user sees: squiggles under the '@' and the "low" (a screenshot for the record).
      await until(async () => ((await ui<unknown[]>('/texts', { frame: 'main', selector: '.monaco-editor .squiggly-error' })) ?? []).length >= 2, 20_000, 'squiggles drawn');
      await ui('/screenshot', { name: 'goals-json-diagnostics' });
    }
    const fix = new vscode.WorkspaceEdit();
    fix.replace(goalsUri, new vscode.Range(positionOf(text, '@'), positionOf(text, '@').translate(0, 1)), '*');
    assert.ok(await vscode.workspace.applyEdit(fix));
    await until(() => !ours(goalsUri).some((d) => d.message.startsWith('formula:')), 10_000, 'the formula diagnostic gone after typing');
    assert.ok(ours(goalsUri).some((d) => /threshold/.test(d.message)), 'the threshold one stays');
    const fix2 = new vscode.WorkspaceEdit();
    const at = positionOf(doc.getText(), '"low"');
    fix2.replace(goalsUri, new vscode.Range(at, at.translate(0, 5)), '0.3');
    assert.ok(await vscode.workspace.applyEdit(fix2));
    await until(() => !ours(goalsUri).some((d) => d.severity === vscode.DiagnosticSeverity.Error), 10_000, 'no errors left');
    // 'x' was never logged: a warning on the name, inside the string.
    const warn = ours(goalsUri).find((d) => /'x'/.test(d.message));
    assert.ok(warn, ours(goalsUri).map((d) => d.message).join(' | '));
    assert.strictEqual(warn.severity, vscode.DiagnosticSeverity.Warning);
    assert.deepStrictEqual(warn.range.start, positionOf(doc.getText(), '\\"x\\"'));
    await doc.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(goalsFile);
    await reloadGoals();
    await until(() => ours(goalsUri).length === 0, 10_000, 'diagnostics gone with the file');
  });

  it('a 10,000-character formula and 10,000 nested parentheses give a diagnostic, not a hang', async () => {
    const long = `${'loss + '.repeat(1500)}1`;
    const deep = `${'('.repeat(10_000)}loss${')'.repeat(10_000)}`;
    write(JSON.stringify({ formatVersion: 1, kpis: [{ name: 'long', formula: long }, { name: 'deep', formula: deep }, { name: 'fine', formula: 'loss * 2' }] }, null, 2));
    await reloadGoals();
    const ds = await until(() => ours(goalsUri).filter((d) => d.message.startsWith('formula:')).length === 2 && ours(goalsUri), 10_000, 'two formula diagnostics');
    assert.ok(ds.every((d) => /at most 1000 are allowed/.test(d.message)), ds.map((d) => d.message).join(' | '));
    assert.ok(state().goals?.kpis.some((k) => k.name === 'fine' && k.parsed), 'the good KPI still works');
    fs.rmSync(goalsFile);
    await reloadGoals();
    await until(() => ours(goalsUri).length === 0, 10_000, 'diagnostics gone with the file');
  });

  describe('Run Script as Experiment and the budget', () => {
    const script = () => vscode.Uri.file(path.join(workspaceRoot(), 'scripts', 'train_logreg.py'));
    const created: string[] = [];
    let answer: 'Run anyway' | 'Cancel' = 'Cancel';
    const warnings: string[] = [];
    let restoreWarn: () => void = () => undefined;

    before(async () => {
      write(JSON.stringify({ formatVersion: 1, budget: { currency: 'EUR', rates: { cpuCoreHour: 0.05 }, limits: { experiments: { 'budget-test': 100 } } } }, null, 2));
      await reloadGoals();
      for (const amount of [70, 50]) {
        const run = await state().store.createRun({ experiment: 'budget-test', status: 'finished', meta: { durationMs: 1000, cost: { amount, currency: 'EUR' } } });
        created.push(run.id);
      }
      await api.stores.notify(root, { runs: created, experiments: true });
      restoreWarn = stub(vscode.window, 'showWarningMessage', ((m: string, ...rest: unknown[]) => {
        warnings.push(m);
        const items = rest.filter((x): x is vscode.MessageItem => typeof x === 'object' && x !== null && 'title' in x);
        return Promise.resolve(items.find((i) => i.title === answer));
      }));
    });

    after(async () => {
      restoreWarn();
      for (const id of created) { fs.rmSync(path.join(root, '.mlops', 'runs', id), { recursive: true, force: true }); }
      fs.rmSync(path.join(root, '.mlops', 'experiments', 'budget-test.json'), { force: true });
      fs.rmSync(goalsFile, { force: true });
      await api.stores.notify(root, { full: true });
    });

    const budgetRuns = () => state().runs.list('budget-test').length;

    it('an overspent experiment asks first; Cancel starts no run', async () => {
      answer = 'Cancel';
      const folders = fs.readdirSync(path.join(root, '.mlops', 'runs')).length;
      const r = await vscode.commands.executeCommand<Run | undefined>('mlops.runScriptAsExperiment', script(), { experiment: 'budget-test', params: { lr: 0.5, epochs: 2 } });
      assert.strictEqual(r, undefined);
      assert.strictEqual(warnings.length, 1);
      assert.match(warnings[0], /^MLOps: Experiment 'budget-test' has spent 120 EUR of its 100 EUR budget/);
      assert.strictEqual(budgetRuns(), 2, 'no run was created');
      assert.strictEqual(fs.readdirSync(path.join(root, '.mlops', 'runs')).length, folders, 'no run folder on disk either');
    });

    it('"Run anyway" starts the run', async () => {
      answer = 'Run anyway';
      warnings.length = 0;
      const r = await vscode.commands.executeCommand<Run | undefined>('mlops.runScriptAsExperiment', script(), { experiment: 'budget-test', params: { lr: 0.5, epochs: 2 } });
      assert.ok(r, 'the run ran');
      created.push(r.id);
      assert.strictEqual(r.experiment, 'budget-test');
      assert.strictEqual(r.status, 'finished');
      assert.strictEqual(warnings.length, 1);
      assert.strictEqual(budgetRuns(), 3);
    });

    it('an experiment within its budget starts without asking', async () => {
      warnings.length = 0;
      write(JSON.stringify({ formatVersion: 1, budget: { currency: 'EUR', limits: { experiments: { 'budget-test': 100_000 } } } }, null, 2));
      await reloadGoals();
      const r = await vscode.commands.executeCommand<Run | undefined>('mlops.runScriptAsExperiment', script(), { experiment: 'budget-test', params: { lr: 0.5, epochs: 2 } });
      assert.ok(r);
      created.push(r.id);
      assert.deepStrictEqual(warnings, []);
    });
  });
});
