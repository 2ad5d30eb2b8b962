import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { loadDataset } from '../../src/core/data/load';

const root = mkdtempSync(join(tmpdir(), 'data-images-'));
after(() => rmSync(root, { recursive: true, force: true }));

type Rgb = [number, number, number];

function rgba(width: number, height: number, color: (x: number, y: number) => Rgb): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set([...color(x, y), 255], (y * width + x) * 4);
    }
  }
  return data;
}

function png(width: number, height: number, color: (x: number, y: number) => Rgb): Buffer {
  const image = new PNG({ width, height });
  rgba(width, height, color).copy(image.data);
  return PNG.sync.write(image);
}

function jpeg(width: number, height: number, color: Rgb): Buffer {
  return encodeJpeg({ width, height, data: rgba(width, height, () => color) }, 100).data;
}

function tree(name: string, files: Record<string, Buffer | null>): string {
  const dir = join(root, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, content === null ? '' : '..'), { recursive: true });
    if (content !== null) writeFileSync(join(dir, path), content);
  }
  return dir;
}

test('PNG and JPEG images load with sorted class folders, at the native size unchanged', async () => {
  const gradient = (x: number, y: number): Rgb => [x * 10, y * 20, 200];
  const dir = tree('basic', {
    'cat/b.png': png(4, 3, gradient),
    'cat/a.jpg': jpeg(4, 3, [255, 0, 0]),
    'ant/x.PNG': png(4, 3, () => [0, 0, 0]),
    'ant/notes.txt': Buffer.from('ignored'),
    'ant/y.jpg': png(4, 3, () => [255, 255, 255]), // a PNG named .jpg: decoded by its magic bytes
  });
  const ds = await loadDataset({ kind: 'imageFolder', train: dir, width: 4, height: 3 });
  assert.deepEqual(ds.classNames, ['ant', 'cat']);
  assert.deepEqual(ds.inputShape, [3, 4, 3]);
  assert.equal(ds.train.count, 4);
  assert.deepEqual([...ds.train.y], [0, 0, 1, 1]);
  const size = 36;
  const sample = (i: number) => ds.train.x.subarray(i * size, (i + 1) * size);
  assert.ok(sample(0).every((v) => v === 0));
  assert.ok(sample(1).every((v) => v === 1));
  for (const [k, v] of sample(2).entries()) assert.ok(Math.abs(v - [1, 0, 0][k % 3]) < 0.03, `jpeg value ${v} at ${k}`);
  // b.png, pixel (x=3, y=2) is exactly preserved.
  const p = (2 * 4 + 3) * 3;
  assert.deepEqual([...sample(3).subarray(p, p + 3)], [30 / 255, 40 / 255, 200 / 255].map(Math.fround));
});

test('resizes bilinearly and converts to grayscale', async () => {
  const dir = tree('resize', {
    'a/left-right.png': png(2, 1, (x) => (x === 0 ? [0, 0, 0] : [255, 255, 255])),
    'b/blue.png': png(8, 8, () => [0, 0, 255]),
  });
  const ds = await loadDataset({ kind: 'imageFolder', train: dir, test: dir, width: 4, height: 2, grayscale: true });
  assert.deepEqual(ds.inputShape, [2, 4, 1]);
  // Half-pixel centres: output x=0..3 maps to source x = -0.25, 0.25, 0.75, 1.25 → clamped 0, 0.25, 0.75, 1.
  const row = [...ds.train.x.subarray(0, 4)];
  [0, 0.25, 0.75, 1].forEach((expected, i) => assert.ok(Math.abs(row[i] - expected) < 1e-6, `${row}`));
  assert.deepEqual([...ds.train.x.subarray(4, 8)], [...ds.train.x.subarray(0, 4)]);
  assert.ok(ds.train.x.subarray(8, 16).every((v) => Math.abs(v - 0.114) < 1e-6));
  assert.equal(ds.test?.count, 2);
});

test('an unreadable image is named', async () => {
  const good = png(4, 4, () => [1, 2, 3]);
  const truncated = tree('truncated', { 'a/ok.png': good, 'b/bad.png': good.subarray(0, good.length - 20) });
  await assert.rejects(loadDataset({ kind: 'imageFolder', train: truncated }), (e: Error) => {
    assert.ok(e.message.includes(join(truncated, 'b', 'bad.png')), e.message);
    assert.match(e.message, /expected a readable PNG, found corrupt or truncated data/);
    return true;
  });
  const notImage = tree('notimage', { 'a/ok.png': good, 'b/text.jpg': Buffer.from('hello') });
  await assert.rejects(loadDataset({ kind: 'imageFolder', train: notImage }), /text\.jpg: expected a PNG or JPEG file, found bytes 68 65 6c 6c/);
  const badJpeg = jpeg(8, 8, [9, 9, 9]);
  const cutJpeg = tree('cutjpeg', { 'a/ok.png': good, 'b/cut.jpg': badJpeg.subarray(0, 200) });
  await assert.rejects(loadDataset({ kind: 'imageFolder', train: cutJpeg }), /cut\.jpg: expected a readable JPEG/);
});

test('an empty class folder, no class folders, unknown test class or missing folder is an error', async () => {
  const good = png(2, 2, () => [1, 2, 3]);
  const empty = tree('emptyclass', { 'a/ok.png': good, b: null });
  await assert.rejects(loadDataset({ kind: 'imageFolder', train: empty }), (e: Error) => {
    assert.equal(e.message, `Class folder ${join(empty, 'b')}: expected .png/.jpg/.jpeg images, found an empty folder`);
    return true;
  });
  const flat = tree('flat', { 'x.png': good });
  await assert.rejects(loadDataset({ kind: 'imageFolder', train: flat }), new RegExp(`Image folder ${flat}: expected one sub-folder per class, found none`));
  const train = tree('train', { 'a/1.png': good, 'b/1.png': good });
  const test2 = tree('test2', { 'a/1.png': good, 'c/1.png': good });
  await assert.rejects(loadDataset({ kind: 'imageFolder', train, test: test2 }), /test2: expected class folders among a, b, found "c"/);
  await assert.rejects(loadDataset({ kind: 'imageFolder', train: join(root, 'nowhere') }), /Image folder not found: .*nowhere/);
});
