// Builds data/fashion-mnist-small/: a stratified, seeded subset of Fashion-MNIST (Zalando SE, MIT)
// from Debian's dataset-fashion-mnist package, written as gzipped IDX files with the original names.
//   node scripts/make-builtin-dataset.mjs [sourceDir] [outDir]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const SEED = 20170825; // Fashion-MNIST's release date
const PER_CLASS = { train: 1000, t10k: 200 };
const NUM_CLASSES = 10;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = resolve(process.argv[2] ?? '/usr/share/datasets/fashion-mnist');
const outDir = resolve(process.argv[3] ?? join(root, 'data/fashion-mnist-small'));

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readIdx(file, magic, headerBytes) {
  if (!existsSync(file)) throw new Error(`Missing ${file} (install Debian's dataset-fashion-mnist or pass the source dir)`);
  const bytes = gunzipSync(readFileSync(file));
  const found = bytes.readUInt32BE(0);
  if (found !== magic) throw new Error(`${file}: expected magic 0x${magic.toString(16)}, found 0x${found.toString(16)}`);
  const count = bytes.readUInt32BE(4);
  const itemBytes = (bytes.length - headerBytes) / count;
  if (!Number.isInteger(itemBytes)) throw new Error(`${file}: length ${bytes.length} does not fit ${count} items`);
  return { header: bytes.subarray(0, headerBytes), body: bytes.subarray(headerBytes), count, itemBytes };
}

function pick(labels, perClass, rng) {
  const byClass = Array.from({ length: NUM_CLASSES }, () => []);
  labels.body.forEach((label, i) => byClass[label].push(i));
  const chosen = [];
  for (const [label, indices] of byClass.entries()) {
    if (indices.length < perClass) throw new Error(`class ${label} has ${indices.length} samples, need ${perClass}`);
    for (let i = indices.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [indices[i], indices[j]] = [indices[j], indices[i]];
    }
    chosen.push(...indices.slice(0, perClass));
  }
  // Ascending source order keeps the original (already mixed) ordering of classes.
  return chosen.sort((a, b) => a - b);
}

function writeSubset(idx, indices, file) {
  const header = Buffer.from(idx.header);
  header.writeUInt32BE(indices.length, 4);
  const body = Buffer.alloc(indices.length * idx.itemBytes);
  indices.forEach((src, dst) => idx.body.copy(body, dst * idx.itemBytes, src * idx.itemBytes, (src + 1) * idx.itemBytes));
  const gz = gzipSync(Buffer.concat([header, body]), { level: 9 });
  writeFileSync(join(outDir, file), gz);
  return gz.length;
}

mkdirSync(outDir, { recursive: true });
const rng = mulberry32(SEED);
for (const [prefix, perClass] of Object.entries(PER_CLASS)) {
  const images = readIdx(join(sourceDir, `${prefix}-images-idx3-ubyte.gz`), 0x803, 16);
  const labels = readIdx(join(sourceDir, `${prefix}-labels-idx1-ubyte.gz`), 0x801, 8);
  if (images.count !== labels.count) throw new Error(`${prefix}: ${images.count} images but ${labels.count} labels`);
  const indices = pick(labels, perClass, rng);
  const imageBytes = writeSubset(images, indices, `${prefix}-images-idx3-ubyte.gz`);
  const labelBytes = writeSubset(labels, indices, `${prefix}-labels-idx1-ubyte.gz`);
  console.log(`${prefix}: ${indices.length} of ${images.count} samples (${imageBytes} + ${labelBytes} bytes gzipped)`);
}
console.log(`wrote ${outDir}`);
