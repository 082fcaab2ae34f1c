import * as assert from 'node:assert/strict';
import { formatBytes, formatDuration, parseDataRef, parseMetric, parseParam, parseParamValue } from '../../src/core';

describe('typed k=v input', () => {
  it('params: JSON numbers and booleans are typed, everything else stays text exactly', () => {
    assert.deepEqual(parseParam('lr=0.01'), ['lr', 0.01]);
    assert.deepEqual(parseParam('lr=1e-3'), ['lr', 0.001]);
    assert.deepEqual(parseParam('layers=64'), ['layers', 64]);
    assert.deepEqual(parseParam('id=007'), ['id', '007']);
    assert.deepEqual(parseParam('v=1.2.3'), ['v', '1.2.3']);
    assert.deepEqual(parseParam('query=a=b'), ['query', 'a=b']);
    assert.deepEqual(parseParam('shuffle=true'), ['shuffle', true]);
    assert.deepEqual(parseParam('empty='), ['empty', '']);
    assert.equal(parseParamValue('NaN'), 'NaN');
  });

  it('params: a missing key or = is a clear error', () => {
    assert.throws(() => parseParam('lr'), /bad param 'lr': expected key=value/);
    assert.throws(() => parseParam('=3'), /expected key=value/);
  });

  it('metrics: value, optional step, slice names with = and @', () => {
    assert.deepEqual(parseMetric('loss=0.25'), { name: 'loss', value: 0.25 });
    assert.deepEqual(parseMetric('loss=0.25@3'), { name: 'loss', value: 0.25, step: 3 });
    assert.deepEqual(parseMetric('accuracy@fold=1=0.93@4'), { name: 'accuracy@fold=1', value: 0.93, step: 4 });
    assert.ok(Number.isNaN(parseMetric('loss=nan').value));
    assert.equal(parseMetric('x=-inf').value, -Infinity);
  });

  it('metrics: bad values and steps are clear errors', () => {
    assert.throws(() => parseMetric('loss'), /expected name=value/);
    assert.throws(() => parseMetric('loss=abc'), /'abc' is not a number/);
    assert.throws(() => parseMetric('loss=1@-2'), /expected name=value or name=value@step/);
    assert.throws(() => parseMetric('loss=1@x'), /expected name=value or name=value@step/);
  });

  it('data references', () => {
    assert.deepEqual(parseDataRef('train'), { dataset: 'train' });
    assert.deepEqual(parseDataRef('train:v1'), { dataset: 'train', ref: 'v1' });
    assert.throws(() => parseDataRef(':v1'), /bad data reference/);
  });

  it('formats sizes and durations for people', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(5 * 1024 ** 3), '5.0 GiB');
    assert.equal(formatDuration(450), '450 ms');
    assert.equal(formatDuration(12_500), '12.5 s');
    assert.equal(formatDuration(3_725_000), '1 h 2 min');
  });
});
