import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FASHION_MNIST_CLASSES, builtinDatasetCandidates, findBuiltinDataset } from '../../src/core/data/builtin';
import { loadDataset } from '../../src/core/data/load';
import type { Split } from '../../src/core/data/types';

function classCounts(split: Split, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of split.y) counts[label]++;
  return counts;
}

test('the built-in dataset has 1000/200 samples per class of 28×28×1 images', async () => {
  const ds = await loadDataset({ kind: 'builtin' });
  assert.equal(ds.name, 'fashion-mnist-small');
  assert.deepEqual(ds.classNames, FASHION_MNIST_CLASSES);
  assert.deepEqual(ds.inputShape, [28, 28, 1]);
  assert.equal(ds.train.count, 10000);
  assert.equal(ds.test?.count, 2000);
  assert.equal(ds.train.x.length, 10000 * 784);
  assert.deepEqual(classCounts(ds.train, 10), new Array(10).fill(1000));
  assert.deepEqual(classCounts(ds.test!, 10), new Array(10).fill(200));
  let max = 0;
  for (const v of ds.train.x) max = Math.max(max, v);
  assert.ok(max === 1 && ds.train.x.every((v) => v >= 0), `pixels in [0, 1], max ${max}`);
});

test('the built-in dataset is found from the source tree and from dist/, with a clear error otherwise', () => {
  const repo = join(__dirname, '..', '..');
  const expected = join(repo, 'data', 'fashion-mnist-small');
  assert.equal(findBuiltinDataset(builtinDatasetCandidates(join(repo, 'src', 'core', 'data'))), expected);
  assert.equal(findBuiltinDataset(builtinDatasetCandidates(join(repo, 'dist'))), expected);
  const empty = mkdtempSync(join(tmpdir(), 'data-builtin-'));
  try {
    assert.throws(
      () => findBuiltinDataset(builtinDatasetCandidates(join(empty, 'a', 'b'))),
      (e: Error) => {
        assert.match(e.message, /Built-in dataset fashion-mnist-small not found: expected train-images-idx3-ubyte\.gz in one of /);
        assert.ok(e.message.includes(join(empty, 'data', 'fashion-mnist-small')), e.message);
        return true;
      },
    );
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

const debian = '/usr/share/datasets/fashion-mnist';
test('the full Fashion-MNIST from Debian loads as 60000/10000', { skip: existsSync(debian) ? false : `${debian} absent (apt install dataset-fashion-mnist)` }, async () => {
  const ds = await loadDataset(
    {
      kind: 'idx',
      trainImages: 'train-images-idx3-ubyte.gz',
      trainLabels: 'train-labels-idx1-ubyte.gz',
      testImages: 't10k-images-idx3-ubyte.gz',
      testLabels: 't10k-labels-idx1-ubyte.gz',
      classNames: FASHION_MNIST_CLASSES,
    },
    { baseDir: debian },
  );
  assert.deepEqual(ds.inputShape, [28, 28, 1]);
  assert.equal(ds.train.count, 60000);
  assert.equal(ds.test?.count, 10000);
  assert.deepEqual(classCounts(ds.train, 10), new Array(10).fill(6000));
  assert.deepEqual(classCounts(ds.test!, 10), new Array(10).fill(1000));
});
