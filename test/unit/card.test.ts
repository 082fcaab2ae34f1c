import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildModelCard, cardHtml, cardMarkdown, mdEscape, CARD_SECTIONS } from '../../src/core/card';
import { cardFixture, handGate } from './cardFixture';

// The model card from a real temp store: the data object, then its Markdown and its HTML.

describe('model card data', () => {
  it('gathers details, intended use, KPIs, metric goals, slices, data, constraints, lineage and caveats', async () => {
    const f = await cardFixture();
    const card = await buildModelCard(f.store, 'churn', 1, { now: new Date('2026-11-30T05:00:00Z') });
    assert.equal(card.model, 'churn');
    assert.equal(card.version, 1);
    assert.equal(card.details.stage, 'none');
    assert.equal(card.details.owner, 'Dana Retention');
    assert.equal(card.details.ownerFrom, 'goals');
    assert.equal(card.details.description, 'Churn classifier');
    assert.equal(card.details.runName, 'gbm-1');
    assert.equal(card.details.artifact.path, 'model.pkl');
    assert.equal(card.details.artifact.sizeBytes, 11);
    assert.match(card.details.artifact.sha256, /^[0-9a-f]{64}$/);
    assert.equal(card.intendedUse?.outOfScope, 'Credit decisions');

    const revenue = card.kpis.find((k) => k.name === 'retained_revenue')!;
    assert.equal(revenue.verdict, 'pass');
    assert.ok(Math.abs(revenue.value! - (0.8 * 420 - 0.1 * 35)) < 1e-9);
    assert.equal(revenue.formula, 'recall * 420 - false_positive_rate * 35');
    assert.equal(revenue.description, 'EUR kept per 1,000 customers');
    assert.equal(revenue.owner, 'Head of retention');
    assert.equal(revenue.bar, '≥ 250');
    const missing = card.kpis.find((k) => k.name === 'missing_kpi')!;
    assert.equal(missing.verdict, 'unknown');
    assert.ok(card.caveats.some((c) => c.startsWith('missing_kpi is unknown')), card.caveats.join('\n'));

    assert.deepEqual(card.metrics.map((m) => [m.name, m.verdict]), [['recall', 'pass'], ['false_positive_rate', 'pass'], ['accuracy@fold=1', 'info']]);

    const acc = card.slices.find((s) => s.metric === 'accuracy')!;
    assert.equal(acc.key, 'fold');
    assert.deepEqual(acc.slices.map((s) => s.slice), ['1', '2', '3']);
    assert.ok(Math.abs(acc.spread - 0.12) < 1e-9);
    assert.equal(acc.worst, '2');
    assert.equal(acc.goal, 'max');
    // goals.json has a goal for accuracy@fold=1 only, not for accuracy: the direction comes from the name, as in the gate.
    assert.equal(acc.goalFrom, 'assumed');
    assert.equal(acc.flagged, true);
    const loss = card.slices.find((s) => s.metric === 'loss')!;
    assert.equal(loss.flagged, false);
    assert.equal(loss.goal, 'min');
    assert.equal(loss.worst, 'us');
    assert.equal(loss.goalFrom, 'assumed');
    assert.ok(card.caveats.some((c) => c.includes('lower loss is better; lower is assumed from its name')), card.caveats.join('\n'));

    assert.equal(card.data.length, 1);
    assert.equal(card.data[0].label, 'v1');
    assert.match(card.data[0].contentHash!, /^[0-9a-f]{64}$/);
    assert.deepEqual(card.data[0].profile, [{ path: 'train.csv', rows: 3, columns: 3 }]);

    assert.deepEqual(card.constraints.map((c) => [c.name, c.verdict]), [['maxPeakMemoryBytes', 'pass'], ['python', 'pass']]);
    assert.equal(card.lineage.commit, 'a'.repeat(40));
    assert.equal(card.lineage.branch, 'main');
    assert.equal(card.lineage.dirty, false);
    assert.equal(card.lineage.python, '3.11.4');
    assert.equal(card.lineage.environment?.file, 'requirements.txt');
    assert.match(card.lineage.hardware!, /cpu-only/);
    assert.equal(card.dependencies.environment?.hash, 'b'.repeat(64));
    assert.equal(card.gate, undefined);
    assert.equal(card.caveats[0], 'Run notes: trained on the March export');
  });

  it('takes the gate, its dependency evidence and its waivers, and waivers recorded in the stage history with who and when', async () => {
    const f = await cardFixture();
    await f.store.setModelStage('churn', 1, 'production', { record: {
      by: { name: 'Ada', email: 'ada@example.com' }, waivers: [{ check: 'slices', reason: 'fold 2 is a holdout' }],
      gate: { passed: true, commit: 'a'.repeat(40), checks: [{ id: 'slices', status: 'waived', summary: 'spread 0.12' }] } } });
    const card = await buildModelCard(f.store, 'churn', 1, { gate: handGate() });
    assert.equal(card.gate?.passed, false);
    assert.deepEqual(card.gate?.blocking, ['goals', 'dependencies', 'notebooks']);
    assert.equal(card.dependencies.status, 'fail');
    assert.equal(card.dependencies.evidence[0].file, 'requirements.txt');
    assert.equal(card.waivers.length, 1, 'the gate run\'s waiver with the same reason as the recorded one is shown once');
    assert.equal(card.waivers[0].by, 'Ada <ada@example.com>');
    assert.equal(card.waivers[0].stage, 'production');
    assert.deepEqual(card.history.map((h) => [h.stage, h.by, h.gatePassed]), [['none', undefined, undefined], ['production', 'Ada <ada@example.com>', true]]);
    assert.ok(card.caveats.some((c) => c.includes('could not check training outside notebooks: untrusted workspace')));
  });

  it('names the owner from the newest stage change that recorded a person when goals.json names none', async () => {
    const f = await cardFixture({ goals: { formatVersion: 1 } });
    await f.store.setModelStage('churn', 1, 'staging', { record: { by: { name: 'Bo' }, gate: { passed: true, checks: [] } } });
    await f.store.setModelStage('churn', 1, 'production', { record: { by: { name: 'Cy', email: 'cy@example.com' }, gate: { passed: true, checks: [] } } });
    const card = await buildModelCard(f.store, 'churn', 1);
    assert.equal(card.details.owner, 'Cy <cy@example.com>');
    assert.equal(card.details.ownerFrom, 'history');
    const none = await buildModelCard((await cardFixture({ goals: null })).store, 'churn', 1);
    assert.equal(none.details.owner, 'not recorded');
    assert.ok(none.caveats.some((c) => c.includes('There is no goals.json')));
  });

  it('still makes a card when the run is gone, a data version is deleted or goals.json is broken', async () => {
    const gone = await cardFixture();
    fs.rmSync(gone.store.runDir(gone.runId), { recursive: true });
    const a = await buildModelCard(gone.store, 'churn', 1);
    assert.ok(a.caveats.some((c) => c.includes('is no longer in the store')), a.caveats.join('\n'));
    assert.equal(a.kpis.find((k) => k.name === 'retained_revenue')?.verdict, 'unknown');
    assert.ok(cardHtml(a).includes('(run not found)'));
    // Every goal and constraint is still listed with its bar, unknown because the run is gone.
    assert.equal(a.kpis.find((k) => k.name === 'retained_revenue')?.bar, '≥ 250');
    assert.equal(a.metrics.find((m) => m.name === 'recall')?.bar, '≥ 0.7');
    assert.deepEqual(a.constraints.map((c) => [c.label, c.verdict]), [['Peak memory', 'unknown'], ['Python', 'unknown']]);
    assert.match(a.constraints[0].reason ?? '', /not in the store/);

    const noData = await cardFixture();
    fs.rmSync(path.join(noData.root, '.mlops', 'datasets', 'churn'), { recursive: true });
    const b = await buildModelCard(noData.store, 'churn', 1);
    assert.equal(b.data[0].problem, 'this data version is no longer in the store');

    const broken = await cardFixture({ goals: '{ "formatVersion": 1, "metrics": [ }' });
    const c = await buildModelCard(broken.store, 'churn', 1);
    assert.ok(c.caveats.some((x) => x.startsWith('goals.json cannot be used')), c.caveats.join('\n'));
    assert.deepEqual(c.kpis, []);

    await assert.rejects(buildModelCard(broken.store, 'churn', 7), /no version 7/);
  });
});

