import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng, deriveSeed, shuffledIndices } from '../../src/core/data/rng';

test('createRng is deterministic per seed and stays in [0, 1)', () => {
  const a = createRng(7);
  const b = createRng(7);
  const c = createRng(8);
  const va = Array.from({ length: 1000 }, a);
  assert.deepEqual(va, Array.from({ length: 1000 }, b));
  assert.notDeepEqual(va, Array.from({ length: 1000 }, c));
  assert.ok(va.every((v) => v >= 0 && v < 1));
  const mean = va.reduce((s, v) => s + v, 0) / va.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});

test('shuffledIndices is a seeded permutation', () => {
  const p = shuffledIndices(500, 3);
  assert.deepEqual(
    [...p].sort((x, y) => x - y),
    Array.from({ length: 500 }, (_, i) => i),
  );
  assert.deepEqual(p, shuffledIndices(500, 3));
  assert.notDeepEqual(p, shuffledIndices(500, 4));
  assert.notDeepEqual(
    [...p],
    Array.from({ length: 500 }, (_, i) => i),
  );
  assert.deepEqual(shuffledIndices(0, 1), new Int32Array(0));
});

test('deriveSeed separates streams', () => {
  assert.notEqual(deriveSeed(1, 0), deriveSeed(1, 1));
  assert.notEqual(deriveSeed(1, 0), deriveSeed(2, 0));
  assert.equal(deriveSeed(5, 2), deriveSeed(5, 2));
});
