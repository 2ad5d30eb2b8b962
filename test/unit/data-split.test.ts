import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareSplits, stratifiedOrder, type SplitOptions } from '../../src/core/data/split';
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

const opts = (o: Partial<SplitOptions> = {}): SplitOptions => ({ validationSplit: 0.1, testSplit: 0.1, splitSeed: 0, ...o });

test('without a test split: test, validation and train are stratified, disjoint and complete', () => {
  const ds = dataset(1000, label);
  const { train, validation, test } = prepareSplits(ds, opts({ testSplit: 0.2, validationSplit: 0.25, splitSeed: 1 }));
  // 20% of 1000 for test, then 25% of the remaining 800 for validation.
  assert.equal(test.count, 200);
  assert.equal(validation.count, 200);
  assert.equal(train.count, 600);
  assert.deepEqual(counts(test, 3), [120, 60, 20]);
  assert.deepEqual(counts(validation, 3), [120, 60, 20]);
  assert.deepEqual(counts(train, 3), [360, 180, 60]);
  const all = [...ids(train), ...ids(validation), ...ids(test)].sort((a, b) => a - b);
  assert.deepEqual(
    all,
    Array.from({ length: 1000 }, (_, i) => i),
    'disjoint and complete',
  );
  for (const split of [train, validation, test]) {
    ids(split).forEach((id, k) => {
      assert.equal(split.y[k], label(id));
      assert.equal(split.x[k * 2 + 1], -id);
    });
  }
  assert.equal(ds.train.count, 1000, 'input not changed');
});

test("with a test split: test is the dataset's own, validation is held out of train, never the test split", () => {
  const own = dataset(300, (i) => i % 3).train;
  const ds = dataset(1000, label, own);
  const { train, validation, test } = prepareSplits(ds, opts({ validationSplit: 0.1, splitSeed: 2 }));
  assert.equal(test, own);
  assert.equal(validation.count, 100);
  assert.equal(train.count, 900);
  assert.notEqual(validation, own);
  const trainIds = new Set(ids(train));
  assert.ok(
    ids(validation).every((id) => !trainIds.has(id)),
    'validation and train disjoint',
  );
  assert.deepEqual(
    [...trainIds, ...ids(validation)].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
});

test('the split depends on splitSeed only: deterministic, and different for another splitSeed', () => {
  const ds = dataset(500, label);
  const a = prepareSplits(ds, opts({ splitSeed: 5 }));
  const b = prepareSplits(ds, opts({ splitSeed: 5 }));
  const c = prepareSplits(ds, opts({ splitSeed: 6 }));
  for (const k of ['train', 'validation', 'test'] as const) assert.deepEqual(ids(a[k]), ids(b[k]));
  assert.notDeepEqual(ids(a.validation), ids(c.validation));
  assert.notDeepEqual(ids(a.test), ids(c.test));
});

test('limits take stratified seeded subsets of each split, after carving', () => {
  const own = dataset(300, (i) => i % 3).train;
  const ds = dataset(1000, label, own);
  const limited = prepareSplits(ds, opts({ validationSplit: 0.5, splitSeed: 2, limitTrain: 100, limitValidation: 30, limitTest: 60 }));
  assert.equal(limited.train.count, 100);
  assert.equal(limited.validation.count, 30);
  assert.equal(limited.test.count, 60);
  assert.deepEqual(counts(limited.train, 3), [60, 30, 10]);
  assert.deepEqual(counts(limited.test, 3), [20, 20, 20]);
  assert.equal(new Set(ids(limited.train)).size, 100);
  const full = prepareSplits(ds, opts({ validationSplit: 0.5, splitSeed: 2 }));
  const valIds = new Set(ids(full.validation));
  assert.ok(ids(limited.validation).every((id) => valIds.has(id)));
  assert.ok(ids(limited.train).every((id) => !valIds.has(id)));
  const again = prepareSplits(ds, opts({ validationSplit: 0.5, splitSeed: 2, limitTrain: 100, limitValidation: 30, limitTest: 60 }));
  assert.deepEqual(ids(again.train), ids(limited.train));
  assert.notDeepEqual(ids(prepareSplits(ds, opts({ validationSplit: 0.5, splitSeed: 3, limitTrain: 100 })).train), ids(limited.train));
  assert.equal(prepareSplits(ds, opts({ validationSplit: 0.5, splitSeed: 2, limitTrain: 5000 })).train.count, 500);
});

test('tiny datasets still get one test and one validation sample; too few samples name the field', () => {
  const tiny = prepareSplits(
    dataset(4, (i) => i % 2),
    opts({ splitSeed: 1 }),
  );
  assert.equal(tiny.test.count, 1);
  assert.equal(tiny.validation.count, 1);
  assert.equal(tiny.train.count, 2);
  assert.throws(
    () =>
      prepareSplits(
        dataset(2, (i) => i % 2),
        opts(),
      ),
    /data\.validationSplit/,
  );
  assert.throws(() => prepareSplits(dataset(100, label), opts({ testSplit: 1.5 })), /data\.testSplit: expected a fraction in \(0, 1\), got 1\.5/);
});

test('every prefix of stratifiedOrder is close to the class proportions', () => {
  const y = Int32Array.from({ length: 1000 }, (_, i) => label(i));
  const order = stratifiedOrder(y, 4);
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  const seen = [0, 0, 0];
  order.forEach((index, k) => {
    seen[y[index]]++;
    const n = k + 1;
    [0.6, 0.3, 0.1].forEach((p, c) => assert.ok(Math.abs(seen[c] - p * n) <= 1, `prefix ${n}: ${seen}`));
  });
});
