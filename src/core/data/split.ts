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
  /** Fraction of the training split held out for validation. */
  validationSplit: number;
  /** Fraction of all samples held out for test when the dataset has no test split of its own. */
  testSplit: number;
  limitTrain?: number;
  limitValidation?: number;
  limitTest?: number;
  /** Draws the hold-outs and the limits: independent of the run's seed, so a seed changes initialisation and order, never the split. */
  splitSeed: number;
}

export interface Splits {
  train: Split;
  /** Chooses the best checkpoint (and every other decision). */
  validation: Split;
  /** Reported at the end only, on the best-validation and the last weights. */
  test: Split;
}

function limit(split: Split, n: number | undefined, size: number, seed: number): Split {
  if (n === undefined || n >= split.count) return split;
  return subsetSplit(split, stratifiedSubset(split.y, n, seed).chosen, size);
}

/** A stratified seeded hold-out of `fraction` of `split` (at least one sample, and at least one left). */
function holdOut(split: Split, fraction: number, field: string, datasetName: string, size: number, seed: number): { held: Split; rest: Split } {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`data.${field}: expected a fraction in (0, 1), got ${fraction}`);
  if (split.count < 2) throw new Error(`Dataset ${datasetName}: expected at least 2 samples to hold out data.${field}, found ${split.count}`);
  const n = Math.min(Math.max(Math.round(split.count * fraction), 1), split.count - 1);
  const { chosen, rest } = stratifiedSubset(split.y, n, seed);
  return { held: subsetSplit(split, chosen, size), rest: subsetSplit(split, rest, size) };
}

/**
 * Three disjoint splits (DESIGN §6): test is the dataset's test split, or a stratified hold-out of
 * its own; validation is a stratified hold-out of what remains for training; then the limits.
 */
export function prepareSplits(ds: LoadedDataset, opts: SplitOptions): Splits {
  const size = sampleSize(ds.inputShape);
  let pool = ds.train;
  let test: Split;
  if (ds.test) {
    test = ds.test;
  } else {
    const { held, rest } = holdOut(pool, opts.testSplit, 'testSplit', ds.name, size, deriveSeed(opts.splitSeed, 3));
    test = held;
    pool = rest;
  }
  const { held: validation, rest: train } = holdOut(pool, opts.validationSplit, 'validationSplit', ds.name, size, deriveSeed(opts.splitSeed, 0));
  return {
    train: limit(train, opts.limitTrain, size, deriveSeed(opts.splitSeed, 1)),
    validation: limit(validation, opts.limitValidation, size, deriveSeed(opts.splitSeed, 2)),
    test: limit(test, opts.limitTest, size, deriveSeed(opts.splitSeed, 4)),
  };
}
