// convert.ts, the one MLflow → .mlops mapping, on the values real stores hold that the first version mishandled.
import * as assert from 'node:assert/strict';
import { RunSchema, nameProblem } from '../../src/core';
import { mlopsNameOf, toRun, userTags } from '../../src/core/mlflow/convert';
import type { MlflowRunRecord } from '../../src/core/mlflow/types';

const record = (over: Partial<MlflowRunRecord> = {}): MlflowRunRecord => ({
  id: 'a'.repeat(32), experimentId: '0', name: 'r', status: 'finished', lifecycle: 'active', startTime: 1_700_000_000_000, endTime: 1_700_000_100_000,
  params: {}, tags: {}, metrics: {}, ...over,
});

describe('MLflow → .mlops mapping (convert.ts)', () => {
  it('a start or end time beyond year 9999 (a seconds/ns mix-up in a hand-made store) is dropped, not a RangeError or an invalid run', () => {
    const run = toRun(record({ startTime: 1.7e18, endTime: 1.7e18 + 5 }), 'Default', 'mlruns');
    assert.equal(run.startTime, new Date(0).toISOString());
    assert.equal(run.endTime, undefined);
    // Valid as an imported run (which gets a ULID of its own; shown in place it keeps MLflow's id).
    assert.ok(RunSchema.safeParse({ ...run, id: '01JD3Z8X4V6Q9M2K7T5R1N0B8C' }).success);
  });

  it('user tags become one-line .mlops tags (the exact value stays in source.tags); duplicates after that collapse', () => {
    const tags = { team: 'a\nb', note: 'x\r\ny', 'mlflow.user': 'me', empty: '' };
    assert.deepEqual(userTags(tags), ['team=a b', 'note=x y', 'empty']);
    const run = toRun(record({ tags }), 'Default', 'mlruns');
    assert.equal((run.source as unknown as { tags: Record<string, string> }).tags.team, 'a\nb');
    // eslint-disable-next-line no-control-regex
    assert.ok(run.tags.every((t) => !/[\u0000-\u001f]/.test(t)));
  });

  it('MLflow names become valid .mlops names, the same one every time', () => {
    const cases: [string, string][] = [
      ['Default', 'Default'],
      ['prophet-retail-forecaster-store-{store_id}', 'prophet-retail-forecaster-store-_store_id_'],
      ['/Users/me@example.com/churn', 'Users_me_example.com_churn'],
      ['…', 'fallback'],
      ['nul', 'nul_'],
      ['ends with dot.', 'ends with dot'],
    ];
    for (const [from, to] of cases) {
      assert.equal(mlopsNameOf(from, 'fallback'), to);
      assert.equal(nameProblem(to, 'experiment'), undefined, to);
    }
    assert.equal(mlopsNameOf('x'.repeat(300), 'f').length, 100);
  });
});
