import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { hintLoss } from '../../src/core/distill/losses/hint';

describe('hintLoss', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('hand case on an NHWC map: mean of squared differences over every element', () => {
    // Differences 1, −2, 0, 3 → (1 + 4 + 0 + 9)/4 = 3.5.
    const r = tf.tensor4d([1, 0, 5, 3], [1, 2, 1, 2]);
    const t = tf.tensor4d([0, 2, 5, 0], [1, 2, 1, 2]);
    assert.ok(Math.abs(hintLoss(r, t).dataSync()[0] - 3.5) < 1e-6);
  });

  test('gradient is 2(r − t)/n, as finite differences of the mean give', () => {
    const r = [
      [0.3, -1.2, 2.0],
      [0.7, 0.0, -0.5],
    ];
    const t = [
      [1.0, -1.0, 0.5],
      [0.2, 0.4, -0.1],
    ];
    const grad = tf.tidy(() => {
      const teacher = tf.tensor2d(t);
      return tf
        .grad((x: tf.Tensor) => hintLoss(x, teacher))(tf.tensor2d(r))
        .arraySync() as number[][];
    });
    const mse = (x: number[][]) => x.flat().reduce((a, v, k) => a + (v - t.flat()[k]) ** 2, 0) / 6;
    r.forEach((row, i) =>
      row.forEach((v, c) => {
        const h = 1e-6;
        const plus = r.map((q) => [...q]);
        const minus = r.map((q) => [...q]);
        plus[i][c] += h;
        minus[i][c] -= h;
        const numeric = (mse(plus) - mse(minus)) / (2 * h);
        assert.ok(Math.abs(grad[i][c] - (2 * (v - t[i][c])) / 6) < 1e-6 && Math.abs(grad[i][c] - numeric) < 1e-5);
      }),
    );
  });

  test('rejects mismatched shapes', () => {
    assert.throws(() => hintLoss(tf.zeros([2, 3]), tf.zeros([3, 2])), /shapes differ/);
  });
});
