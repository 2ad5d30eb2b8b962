export type { LoadedDataset, Split, TextInfo } from './types';
export { loadDataset, type LoadOptions } from './load';
export { FASHION_MNIST_CLASSES, builtinDatasetCandidates, findBuiltinDataset, loadBuiltin } from './builtin';
export { CIFAR10_CLASSES } from './cifar';
export { prepareSplits, sampleSize, stratifiedOrder, subsetSplit, type SplitOptions } from './split';
export { applyNormalizer, fitNormalizer, type Normalizer } from './normalize';
export { batches, type Batch } from './batches';
export { createRng, deriveSeed, shuffledIndices } from './rng';