describe('model card Markdown', () => {
  it('a slice whose value is NaN or infinite is listed as unknown, never charted as a number', async () => {
    const f = await cardFixture();
    await f.store.logMetrics(f.runId, [{ name: 'recall@tier=gold', value: 0.8, step: 1 }, { name: 'recall@tier=silver', value: Infinity, step: 1 }, { name: 'recall@tier=bronze', value: NaN, step: 1 }]);
    const card = await buildModelCard(f.store, 'churn', 1);
    const tier = card.slices.find((x) => x.key === 'tier')!;
    assert.equal(tier.flagged, true);
    assert.deepEqual(tier.unknown?.map((u) => u.slice), ['bronze', 'silver']);
    const html = cardHtml(card);
    assert.ok(!/NaN"|Infinity"/.test(html), 'no NaN or Infinity in SVG attributes');
    assert.match(cardMarkdown(card), /spread unknown \(tier=bronze is NaN, tier=silver is Infinity; allowed ≤ 0\.05\)/);
    await f.store.logMetrics(f.runId, [{ name: 'recall@tier=gold', value: NaN, step: 2 }]);
    assert.ok(!/x1="NaN"/.test(cardHtml(await buildModelCard(f.store, 'churn', 1))));
  });

  it('a list of gate problems ends with a blank line, so GitHub does not fold the next heading into it', async () => {
    const f = await cardFixture();
    const card = await buildModelCard(f.store, 'churn', 1, { gate: handGate({ problems: ['requirements.txt could not be read'] }) });
    const lines = cardMarkdown(card).split('\n');
    const at = lines.findIndex((l) => l.startsWith('- requirements.txt could not be read'));
    assert.ok(at > 0);
    assert.equal(lines[at + 1], '');
  });

  it('escapes table and inline syntax so hostile text stays text', () => {
    assert.equal(mdEscape('a|b'), 'a\\|b');
    assert.equal(mdEscape('<img src=x>'), '&lt;img src=x&gt;');
    assert.equal(mdEscape('`x` *y* _z_ [l](u)'), '\\`x\\` \\*y\\* \\_z\\_ \\[l\\](u)');
    assert.equal(mdEscape('two\nlines'), 'two lines');
  });

  it('has every section as a heading, business first, and tables whose rows keep their column count with hostile names', async () => {
    const f = await cardFixture({ hostile: true });
    const md = cardMarkdown(await buildModelCard(f.store, f.model, 1, { gate: handGate({}, true) }));
    const headings = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(headings, ['Model details', 'Intended use', 'Business KPIs', 'Model metrics', 'Results by slice', 'Training and evaluation data',
      'Production constraints', 'Dependencies', 'Lineage', 'Production gate', 'Caveats']);
    assert.ok(!md.includes('<img'), 'no raw HTML from the data');
    assert.ok(!/[^\\]\[l\]\(javascript/.test(md), 'no live link from the data');
    // Every table row has as many unescaped pipes as its header row.
    const lines = md.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i].startsWith('|') || !lines[i + 1]?.startsWith('|---') && !lines[i + 1]?.startsWith('| ---')) { continue; }
      const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
      const n = cells(lines[i]);
      for (let j = i + 2; j < lines.length && lines[j].startsWith('|'); j++) { assert.equal(cells(lines[j]), n, `row ${j}: ${lines[j]}`); }
    }
    assert.ok(md.includes('run &lt;img src=x onerror="window.\\_\\_pwned=1"&gt;'), 'the run name is shown, escaped');
  });
});

