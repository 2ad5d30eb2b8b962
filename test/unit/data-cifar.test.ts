import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CIFAR10_CLASSES } from '../../src/core/data/cifar';
import { loadDataset } from '../../src/core/data/load';

const root = mkdtempSync(join(tmpdir(), 'data-cifar-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Record r of a batch: label, then R, G, B planes with pixel p of channel c = (r + 3p + c) mod 256. */
function batch(labels: number[]): Buffer {
  const bytes = Buffer.alloc(labels.length * 3073);
  labels.forEach((label, r) => {
    bytes[r * 3073] = label;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) bytes[r * 3073 + 1 + c * 1024 + p] = (r + 3 * p + c) % 256;
  });
  return bytes;
}

function makeDir(name: string, files: Record<string, Buffer | string>): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return dir;
}

test('reads train batches in order, the test batch, and converts CHW to HWC in [0, 1]', async () => {
  makeDir('full', { 'data_batch_1.bin': batch([3, 9]), 'data_batch_2.bin': batch([0]), 'test_batch.bin': batch([5, 6, 7]) });
  const ds = await loadDataset({ kind: 'cifar10', dir: 'full', batches: ['data_batch_1', 'data_batch_2', 'test_batch'] }, { baseDir: root });
  assert.deepEqual(ds.inputShape, [32, 32, 3]);
  assert.deepEqual(ds.classNames, CIFAR10_CLASSES);
  assert.equal(ds.train.count, 3);
  assert.deepEqual([...ds.train.y], [3, 9, 0]);
  assert.deepEqual([...(ds.test?.y ?? [])], [5, 6, 7]);
  assert.equal(ds.train.x.length, 3 * 3072);
  // Sample 1 (record 1 of batch 1), pixel (row 2, col 5) = plane index 69, green channel.
  const p = 2 * 32 + 5;
  assert.ok(Math.abs(ds.train.x[3072 + p * 3 + 1] - ((1 + 3 * p + 1) % 256) / 255) < 1e-6);
  // Sample 2 is record 0 of batch 2.
  assert.ok(Math.abs(ds.train.x[2 * 3072 + p * 3 + 2] - ((3 * p + 2) % 256) / 255) < 1e-6);
  assert.ok(ds.train.x.every((v) => v >= 0 && v <= 1));
});

test('class names come from batches.meta.txt when present', async () => {
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
  makeDir('meta', { 'data_batch_3.bin': batch([1]), 'batches.meta.txt': `${names.join('\n')}\n\n` });
  const ds = await loadDataset({ kind: 'cifar10', dir: join(root, 'meta'), batches: ['data_batch_3'] });
  assert.deepEqual(ds.classNames, names);
  assert.equal(ds.test, undefined);
});

test('a directory without data_batch files is an error naming it', async () => {
  const dir = makeDir('empty', { 'test_batch.bin': batch([1]) });
  await assert.rejects(loadDataset({ kind: 'cifar10', dir }), (e: Error) => {
    assert.ok(e.message.includes(dir), e.message);
    assert.match(e.message, /expected data_batch_1\.bin … data_batch_5\.bin and test_batch\.bin, found test_batch\.bin; missing data_batch_1\.bin, .*data_batch_5\.bin\./);
    return true;
  });
  await assert.rejects(loadDataset({ kind: 'cifar10', dir, batches: ['test_batch'] }), /expected data\.dataset\.batches to name at least one of data_batch_1/);
  await assert.rejects(loadDataset({ kind: 'cifar10', dir: join(root, 'missing') }), /CIFAR-10 directory not found: .*missing/);
});

test('a truncated batch or a bad label is reported with the file', async () => {
  const dir = makeDir('short', { 'data_batch_1.bin': batch([1, 2]).subarray(0, 5000) });
  await assert.rejects(loadDataset({ kind: 'cifar10', dir, batches: ['data_batch_1'] }), (e: Error) => {
    assert.ok(e.message.includes(join(dir, 'data_batch_1.bin')), e.message);
    assert.match(e.message, /expected a whole number of 3073-byte records, found 5000 bytes/);
    return true;
  });
  const bad = makeDir('badlabel', { 'data_batch_1.bin': batch([1, 12]) });
  await assert.rejects(loadDataset({ kind: 'cifar10', dir: bad, batches: ['data_batch_1'] }), /data_batch_1\.bin: expected a label below 10 in record 1, found 12/);
});

test('a folder with batches missing is refused, saying which were found, unless data.dataset.batches names the ones to use', async () => {
  const files = { 'data_batch_1.bin': batch([1]), 'data_batch_2.bin': batch([2]), 'data_batch_4.bin': batch([4]), 'test_batch.bin': batch([0]) };
  const dir = makeDir('gap', files);
  await assert.rejects(loadDataset({ kind: 'cifar10', dir }), (e: Error) => {
    assert.match(e.message, /found data_batch_1\.bin, data_batch_2\.bin, data_batch_4\.bin, test_batch\.bin; missing data_batch_3\.bin, data_batch_5\.bin\./);
    assert.match(e.message, /list them in data\.dataset\.batches/);
    return true;
  });
  const chosen = await loadDataset({ kind: 'cifar10', dir, batches: ['data_batch_4', 'data_batch_1'] });
  assert.deepEqual([...chosen.train.y], [1, 4]);
  assert.equal(chosen.test, undefined);
  assert.match(chosen.warnings?.[0] ?? '', /using data_batch_1, data_batch_4 as data\.dataset\.batches asks, not data_batch_2, data_batch_3, data_batch_5, test_batch/);
  await assert.rejects(loadDataset({ kind: 'cifar10', dir, batches: ['data_batch_3', 'test_batch'] }), /expected the batches of data\.dataset\.batches, missing data_batch_3\.bin/);
  const all = makeDir('all', { ...files, 'data_batch_3.bin': batch([3]), 'data_batch_5.bin': batch([5]) });
  const full = await loadDataset({ kind: 'cifar10', dir: all });
  assert.deepEqual([...full.train.y], [1, 2, 3, 4, 5]);
  assert.deepEqual([...(full.test?.y ?? [])], [0]);
  assert.equal(full.warnings, undefined);
});
