import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { listDir, readBytes } from './files';
import type { LoadedDataset, Split } from './types';

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;

/** Parses CIFAR-10 binary batches: records of 1 label byte + R, G, B planes, converted to HWC in [0, 1]. */
export function parseCifarBatches(files: string[], classCount: number): Split {
  const buffers = files.map((file) => {
    const bytes = readBytes(file, 'CIFAR-10 batch');
    if (bytes.length === 0 || bytes.length % RECORD !== 0) {
      throw new Error(`CIFAR-10 batch ${file}: expected a whole number of ${RECORD}-byte records, found ${bytes.length} bytes`);
    }
    return { file, bytes };
  });
  const count = buffers.reduce((n, b) => n + b.bytes.length / RECORD, 0);
  const x = new Float32Array(count * 3 * PLANE);
  const y = new Int32Array(count);
  let n = 0;
  for (const { file, bytes } of buffers) {
    for (let offset = 0; offset < bytes.length; offset += RECORD, n++) {
      const label = bytes[offset];
      if (label >= classCount) {
        throw new Error(`CIFAR-10 batch ${file}: expected a label below ${classCount} in record ${offset / RECORD}, found ${label}`);
      }
      y[n] = label;
      const out = n * 3 * PLANE;
      for (let p = 0; p < PLANE; p++) {
        for (let c = 0; c < 3; c++) x[out + p * 3 + c] = bytes[offset + 1 + c * PLANE + p] / 255;
      }
    }
  }
  return { x, y, count };
}

function readClassNames(dir: string): string[] {
  const metaFile = join(dir, 'batches.meta.txt');
  if (!existsSync(metaFile)) return CIFAR10_CLASSES;
  const names = readBytes(metaFile, 'CIFAR-10 class names')
    .toString('utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (names.length === 0) throw new Error(`CIFAR-10 class names ${metaFile}: expected one class name per line, found none`);
  return names;
}

const ALL_BATCHES = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch'] as const;

/**
 * Loads data_batch_1..5.bin (train) and test_batch.bin (test) from a directory: all six, or exactly the `batches`
 * named (a subset on purpose, said in the dataset's warnings); a batch missing is an error listing what was found.
 */
export function loadCifar10(dir: string, batches?: readonly string[]): LoadedDataset {
  const present = new Set(listDir(dir, 'CIFAR-10 directory').map((entry) => entry.name));
  const found = ALL_BATCHES.filter((b) => present.has(`${b}.bin`)).map((b) => `${b}.bin`);
  const wanted = batches === undefined ? [...ALL_BATCHES] : ALL_BATCHES.filter((b) => batches.includes(b));
  const missing = wanted.filter((b) => !present.has(`${b}.bin`)).map((b) => `${b}.bin`);
  const foundText = found.length > 0 ? found.join(', ') : `none of them (files: ${[...present].slice(0, 10).join(', ') || 'none'})`;
  if (batches === undefined && missing.length > 0) {
    throw new Error(
      `CIFAR-10 directory ${dir}: expected data_batch_1.bin … data_batch_5.bin and test_batch.bin, found ${foundText}; missing ${missing.join(', ')}. ` +
        'To use only some batches, list them in data.dataset.batches (e.g. ["data_batch_1", "test_batch"])',
    );
  }
  if (missing.length > 0) {
    throw new Error(`CIFAR-10 directory ${dir}: expected the batches of data.dataset.batches, missing ${missing.join(', ')} (found ${foundText})`);
  }
  const trainFiles = wanted.filter((b) => b !== 'test_batch').map((b) => `${b}.bin`);
  if (trainFiles.length === 0) {
    throw new Error(`CIFAR-10 directory ${dir}: expected data.dataset.batches to name at least one of data_batch_1 … data_batch_5, found only test_batch`);
  }
  const classNames = readClassNames(dir);
  const train = parseCifarBatches(trainFiles.map((name) => join(dir, name)), classNames.length);
  const test = wanted.includes('test_batch') ? parseCifarBatches([join(dir, 'test_batch.bin')], classNames.length) : undefined;
  const unused = ALL_BATCHES.filter((b) => !wanted.includes(b));
  const warnings =
    unused.length > 0 ? [`CIFAR-10 directory ${dir}: using ${wanted.join(', ')} as data.dataset.batches asks, not ${unused.join(', ')} (present: ${found.join(', ') || 'none'})`] : [];
  return { name: basename(dir), classNames, inputShape: [SIDE, SIDE, 3], train, test, ...(warnings.length > 0 ? { warnings } : {}) };
}
