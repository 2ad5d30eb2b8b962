import * as tf from '@tensorflow/tfjs-core';
import { shuffledIndices } from './rng';
import { sampleSize } from './split';
import type { Split } from './types';

export interface Batch {
  /** [size, ...inputShape], float32. */
  x: tf.Tensor;
  /** [size] int32 class indices. */
  y: tf.Tensor1D;
  /** Indices of these samples in the split. */
  indices: Int32Array;
  size: number;
}

/**
 * Mini-batches over a split, in order or in a seeded shuffled order; the last batch may be smaller.
 * Creates only the yielded x and y, which the consumer disposes.
 */
export function* batches(
  split: Split,
  inputShape: number[],
  batchSize: number,
  opts: { shuffleSeed?: number; /** Changes a batch's inputs in place before they become a tensor (augmentation). */ transform?: (x: Float32Array, n: number, batchIndex: number) => void } = {},
): Generator<Batch> {
  const size = sampleSize(inputShape);
  if (split.x.length !== split.count * size || split.y.length !== split.count) {
    throw new Error(`batches: expected ${split.count} samples of [${inputShape.join(', ')}] (${split.count * size} values, ${split.count} labels), found ${split.x.length} values and ${split.y.length} labels`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batches: expected a positive integer batch size, found ${batchSize}`);
  const order = opts.shuffleSeed === undefined ? null : shuffledIndices(split.count, opts.shuffleSeed);
  for (let start = 0; start < split.count; start += batchSize) {
    const n = Math.min(batchSize, split.count - start);
    const indices = new Int32Array(n);
    const x = new Float32Array(n * size);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const src = order ? order[start + i] : start + i;
      indices[i] = src;
      x.set(split.x.subarray(src * size, (src + 1) * size), i * size);
      y[i] = split.y[src];
    }
    opts.transform?.(x, n, start / batchSize);
    yield { x: tf.tensor(x, [n, ...inputShape], 'float32'), y: tf.tensor1d(y, 'int32'), indices, size: n };
  }
}
