// Reading metrics.jsonl as a stream: any chunk boundary (inside a line, inside a UTF-8 character) gives the same
// points and problems as reading the whole text at once, so files past JavaScript's ~512 MB string limit read fine.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMetricLines, readMetricFile, readMetricFileSync, type MetricPoint } from '../../src/core';
import { tmpDir } from './helpers';

const LINES = [
  '{"name":"loss","step":0,"value":1,"timestamp":1}',
  '{"name":"größe@région=ü","step":1,"value":"NaN","timestamp":2}',
  'not json',
  '',
  '{"name":"😀","step":2,"value":-0.5,"timestamp":3}',
  '{"name":"tor{"name":"loss","step":3,"value":0.25,"timestamp":4}',
];

describe('metrics.jsonl as a stream', () => {
  const text = LINES.join('\n') + '\n{"name":"loss","step":9';
  const whole = parseMetricLines(text);
  const file = path.join(tmpDir(), 'metrics.jsonl');
  fs.writeFileSync(file, text);

  for (const chunkBytes of [16, 17, 31, 64, 1 << 20]) {
    it(`chunks of ${chunkBytes} bytes give the points and problems of a whole-text parse (async and sync)`, async () => {
      const a: MetricPoint[] = [];
      const ra = await readMetricFile(file, (ps) => a.push(...ps), { chunkBytes });
      const b: MetricPoint[] = [];
      const rb = readMetricFileSync(file, (ps) => b.push(...ps), { chunkBytes });
      assert.deepEqual(a, whole.points);
      assert.deepEqual(b, whole.points);
      assert.deepEqual(ra.problems, whole.problems);
      assert.deepEqual(rb.problems, whole.problems);
      assert.equal(ra.end, Buffer.byteLength(LINES.join('\n') + '\n'));
      assert.equal(ra.lines, LINES.length);
    });
  }

  it('final: false leaves the torn last line for later, and a read from `end` continues where it stopped', async () => {
    const first = await readMetricFile(file, () => undefined, { final: false, chunkBytes: 16 });
    assert.ok(!first.problems.some((p) => /incomplete/.test(p.reason)));
    fs.appendFileSync(file, ',"value":3,"timestamp":9}\n');
    const later: MetricPoint[] = [];
    const second = await readMetricFile(file, (ps) => later.push(...ps), { from: first.end, firstLine: first.lines + 1, final: false });
    assert.deepEqual(later, [{ name: 'loss', step: 9, value: 3, timestamp: 9 }]);
    assert.equal(second.end, fs.statSync(file).size);
  });

  it('hands the points over one chunk at a time, never the whole file', async () => {
    // 3 MB of lines read in 64 KB chunks: every batch holds at most one chunk's worth of lines.
    const big = path.join(tmpDir(), 'big.jsonl');
    const line = '{"name":"loss","step":0,"value":0.5,"timestamp":1}\n';
    fs.writeFileSync(big, line.repeat(60_000));
    const batches: number[] = [];
    await readMetricFile(big, (ps) => { batches.push(ps.length); }, { chunkBytes: 64 << 10 });
    assert.equal(batches.reduce((a, b) => a + b, 0), 60_000);
    assert.ok(batches.length >= 45, `${batches.length} batches`);
    assert.ok(Math.max(...batches) <= Math.ceil((64 << 10) / line.length) + 1, `a batch of ${Math.max(...batches)} points`);
  });
});
