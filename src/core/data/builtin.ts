import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUILTIN_DATASET } from '../../shared/protocol';
import { loadIdx } from './idx';
import type { LoadedDataset } from './types';

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** Where data/<name> may be: beside the source tree (src/core/data, src/core/data/text) or a bundle in dist/. */
export function dataDirCandidates(name: string, baseDir: string = typeof __dirname === 'string' ? __dirname : process.cwd()): string[] {
  return ['../../../data', '../data', 'data', '../../data'].map((rel) => resolve(baseDir, rel, name));
}

/** Where data/fashion-mnist-small may be. */
export function builtinDatasetCandidates(baseDir?: string): string[] {
  return dataDirCandidates(BUILTIN_DATASET, baseDir);
}

export function findBuiltinDataset(candidates = builtinDatasetCandidates()): string {
  const found = candidates.find((dir) => existsSync(join(dir, 'train-images-idx3-ubyte.gz')));
  if (found === undefined) {
    throw new Error(`Built-in dataset ${BUILTIN_DATASET} not found: expected train-images-idx3-ubyte.gz in one of ${candidates.join(', ')}; run "npm run make-builtin-dataset"`);
  }
  return found;
}

export function loadBuiltin(dir = findBuiltinDataset()): LoadedDataset {
  return loadIdx(
    {
      trainImages: join(dir, 'train-images-idx3-ubyte.gz'),
      trainLabels: join(dir, 'train-labels-idx1-ubyte.gz'),
      testImages: join(dir, 't10k-images-idx3-ubyte.gz'),
      testLabels: join(dir, 't10k-labels-idx1-ubyte.gz'),
      classNames: FASHION_MNIST_CLASSES,
    },
    BUILTIN_DATASET,
  );
}
