import { resolve } from 'node:path';
import type { z } from 'zod';
import { BUILTIN_TEXT_DATASET, DEFAULT_TEXT_LENGTH, DatasetSpec } from '../../shared/protocol';
import { loadBuiltin } from './builtin';
import { loadCifar10 } from './cifar';
import { loadCsv } from './csv';
import { loadIdx } from './idx';
import { loadImageFolder } from './image-folder';
import { loadTextFiles } from './text/load-text';
import { loadSpamAssassin } from './text/spamassassin';
import type { LoadedDataset } from './types';

export interface LoadOptions {
  /** Relative paths in the spec resolve against this (default: process.cwd()). */
  baseDir?: string;
}

function load(spec: DatasetSpec, at: (path: string) => string): LoadedDataset {
  switch (spec.kind) {
    case 'builtin':
      if (spec.name === BUILTIN_TEXT_DATASET) return loadSpamAssassin(spec.maxLength ?? DEFAULT_TEXT_LENGTH);
      for (const field of ['maxLength', 'minTokenCount'] as const) {
        if (spec[field] !== undefined) throw new Error(`data.dataset.${field}: applies to text data sets only, not to ${spec.name}; remove it`);
      }
      return loadBuiltin();
    case 'idx':
      return loadIdx({
        trainImages: at(spec.trainImages),
        trainLabels: at(spec.trainLabels),
        testImages: spec.testImages === undefined ? undefined : at(spec.testImages),
        testLabels: spec.testLabels === undefined ? undefined : at(spec.testLabels),
        classNames: spec.classNames,
      });
    case 'cifar10':
      return loadCifar10(at(spec.dir), spec.batches);
    case 'csv':
      return loadCsv(at(spec.train), spec.test === undefined ? undefined : at(spec.test), spec.labelColumn);
    case 'imageFolder':
      return loadImageFolder(at(spec.train), spec.test === undefined ? undefined : at(spec.test), spec);
    case 'text':
      return loadTextFiles({ ...spec, train: at(spec.train), test: spec.test === undefined ? undefined : at(spec.test) });
  }
}

/** Loads a dataset as the spec describes; errors name the file, what was expected and what was found. */
export async function loadDataset(spec: z.input<typeof DatasetSpec>, options: LoadOptions = {}): Promise<LoadedDataset> {
  const baseDir = options.baseDir ?? process.cwd();
  const dataset = load(DatasetSpec.parse(spec), (path) => resolve(baseDir, path));
  if (dataset.train.count === 0) throw new Error(`Dataset ${dataset.name}: expected training samples, found none`);
  if (dataset.classNames.length < 2) {
    throw new Error(`Dataset ${dataset.name}: expected at least 2 classes, found ${dataset.classNames.length} (${dataset.classNames.join(', ')})`);
  }
  return dataset;
}
