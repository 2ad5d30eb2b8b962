import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyNormalizer, fitNormalizer } from '../../src/core/data/normalize';
import { createRng } from '../../src/core/data/rng';
import type { Split } from '../../src/core/data/types';

function channelStats(x: Float32Array, channels: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(channels).fill(0);
  const sq = new Array<number>(channels).fill(0);
  const n = x.length / channels;
  x.forEach((v, i) => (mean[i % channels] += v / n));
  x.forEach((v, i) => (sq[i % channels] += (v - mean[i % channels]) ** 2 / n));
  return { mean, std: sq.map(Math.sqrt) };
}

test('per-channel statistics of HWC images give mean 0 and std 1 after normalising', () => {
  const rng = createRng(1);
  const count = 50;
  const inputShape = [4, 5, 3];
  const x = Float32Array.from({ length: count * 60 }, (_, i) => [0.2, 0.5, 0.9][i % 3] + [0.05, 0.2, 0.01][i % 3] * rng());
  const split: Split = { x, y: new Int32Array(count), count };
  const copy = x.slice();
  const norm = fitNormalizer(split, inputShape);
  assert.equal(norm.mean.length, 3);
  const expected = channelStats(x, 3);
  norm.mean.forEach((m, c) => assert.ok(Math.abs(m - expected.mean[c]) < 1e-6));
  norm.std.forEach((s, c) => assert.ok(Math.abs(s - expected.std[c]) < 1e-6));
  const out = applyNormalizer(split, norm);
  assert.deepEqual(x, copy, 'input not mutated');
  assert.notEqual(out.x, split.x);
  assert.equal(out.y, split.y);
  const after = channelStats(out.x, 3);
  after.mean.forEach((m) => assert.ok(Math.abs(m) < 1e-4, `mean ${m}`));
  after.std.forEach((s) => assert.ok(Math.abs(s - 1) < 1e-3, `std ${s}`));
});

test('tabular data is normalised per feature; a constant feature keeps std 1', () => {
  const split: Split = { x: Float32Array.from([1, 10, 5, 3, 30, 5, 5, 50, 5]), y: new Int32Array(3), count: 3 };
  const norm = fitNormalizer(split, [3]);
  assert.deepEqual(norm.mean, [3, 30, 5]);
  assert.equal(norm.std[2], 1);
  const out = applyNormalizer(split, norm);
  assert.deepEqual([...out.x.subarray(6)], [Math.fround(2 / Math.sqrt(8 / 3)), Math.fround(20 / Math.sqrt(800 / 3)), 0]);
  const stats = channelStats(out.x, 3);
  assert.ok(Math.abs(stats.std[0] - 1) < 1e-5 && Math.abs(stats.std[1] - 1) < 1e-5);
});

test('a normaliser fitted on train applies unchanged to validation', () => {
  const train: Split = { x: Float32Array.from([0, 2]), y: new Int32Array(2), count: 2 };
  const validation: Split = { x: Float32Array.from([4]), y: new Int32Array(1), count: 1 };
  assert.deepEqual([...applyNormalizer(validation, fitNormalizer(train, [1])).x], [3]);
});
