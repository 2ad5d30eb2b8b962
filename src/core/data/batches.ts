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
  /** Indices of the next batch's samples in this pass, absent for the last batch. */
  next?: Int32Array;
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
  const indicesAt = (start: number) => {
    const n = Math.min(batchSize, split.count - start);
    return Int32Array.from({ length: n }, (_, i) => (order ? order[start + i] : start + i));
  };
  for (let start = 0; start < split.count; start += batchSize) {
    const indices = indicesAt(start);
    const n = indices.length;
    const x = new Float32Array(n * size);
    const y = new Int32Array(n);
    indices.forEach((src, i) => {
      x.set(split.x.subarray(src * size, (src + 1) * size), i * size);
      y[i] = split.y[src];
    });
    opts.transform?.(x, n, start / batchSize);
    const next = start + batchSize < split.count ? indicesAt(start + batchSize) : undefined;
    yield { x: tf.tensor(x, [n, ...inputShape], 'float32'), y: tf.tensor1d(y, 'int32'), indices, next, size: n };
  }
}
