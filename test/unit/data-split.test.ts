import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareSplits, stratifiedOrder } from '../../src/core/data/split';
import type { LoadedDataset, Split } from '../../src/core/data/types';

/** Sample i has features [i, -i] and label from `label(i)`, so subsets can be traced back. */
function dataset(count: number, label: (i: number) => number, test?: Split): LoadedDataset {
  const x = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) x.set([i, -i], i * 2);
  const y = Int32Array.from({ length: count }, (_, i) => label(i));
  const classes = Math.max(...y) + 1;
  return { name: 'synthetic', classNames: Array.from({ length: classes }, String), inputShape: [2], train: { x, y, count }, test };
}

const ids = (split: Split) => Array.from({ length: split.count }, (_, i) => split.x[i * 2]);
const counts = (split: Split, classes: number) => {
  const c = new Array<number>(classes).fill(0);
  for (const l of split.y) c[l]++;
  return c;
};

// Class sizes 600, 300, 100: imbalanced, to see stratification.
const label = (i: number) => (i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2);

test('validation is carved from train: stratified, disjoint, complete, consistent', () => {
  const ds = dataset(1000, label);
  const { train, validation } = prepareSplits(ds, { validationSplit: 0.2, seed: 1 });
  assert.equal(validation.count, 200);
  assert.equal(train.count, 800);
  assert.deepEqual(counts(validation, 3), [120, 60, 20]);
  assert.deepEqual(counts(train, 3), [480, 240, 80]);
  const all = [...ids(train), ...ids(validation)].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 1000 }, (_, i) => i));
  for (const split of [train, validation]) {
    ids(split).forEach((id, k) => {
      assert.equal(split.y[k], label(id));
      assert.equal(split.x[k * 2 + 1], -id);
    });
  }
  assert.equal(ds.train.count, 1000, 'input not changed');
});

test('splits are deterministic by seed and differ between seeds', () => {
  const ds = dataset(500, label);
  const a = prepareSplits(ds, { validationSplit: 0.1, seed: 5 });
  const b = prepareSplits(ds, { validationSplit: 0.1, seed: 5 });
  const c = prepareSplits(ds, { validationSplit: 0.1, seed: 6 });
  assert.deepEqual(ids(a.validation), ids(b.validation));
  assert.deepEqual(ids(a.train), ids(b.train));
  assert.notDeepEqual(ids(a.validation), ids(c.validation));
});

test('the test split becomes validation, and limits take stratified seeded subsets', () => {
  const test = dataset(300, (i) => i % 3).train;
  const ds = dataset(1000, label, test);
  const full = prepareSplits(ds, { validationSplit: 0.5, seed: 2 });
  assert.equal(full.validation, test);
  assert.equal(full.train, ds.train);
  const limited = prepareSplits(ds, { validationSplit: 0.5, seed: 2, limitTrain: 100, limitValidation: 30 });
  assert.equal(limited.train.count, 100);
  assert.equal(limited.validation.count, 30);
  assert.deepEqual(counts(limited.train, 3), [60, 30, 10]);
  assert.deepEqual(counts(limited.validation, 3), [10, 10, 10]);
  assert.equal(new Set(ids(limited.train)).size, 100);
  const again = prepareSplits(ds, { validationSplit: 0.5, seed: 2, limitTrain: 100, limitValidation: 30 });
  assert.deepEqual(ids(again.train), ids(limited.train));
  assert.notDeepEqual(ids(prepareSplits(ds, { validationSplit: 0.5, seed: 3, limitTrain: 100 }).train), ids(limited.train));
  const big = prepareSplits(ds, { validationSplit: 0.5, seed: 2, limitTrain: 5000 });
  assert.equal(big.train.count, 1000);
});

test('limits apply after carving, and tiny datasets still get one validation sample', () => {
  const ds = dataset(1000, label);
  const { train, validation } = prepareSplits(ds, { validationSplit: 0.1, seed: 9, limitTrain: 50, limitValidation: 20 });
  assert.equal(train.count, 50);
  assert.equal(validation.count, 20);
  const valIds = new Set(ids(prepareSplits(ds, { validationSplit: 0.1, seed: 9 }).validation));
  assert.ok(ids(validation).every((id) => valIds.has(id)));
  assert.ok(ids(train).every((id) => !valIds.has(id)));
  const tiny = prepareSplits(dataset(3, (i) => i % 2), { validationSplit: 0.1, seed: 1 });
  assert.equal(tiny.validation.count, 1);
  assert.equal(tiny.train.count, 2);
});

test('every prefix of stratifiedOrder is close to the class proportions', () => {
  const y = Int32Array.from({ length: 1000 }, (_, i) => label(i));
  const order = stratifiedOrder(y, 4);
  assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  const seen = [0, 0, 0];
  order.forEach((index, k) => {
    seen[y[index]]++;
    const n = k + 1;
    [0.6, 0.3, 0.1].forEach((p, c) => assert.ok(Math.abs(seen[c] - p * n) <= 1, `prefix ${n}: ${seen}`));
  });
});
