import * as assert from 'node:assert/strict';
import { ColumnAccumulator } from '../../src/core/data/profile/column';
import type { FileProfile } from '../../src/core/data/profile/schema';
import { driftBetween } from '../../src/core/data/drift/drift';
import { WindowColumn } from '../../src/core/monitor/column';

type Rec = Record<string, number | string | boolean | null>;

/** The data profile's way: ColumnAccumulator with the per-value calls of profile/jsonl.ts. */
function accumulatorProfile(rows: Rec[]): FileProfile {
  const cols = new Map<string, ColumnAccumulator>();
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      let c = cols.get(k);
      if (!c) { c = new ColumnAccumulator(k, cols.size); cols.set(k, c); }
      if (v === null) { c.missingValue('null'); } else if (typeof v === 'number') { c.number(v, Number.isInteger(v)); } else if (typeof v === 'boolean') { c.bool(v); } else { c.typedString(v); }
    }
  }
  return { path: 'a', rows: rows.length, columns: [...cols.values()].map((c) => c.finish(rows.length)) };
}

function windowProfile(rows: Rec[]): FileProfile {
  const cols = new Map<string, WindowColumn>();
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      let c = cols.get(k);
      if (!c) { c = new WindowColumn(k, cols.size); cols.set(k, c); }
      c.add(v);
    }
  }
  return { path: 'w', rows: rows.length, columns: [...cols.values()].map((c) => c.finish(rows.length)) };
}

function rows(n: number, seed: number, shift: number): Rec[] {
  let a = seed;
  const r = (): number => { a = (a * 1103515245 + 12345) % 2147483648; return a / 2147483648; };
  return Array.from({ length: n }, (_, i) => ({
    amount: Math.round((r() * 100 + shift) * 1000) / 1000, // many distinct floats
    grade: 1 + Math.floor(r() * (shift > 0 ? 3 : 5)), // few distinct integers
    city: ['paris', 'rome', 'oslo', shift > 0 ? 'oslo' : 'lima'][Math.floor(r() * 4)],
    vip: r() < (shift > 0 ? 0.6 : 0.2),
    note: i % 7 === 0 ? null : `n${Math.floor(r() * 50)}`,
  }));
}

describe('monitor window columns', () => {
  for (const [name, n, shift] of [['same data, small window', 300, 0], ['shifted data, large window', 15_000, 5]] as const) {
    it(`drift of a window profile equals drift of the data profile of the same records (${name})`, () => {
      const training = accumulatorProfile(rows(5000, 7, 0));
      const current = rows(n, 99, shift);
      const viaData = driftBetween(training, accumulatorProfile(current));
      const viaWindow = driftBetween(training, windowProfile(current));
      const brief = (r: typeof viaData) => r.columns.map((c) => ({ column: c.column, kind: c.kind, test: c.test, drifted: c.drifted, class: c.class, score: Number(c.score.toPrecision(9)) }));
      assert.deepEqual(brief(viaWindow), brief(viaData));
      assert.deepEqual(viaWindow.skipped, viaData.skipped);
      assert.deepEqual(viaWindow.dataset, viaData.dataset);
      if (shift > 0) { assert.ok(viaWindow.dataset.drifted >= 3, 'the shifted columns drift'); }
    });
  }

  it('keeps counting the values it has past the cap of distinct values, so the top categories stay right', () => {
    const c = new WindowColumn('id', 0);
    for (let i = 0; i < 12_000; i++) { c.add(`v${i}`); c.add('common'); }
    const p = c.finish(24_000);
    assert.equal(p.values.complete, false);
    assert.deepEqual(p.top[0], { value: 'common', count: 12_000 });
  });
});