describe('model card HTML', () => {
  it('is one self-contained file: no script, no http URL, a section id for each part, an SVG chart per sliced metric', async () => {
    const f = await cardFixture();
    const html = cardHtml(await buildModelCard(f.store, 'churn', 1, { gate: handGate() }));
    assert.ok(!/<script/i.test(html));
    assert.ok(!/https?:\/\//i.test(html), 'no external URL');
    assert.ok(!/\bsrc=/i.test(html) && !/<link/i.test(html), 'nothing loaded from elsewhere');
    for (const id of CARD_SECTIONS) { assert.ok(html.includes(`<section id="${id}"`), `section ${id}`); }
    const order = CARD_SECTIONS.map((id) => html.indexOf(`<section id="${id}"`));
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'sections in card order');
    assert.equal((html.match(/<svg class="chart"/g) ?? []).length, 2, 'accuracy by fold and loss by region');
    assert.ok(/<g class="bar worst"><title>accuracy@fold=2: 0\.79 \(worst slice\)/.test(html));
    assert.ok(html.includes('class="limit"'), 'the spread threshold is drawn');
    assert.ok(html.includes('@media print'));
  });

  it('escapes every hostile string', async () => {
    const f = await cardFixture({ hostile: true });
    const html = cardHtml(await buildModelCard(f.store, f.model, 1, { gate: handGate({}, true) }));
    assert.ok(!html.includes('<img'), 'no element from the data');
    assert.ok(!html.includes('onerror="'), 'no attribute from the data');
    assert.ok(html.includes('&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;'));
    assert.ok(!/<script/i.test(html));
    assert.ok(html.includes('<title>Model card: evil-model v1</title>'));
    assert.ok(html.includes('run &lt;img'), 'the hostile run name is shown as text');
  });
});
