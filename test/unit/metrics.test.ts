import * as assert from 'node:assert/strict';
import { encodeMetricLines, parseMetricLines, summarizeMetrics } from '../../src/core';

describe('metric lines', () => {
  it('round-trips points, including NaN and infinities', () => {
    const lines = encodeMetricLines([
      { name: 'loss', value: 0.5, step: 0, timestamp: 1 }, { name: 'loss', value: NaN, step: 1, timestamp: 2 },
      { name: 'grad', value: Infinity, step: 1, timestamp: 3 }, { name: 'grad', value: -Infinity, step: 2, timestamp: 4 },
    ]);
    const { points, problems } = parseMetricLines(lines.join('\n') + '\n');
    assert.deepEqual(problems, []);
    assert.equal(points.length, 4);
    assert.ok(Number.isNaN(points[1].value));
    assert.equal(points[2].value, Infinity);
    assert.equal(points[3].value, -Infinity);
  });

  it('rejects bad input before anything is written', () => {
    assert.throws(() => encodeMetricLines([{ name: '', value: 1 }]), /metric name must not be empty/);
    assert.throws(() => encodeMetricLines([{ name: 'x', value: 1, step: -1 }]), /step must be a whole number/);
    assert.throws(() => encodeMetricLines([{ name: 'x', value: 1, step: 1.5 }]), /step must be a whole number/);
  });

  it('skips and reports a torn last line without failing', () => {
    const text = '{"name":"a","step":0,"value":1,"timestamp":1}\n{"name":"a","step":1,"val';
    const { points, problems } = parseMetricLines(text);
    assert.equal(points.length, 1);
    assert.equal(problems.length, 1);
    assert.match(problems[0].reason, /incomplete/);
    assert.equal(problems[0].line, 2);
  });

  it('recovers a whole record glued to a torn fragment from a killed writer', () => {
    const text = '{"name":"a","step":0,"value":1,"timestamp":1}\n{"name":"a","st{"name":"b","step":5,"value":2,"timestamp":9}\n';
    const { points, problems } = parseMetricLines(text);
    assert.deepEqual(points.map((p) => `${p.name}@${p.step}`), ['a@0', 'b@5']);
    assert.match(problems[0].reason, /recovered/);
  });

  it('reports lines that are not records and keeps going', () => {
    const { points, problems } = parseMetricLines('garbage\n\n{"name":"a","step":0,"value":1,"timestamp":1}\n{"name":1}\n');
    assert.equal(points.length, 1);
    assert.deepEqual(problems.map((p) => p.line), [1, 4]);
  });

  it('summaries take last by step (not file order) and ignore NaN for min/max', () => {
    const s = summarizeMetrics([
      { name: 'loss', step: 2, value: 0.2, timestamp: 10 }, { name: 'loss', step: 1, value: 0.9, timestamp: 20 },
      { name: 'loss', step: 3, value: NaN, timestamp: 30 }, { name: 'loss', step: 0, value: 1.5, timestamp: 5 },
    ]).get('loss')!;
    assert.ok(Number.isNaN(s.last));
    assert.equal(s.lastStep, 3);
    assert.equal(s.min, 0.2);
    assert.equal(s.max, 1.5);
    assert.equal(s.count, 4);
  });
});

describe('metric line validation matches the schema', () => {
  it('accepts and rejects exactly what MetricPointSchema does', async () => {
    const { isMetricRecord } = await import('../../src/core/store/metrics');
    const { MetricPointSchema } = await import('../../src/core/store/schemas');
    const cases = [
      { name: 'a', step: 0, value: 1, timestamp: 1 }, { name: 'a', step: 0, value: 'NaN', timestamp: 1 }, { name: 'a', step: 0, value: '-Infinity', timestamp: 0 },
      { name: '', step: 0, value: 1, timestamp: 1 }, { name: 'a', step: -1, value: 1, timestamp: 1 }, { name: 'a', step: 1.5, value: 1, timestamp: 1 },
      { name: 'a', step: 0, value: 'nan', timestamp: 1 }, { name: 'a', step: 0, value: null, timestamp: 1 }, { name: 'a', step: 0, value: 1, timestamp: -1 },
      { name: 'a', step: 0, value: 1 }, { name: 'x'.repeat(201), step: 0, value: 1, timestamp: 1 }, { name: 'a', step: 0, value: 1, timestamp: 1, extra: true }, [1], 'a', 3,
    ];
    for (const c of cases) { assert.equal(isMetricRecord(JSON.stringify(c)), MetricPointSchema.safeParse(c).success, JSON.stringify(c)); }
  });
});
