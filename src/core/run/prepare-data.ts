import type { DataConfig, DatasetSpec } from '../../shared/protocol';
import { loadDataset } from '../data/load';
import { applyNormalizer, fitNormalizer } from '../data/normalize';
import { prepareSplits } from '../data/split';
import type { Split } from '../data/types';
import type { PhaseData } from '../train/loop';

export interface PreparedData extends Omit<PhaseData, 'train'> {
  name: string;
  train: Split;
  /** What the loader noticed but accepted (a class without training samples, batches left out): the run log shows them. */
  warnings: string[];
  /** For unlabeled transfer: the transfer set, normalised like the training data. */
  transfer?: Split;
}

function evenlySpaced(count: number, wanted: number): number[] {
  const n = Math.min(count, wanted);
  return Array.from({ length: n }, (_, i) => Math.floor((i * count) / n));
}

export async function prepareData(config: DataConfig, predictionSamples: number, baseDir: string | undefined, transferSpec?: DatasetSpec): Promise<PreparedData> {
  const dataset = await loadDataset(config.dataset, { baseDir });
  const { train, validation, test } = prepareSplits(dataset, config);
  const normalizer = fitNormalizer(train, dataset.inputShape);
  let transfer: Split | undefined;
  if (transferSpec) {
    const transferSet = await loadDataset(transferSpec, { baseDir });
    if (transferSet.inputShape.join('x') !== dataset.inputShape.join('x')) {
      throw new Error(`method.transfer: expected inputs of shape [${dataset.inputShape}] like the training data, got [${transferSet.inputShape}]`);
    }
    transfer = applyNormalizer(transferSet.train, normalizer);
  }
  return {
    name: dataset.name,
    inputShape: dataset.inputShape,
    classNames: dataset.classNames,
    train: applyNormalizer(train, normalizer),
    validation: applyNormalizer(validation, normalizer),
    test: applyNormalizer(test, normalizer),
    rawValidation: validation,
    sampleIndices: evenlySpaced(validation.count, predictionSamples),
    padValue: normalizer.mean.map((mean, c) => -mean / normalizer.std[c]),
    warnings: dataset.warnings ?? [],
    transfer,
  };
}
