import { createRng, deriveSeed, shuffleInPlace } from './rng';
import type { LoadedDataset, Split } from './types';

/** Values per sample. */
export function sampleSize(inputShape: number[]): number {
  return inputShape.reduce((a, b) => a * b, 1);
}

/** A new split holding the given samples, in the given order. */
export function subsetSplit(split: Split, indices: ArrayLike<number>, size: number): Split {
  const x = new Float32Array(indices.length * size);
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const src = indices[i];
    x.set(split.x.subarray(src * size, (src + 1) * size), i * size);
    y[i] = split.y[src];
  }
  return { x, y, count: indices.length };
}

/**
 * A seeded order of all samples in which every prefix is stratified: each class's shuffled samples
 * are spread evenly (with a random phase per class) over [0, 1) and the order sorts by position.
 */
export function stratifiedOrder(labels: Int32Array, seed: number): Int32Array {
  const rng = createRng(seed);
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const members = byClass.get(label);
    if (members) members.push(i);
    else byClass.set(label, [i]);
  });
  const position = new Float64Array(labels.length);
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = shuffleInPlace(byClass.get(label)!, rng);
    const phase = rng();
    members.forEach((index, rank) => (position[index] = (rank + phase) / members.length));
  }
  const order = Int32Array.from(labels, (_, i) => i);
  return order.sort((a, b) => position[a] - position[b] || a - b);
}

/** The first `n` of a stratified seeded order, kept in their original order. */
function stratifiedSubset(labels: Int32Array, n: number, seed: number): { chosen: Int32Array; rest: Int32Array } {
  const order = stratifiedOrder(labels, seed);
  return { chosen: order.slice(0, n).sort(), rest: order.slice(n).sort() };
}

export interface SplitOptions {
  /** Fraction of train held out when the dataset has no test split. */
  validationSplit: number;
  limitTrain?: number;
  limitValidation?: number;
  seed: number;
}

function limit(split: Split, n: number | undefined, size: number, seed: number): Split {
  if (n === undefined || n >= split.count) return split;
  return subsetSplit(split, stratifiedSubset(split.y, n, seed).chosen, size);
}

/** Train and validation splits: the dataset's test split, or a stratified seeded hold-out from train; then the limits. */
export function prepareSplits(ds: LoadedDataset, opts: SplitOptions): { train: Split; validation: Split } {
  const size = sampleSize(ds.inputShape);
  let train = ds.train;
  let validation: Split;
  if (ds.test) {
    validation = ds.test;
  } else {
    if (!(opts.validationSplit > 0 && opts.validationSplit < 1)) throw new Error(`validationSplit: expected a fraction in (0, 1), found ${opts.validationSplit}`);
    const held = Math.min(Math.max(Math.round(train.count * opts.validationSplit), 1), train.count - 1);
    if (held < 1) throw new Error(`Dataset ${ds.name}: expected at least 2 training samples to hold out a validation split, found ${train.count}`);
    const { chosen, rest } = stratifiedSubset(train.y, held, deriveSeed(opts.seed, 0));
    validation = subsetSplit(train, chosen, size);
    train = subsetSplit(train, rest, size);
  }
  return {
    train: limit(train, opts.limitTrain, size, deriveSeed(opts.seed, 1)),
    validation: limit(validation, opts.limitValidation, size, deriveSeed(opts.seed, 2)),
  };
}
