import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadDataset } from '../../src/core/data/load';

const dir = mkdtempSync(join(tmpdir(), 'data-idx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function idxImages(count: number, rows: number, cols: number, pixel: (i: number, p: number) => number): Buffer {
  const bytes = Buffer.alloc(16 + count * rows * cols);
  bytes.writeUInt32BE(0x803, 0);
  bytes.writeUInt32BE(count, 4);
  bytes.writeUInt32BE(rows, 8);
  bytes.writeUInt32BE(cols, 12);
  for (let i = 0; i < count; i++) for (let p = 0; p < rows * cols; p++) bytes[16 + i * rows * cols + p] = pixel(i, p);
  return bytes;
}

function idxLabels(labels: number[]): Buffer {
  const bytes = Buffer.alloc(8 + labels.length);
  bytes.writeUInt32BE(0x801, 0);
  bytes.writeUInt32BE(labels.length, 4);
  labels.forEach((l, i) => (bytes[8 + i] = l));
  return bytes;
}

function write(name: string, bytes: Buffer): string {
  writeFileSync(join(dir, name), bytes);
  return name;
}

const pixel = (i: number, p: number) => (i * 7 + p) % 256;
const images = idxImages(6, 3, 2, pixel);
const labels = idxLabels([0, 1, 2, 0, 1, 2]);

test('loads uncompressed and gzipped IDX files alike, detected by magic bytes', async () => {
  write('raw-images', images);
  write('raw-labels.gz', labels); // not gzipped despite the extension
  write('gz-images.idx', gzipSync(images)); // gzipped despite the extension
  write('gz-labels', gzipSync(labels));
  const raw = await loadDataset({ kind: 'idx', trainImages: 'raw-images', trainLabels: 'raw-labels.gz' }, { baseDir: dir });
  const gz = await loadDataset({ kind: 'idx', trainImages: join(dir, 'gz-images.idx'), trainLabels: join(dir, 'gz-labels'), testImages: 'raw-images', testLabels: 'gz-labels' }, { baseDir: dir });
  assert.deepEqual(raw.inputShape, [3, 2, 1]);
  assert.equal(raw.train.count, 6);
  assert.deepEqual([...raw.train.y], [0, 1, 2, 0, 1, 2]);
  assert.deepEqual(raw.classNames, ['0', '1', '2']);
  assert.equal(raw.test, undefined);
  assert.ok(Math.abs(raw.train.x[2 * 6 + 5] - pixel(2, 5) / 255) < 1e-6);
  assert.ok(raw.train.x.every((v) => v >= 0 && v <= 1));
  assert.deepEqual(gz.train.x, raw.train.x);
  assert.deepEqual(gz.test?.y, raw.train.y);
});

test('uses the given class names and rejects labels beyond them', async () => {
  write('l.idx', labels);
  write('i.idx', images);
  const ds = await loadDataset({ kind: 'idx', trainImages: 'i.idx', trainLabels: 'l.idx', classNames: ['a', 'b', 'c', 'd'] }, { baseDir: dir });
  assert.deepEqual(ds.classNames, ['a', 'b', 'c', 'd']);
  await assert.rejects(loadDataset({ kind: 'idx', trainImages: 'i.idx', trainLabels: 'l.idx', classNames: ['a', 'b'] }, { baseDir: dir }), (e: Error) => {
    assert.match(e.message, /l\.idx/);
    assert.match(e.message, /below 2.*found 2/);
    return true;
  });
});

test('bad magic number names the file, expected and found values', async () => {
  write('swapped', labels);
  await assert.rejects(loadDataset({ kind: 'idx', trainImages: 'swapped', trainLabels: 'l.idx' }, { baseDir: dir }), (e: Error) => {
    assert.ok(e.message.includes(join(dir, 'swapped')), e.message);
    assert.match(e.message, /expected magic number 0x00000803, found 0x00000801/);
    return true;
  });
});

test('truncated files are reported, raw and gzipped', async () => {
  write('short', images.subarray(0, images.length - 3));
  await assert.rejects(loadDataset({ kind: 'idx', trainImages: 'short', trainLabels: 'l.idx' }, { baseDir: dir }), (e: Error) => {
    assert.ok(e.message.includes(join(dir, 'short')), e.message);
    assert.match(e.message, new RegExp(`expected ${images.length} bytes.*found ${images.length - 3} \\(truncated\\)`));
    return true;
  });
  const gz = gzipSync(images);
  write('short.gz', gz.subarray(0, gz.length - 10));
  await assert.rejects(loadDataset({ kind: 'idx', trainImages: 'short.gz', trainLabels: 'l.idx' }, { baseDir: dir }), (e: Error) => {
    assert.ok(e.message.includes(join(dir, 'short.gz')), e.message);
    assert.match(e.message, /gzip/);
    return true;
  });
  write('tiny', Buffer.from([0, 0]));
  await assert.rejects(loadDataset({ kind: 'idx', trainImages: 'tiny', trainLabels: 'l.idx' }, { baseDir: dir }), /tiny: expected at least a 4-byte header, found 2 bytes/);
});

test('label count must match the image count', async () => {
  write('five-labels', idxLabels([0, 1, 2, 0, 1]));
  await assert.rejects(loadDataset({ kind: 'idx', trainImages: 'i.idx', trainLabels: 'five-labels' }, { baseDir: dir }), /five-labels: expected 6 labels to match .*i\.idx, found 5/);
});

test('a missing file is named', async () => {
  await assert.rejects(loadDataset({ kind: 'idx', trainImages: 'i.idx', trainLabels: 'nope.gz' }, { baseDir: dir }), (e: Error) => {
    assert.equal(e.message, `IDX label file not found: ${join(dir, 'nope.gz')}`);
    return true;
  });
});

test('test images must have the train image size', async () => {
  write('other-size', idxImages(6, 2, 3, pixel));
  await assert.rejects(
    loadDataset({ kind: 'idx', trainImages: 'i.idx', trainLabels: 'l.idx', testImages: 'other-size', testLabels: 'l.idx' }, { baseDir: dir }),
    /other-size: expected 3×2 images .* found 2×3/,
  );
  await assert.rejects(loadDataset({ kind: 'idx', trainImages: 'i.idx', trainLabels: 'l.idx', testImages: 'i.idx' }, { baseDir: dir }), /both testImages and testLabels/);
});

test('a label far outside the others is an error, not 190 empty classes', async () => {
  const stray = [0, 1, 2, 3, 4, 5, 6, 7, 200, 8, 9];
  write('stray-images', idxImages(stray.length, 3, 2, pixel));
  write('stray-labels', idxLabels(stray));
  await assert.rejects(loadDataset({ kind: 'idx', trainImages: 'stray-images', trainLabels: 'stray-labels' }, { baseDir: dir }), (e: Error) => {
    assert.match(e.message, /stray-labels: expected labels that name the classes, found no training samples for classes 10–199 \(190 of 201\)/);
    assert.match(e.message, /the label 200 at training item 8 is far outside the 11 classes with samples/);
    return true;
  });
});

test('a class with no training samples is a warning for the run log, not an error', async () => {
  write('gap-images', idxImages(4, 3, 2, pixel));
  write('gap-labels', idxLabels([0, 1, 3, 0]));
  const inferred = await loadDataset({ kind: 'idx', trainImages: 'gap-images', trainLabels: 'gap-labels' }, { baseDir: dir });
  assert.deepEqual(inferred.classNames, ['0', '1', '2', '3']);
  assert.equal(inferred.warnings?.length, 1);
  assert.match(inferred.warnings?.[0] ?? '', /gap-labels: no training samples for class 2 \(1 of 4\)/);
  // With class names given, however many are empty, the names say how many classes there are.
  const named = await loadDataset({ kind: 'idx', trainImages: 'gap-images', trainLabels: 'gap-labels', classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] }, { baseDir: dir });
  assert.match(named.warnings?.[0] ?? '', /no training samples for classes c, e–h \(5 of 8\)/);
  const full = await loadDataset({ kind: 'idx', trainImages: 'raw-images', trainLabels: 'raw-labels.gz' }, { baseDir: dir });
  assert.equal(full.warnings, undefined);
});
