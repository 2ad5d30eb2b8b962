import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '../../src/core/data/rng';
import type { TrainBatch } from '../../src/core/distill/distiller';

/** A seeded batch of `size` inputs uniform in [−1, 1) and uniform labels, indexed 0…size−1: what the data-parallel tests step on. */
export function randomBatch(size: number, seed: number, inputShape: number[], classes: number): { batch: TrainBatch; labels: tf.Tensor1D } {
  const rng = createRng(seed);
  const x = tf.tensor(
    Float32Array.from({ length: size * inputShape.reduce((a, b) => a * b, 1) }, () => rng() * 2 - 1),
    [size, ...inputShape],
  );
  const labels = tf.tensor1d(
    Int32Array.from({ length: size }, () => Math.floor(rng() * classes)),
    'int32',
  );
  return { batch: { x, y: labels, indices: Int32Array.from({ length: size }, (_, i) => i) }, labels };
}

export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
