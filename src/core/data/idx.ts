import { basename, dirname } from 'node:path';
import { hex, readMaybeGzipped } from './files';
import { checkClassesHaveTrainingSamples } from './labels';
import type { LoadedDataset, Split } from './types';

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols values in [0, 1]. */
  pixels: Float32Array;
}

function checkMagic(bytes: Buffer, file: string, expected: number, what: string): void {
  if (bytes.length < 4) throw new Error(`IDX ${what} file ${file}: expected at least a 4-byte header, found ${bytes.length} bytes`);
  const found = bytes.readUInt32BE(0);
  if (found === expected) return;
  const hint = found === IMAGES_MAGIC ? ' (an IDX image file)' : found === LABELS_MAGIC ? ' (an IDX label file)' : '';
  throw new Error(`IDX ${what} file ${file}: expected magic number ${hex(expected)}, found ${hex(found)}${hint}`);
}

function checkLength(bytes: Buffer, file: string, expected: number, layout: string): void {
  if (bytes.length === expected) return;
  const problem = bytes.length < expected ? 'truncated' : 'trailing data';
  throw new Error(`IDX file ${file}: expected ${expected} bytes for ${layout}, found ${bytes.length} (${problem})`);
}

export function parseIdxImages(bytes: Buffer, file: string): IdxImages {
  checkMagic(bytes, file, IMAGES_MAGIC, 'image');
  if (bytes.length < 16) throw new Error(`IDX image file ${file}: expected a 16-byte header, found ${bytes.length} bytes (truncated)`);
  const count = bytes.readUInt32BE(4);
  const rows = bytes.readUInt32BE(8);
  const cols = bytes.readUInt32BE(12);
  if (rows === 0 || cols === 0) throw new Error(`IDX image file ${file}: expected non-zero image dimensions, found ${rows}×${cols}`);
  checkLength(bytes, file, 16 + count * rows * cols, `${count} images of ${rows}×${cols}`);
  const pixels = new Float32Array(count * rows * cols);
  for (let i = 0; i < pixels.length; i++) pixels[i] = bytes[16 + i] / 255;
  return { count, rows, cols, pixels };
}

export function parseIdxLabels(bytes: Buffer, file: string): Int32Array {
  checkMagic(bytes, file, LABELS_MAGIC, 'label');
  if (bytes.length < 8) throw new Error(`IDX label file ${file}: expected an 8-byte header, found ${bytes.length} bytes (truncated)`);
  const count = bytes.readUInt32BE(4);
  checkLength(bytes, file, 8 + count, `${count} labels`);
  return Int32Array.from(bytes.subarray(8));
}

function loadPair(imagesFile: string, labelsFile: string): { images: IdxImages; split: Split } {
  const images = parseIdxImages(readMaybeGzipped(imagesFile, 'IDX image file'), imagesFile);
  const labels = parseIdxLabels(readMaybeGzipped(labelsFile, 'IDX label file'), labelsFile);
  if (labels.length !== images.count) {
    throw new Error(`IDX label file ${labelsFile}: expected ${images.count} labels to match ${imagesFile}, found ${labels.length}`);
  }
  return { images, split: { x: images.pixels, y: labels, count: images.count } };
}

function checkLabels(split: Split, file: string, classes: number): void {
  for (let i = 0; i < split.count; i++) {
    if (split.y[i] >= classes) {
      throw new Error(`IDX label file ${file}: expected labels below ${classes} (one per class name), found ${split.y[i]} at item ${i}`);
    }
  }
}

export interface IdxFiles {
  trainImages: string;
  trainLabels: string;
  testImages?: string;
  testLabels?: string;
  classNames?: string[];
}

/** Loads IDX files (paths already resolved); images become [rows, cols, 1] in [0, 1]. */
export function loadIdx(files: IdxFiles, name = basename(dirname(files.trainImages))): LoadedDataset {
  if ((files.testImages === undefined) !== (files.testLabels === undefined)) {
    throw new Error(`IDX dataset: expected both testImages and testLabels or neither, found only ${files.testImages ?? files.testLabels}`);
  }
  const train = loadPair(files.trainImages, files.trainLabels);
  const { rows, cols } = train.images;
  let test: Split | undefined;
  if (files.testImages !== undefined && files.testLabels !== undefined) {
    const loaded = loadPair(files.testImages, files.testLabels);
    if (loaded.images.rows !== rows || loaded.images.cols !== cols) {
      throw new Error(`IDX image file ${files.testImages}: expected ${rows}×${cols} images like ${files.trainImages}, found ${loaded.images.rows}×${loaded.images.cols}`);
    }
    test = loaded.split;
  }
  let classNames = files.classNames;
  const inferred = classNames === undefined;
  if (classNames === undefined) {
    let max = -1;
    for (const split of [train.split, test]) for (const label of split?.y ?? []) max = Math.max(max, label);
    classNames = Array.from({ length: max + 1 }, (_, i) => String(i));
  }
  checkLabels(train.split, files.trainLabels, classNames.length);
  if (test && files.testLabels) checkLabels(test, files.testLabels, classNames.length);
  const warnings = checkClassesHaveTrainingSamples(`IDX label file ${files.trainLabels}`, classNames, train.split, test, inferred);
  return { name, classNames, inputShape: [rows, cols, 1], train: train.split, test, ...(warnings.length > 0 ? { warnings } : {}) };
}
