import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { cosineLoss } from '../../src/core/distill/losses/cosine';

function reference(hs: number[][], ht: number[][]): number {
  return (
    hs.reduce((acc, row, b) => {
      const dot = row.reduce((a, v, d) => a + v * ht[b][d], 0);
      return acc + 1 - dot / (Math.hypot(...row) * Math.hypot(...ht[b]));
    }, 0) / hs.length
  );
}
const value = (hs: number[][], ht: number[][]) => tf.tidy(() => cosineLoss(tf.tensor2d(hs), tf.tensor2d(ht)).dataSync()[0]);

describe('cosineLoss', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('hand cases: orthogonal 1, opposite 2, 45° 1 − 1/√2, averaged over the batch', () => {
    assert.ok(Math.abs(value([[1, 0]], [[0, 1]]) - 1) < 1e-6);
    assert.ok(Math.abs(value([[1, 0]], [[-3, 0]]) - 2) < 1e-6);
    assert.ok(Math.abs(value([[1, 1]], [[2, 0]]) - (1 - Math.SQRT1_2)) < 1e-6);
    assert.ok(
      Math.abs(
        value(
          [
            [1, 0],
            [1, 1],
          ],
          [
            [0, 1],
            [2, 0],
          ],
        ) -
          (2 - Math.SQRT1_2) / 2,
      ) < 1e-6,
    );
  });

  test('invariant to positive scaling of either side', () => {
    const hs = [
      [0.3, -1, 2],
      [1, 1, 0.5],
    ];
    const ht = [
      [1, 0.2, 0.2],
      [-0.4, 2, 1],
    ];
    const base = value(hs, ht);
    assert.ok(Math.abs(base - reference(hs, ht)) < 1e-6);
    assert.ok(
      Math.abs(
        value(
          hs.map((r) => r.map((v) => v * 40)),
          ht,
        ) - base,
      ) < 1e-6,
    );
    assert.ok(
      Math.abs(
        value(
          hs,
          ht.map((r) => r.map((v) => v * 0.05)),
        ) - base,
      ) < 1e-6,
    );
  });

  test('gradient matches finite differences and is orthogonal to hs', () => {
    const hs = [
      [0.3, -1, 2],
      [1, 1, 0.5],
    ];
    const ht = [
      [1, 0.2, 0.2],
      [-0.4, 2, 1],
    ];
    const grad = tf.tidy(() => {
      const t = tf.tensor2d(ht);
      return tf
        .grad((x: tf.Tensor) => cosineLoss(x as tf.Tensor2D, t))(tf.tensor2d(hs))
        .arraySync() as number[][];
    });
    hs.forEach((row, b) => {
      // Scale invariance makes the gradient perpendicular to hs.
      assert.ok(Math.abs(row.reduce((a, v, d) => a + v * grad[b][d], 0)) < 1e-6);
      row.forEach((_, d) => {
        const h = 1e-6;
        const plus = hs.map((r) => [...r]);
        const minus = hs.map((r) => [...r]);
        plus[b][d] += h;
        minus[b][d] -= h;
        const numeric = (reference(plus, ht) - reference(minus, ht)) / (2 * h);
        assert.ok(Math.abs(grad[b][d] - numeric) < 1e-5, `[${b}][${d}] ${grad[b][d]} vs ${numeric}`);
      });
    });
  });
});
