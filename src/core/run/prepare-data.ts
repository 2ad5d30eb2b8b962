import type { DataConfig, DatasetSpec } from '../../shared/protocol';
import { loadDataset } from '../data/load';
import { applyNormalizer, fitNormalizer } from '../data/normalize';
import { prepareSplits } from '../data/split';
import type { TextDataset } from '../data/text/load-text';
import { prepareTextSplits, type TextSplits } from '../data/text/splits';
import { mapByTokens, remapIds } from '../data/text/vocabulary';
import type { LoadedDataset, Split } from '../data/types';
import type { PhaseData } from '../train/loop';

export interface PreparedData extends Omit<PhaseData, 'train'> {
  name: string;
  train: Split;
  /** What the loader noticed but accepted (a class without training samples, batches left out): the run log shows them. */
  warnings: string[];
  /** For unlabeled transfer: the transfer set, normalised like the training data (text: in the training data's vocabulary). */
  transfer?: Split;
  /** Text data: the vocabulary of the training split (the embedding table's rows), its tokens and each split's messages. */
  text?: TextSplits['text'];
}

function evenlySpaced(count: number, wanted: number): number[] {
  const n = Math.min(count, wanted);
  return Array.from({ length: n }, (_, i) => Math.floor((i * count) / n));
}

function checkTransferShape(dataset: LoadedDataset, transferSet: LoadedDataset): void {
  if (transferSet.inputShape.join('x') !== dataset.inputShape.join('x')) {
    throw new Error(`method.transfer: expected inputs of shape [${dataset.inputShape}] like the training data, got [${transferSet.inputShape}]`);
  }
  if (Boolean(transferSet.text) !== Boolean(dataset.text)) {
    throw new Error(`method.transfer: expected ${dataset.text ? 'text' : 'images or features'} like the training data, got ${transferSet.text ? 'text' : 'images or features'}`);
  }
}

/** Token ids are never normalised: a text set's splits go to the model as they are. */
async function prepareText(dataset: TextDataset, config: DataConfig, predictionSamples: number, baseDir: string | undefined, transferSpec?: DatasetSpec): Promise<PreparedData> {
  const minTokenCount = config.dataset.kind === 'text' || config.dataset.kind === 'builtin' ? config.dataset.minTokenCount : undefined;
  const { train, validation, test, text } = prepareTextSplits(dataset, config, minTokenCount);
  let transfer: Split | undefined;
  if (transferSpec) {
    const transferSet = await loadDataset(transferSpec, { baseDir });
    checkTransferShape(dataset, transferSet);
    transfer = { ...transferSet.train, x: remapIds(transferSet.train.x, mapByTokens(transferSet.text!.tokens, text.tokens)) };
  }
  return {
    name: dataset.name,
    inputShape: dataset.inputShape,
    classNames: dataset.classNames,
    train,
    validation,
    test,
    rawValidation: validation,
    sampleIndices: evenlySpaced(validation.count, predictionSamples),
    padValue: [0],
    warnings: dataset.warnings ?? [],
    transfer,
    text,
  };
}

export async function prepareData(config: DataConfig, predictionSamples: number, baseDir: string | undefined, transferSpec?: DatasetSpec): Promise<PreparedData> {
  const dataset = await loadDataset(config.dataset, { baseDir });
  if (dataset.text) return prepareText({ ...dataset, text: dataset.text }, config, predictionSamples, baseDir, transferSpec);
  const { train, validation, test } = prepareSplits(dataset, config);
  const normalizer = fitNormalizer(train, dataset.inputShape);
  let transfer: Split | undefined;
  if (transferSpec) {
    const transferSet = await loadDataset(transferSpec, { baseDir });
    checkTransferShape(dataset, transferSet);
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
