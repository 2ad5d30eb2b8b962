import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { pkdLoss } from '../../src/core/distill/losses/pkd';

// Float64 reference, PKD-BERT's `patience_loss(normalized_patience=True)`: states stacked to
// [B, L, D], each [b, l, :] L2-normalised over D (F.normalize), then F.mse_loss over all B·L·D.
const normalise = (row: number[]) => row.map((v) => v / Math.max(Math.hypot(...row), 1e-12));
function reference(hs: number[][][], ht: number[][][]): number {
  const diffs = hs.flatMap((layer, l) =>
    layer.flatMap((row, b) => {
      const t = normalise(ht[l][b]);
      return normalise(row).map((v, d) => (v - t[d]) ** 2);
    }),
  );
  return diffs.reduce((a, v) => a + v, 0) / diffs.length;
}
const value = (hs: number[][][], ht: number[][][]) =>
  tf.tidy(
    () =>
      pkdLoss(
        hs.map((h) => tf.tensor2d(h)),
        ht.map((h) => tf.tensor2d(h)),
      ).dataSync()[0],
  );

const HS = [
  [
    [1, 2, -1],
    [0.5, 0, 3],
  ],
  [
    [-2, 1, 1],
    [1, 1, 0.2],
  ],
];
const HT = [
  [
    [2, -1, 0],
    [1, 1, 1],
  ],
  [
    [0.3, 0.3, -2],
    [4, 0, 1],
  ],
];

describe('pkdLoss', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('hand case: orthogonal unit rows give (1 + 1)/d; layers are averaged, not summed', () => {
    // normalise([3,0]) = [1,0], normalise([0,0.5]) = [0,1]: squared differences 1, 1 → mean 1.
    assert.ok(Math.abs(value([[[3, 0]]], [[[0, 0.5]]]) - 1) < 1e-6);
    // Two identical layers: the MSE over the stack is still 1 (a sum over layers would give 2).
    assert.ok(Math.abs(value([[[3, 0]], [[3, 0]]], [[[0, 0.5]], [[0, 0.5]]]) - 1) < 1e-6);
    // An orthogonal layer (MSE 1) and a matching one (MSE 0): (1 + 0)/2 = 0.5.
    assert.ok(Math.abs(value([[[3, 0]], [[2, 2]]], [[[0, 0.5]], [[1, 1]]]) - 0.5) < 1e-6);
  });

  test('invariant to positive per-sample scaling; zero when the states are proportional', () => {
    const scaled = HS.map((layer) => layer.map((row, b) => row.map((v) => v * (b === 0 ? 7 : 0.01))));
    assert.ok(Math.abs(value(HS, HT) - value(scaled, HT)) < 1e-6);
    assert.ok(value(HS, scaled) < 1e-10);
  });

  test('the MSE over the stacked layers: the mean of the per-layer MSEs, as the reference', () => {
    const total = value(HS, HT);
    assert.ok(Math.abs(total - (value([HS[0]], [HT[0]]) + value([HS[1]], [HT[1]])) / 2) < 1e-6);
    assert.ok(Math.abs(total - reference(HS, HT)) < 1e-6, `${total} vs ${reference(HS, HT)}`);
  });

  test('layers of different widths each count once', () => {
    // Layer 0 (d = 2): orthogonal, MSE (1 + 1)/2 = 1. Layer 1 (d = 4): [1,0,0,0] vs [0,1,0,0], MSE 2/4 = 0.5.
    assert.ok(Math.abs(value([[[1, 0]], [[2, 0, 0, 0]]], [[[0, 1]], [[0, 3, 0, 0]]]) - 0.75) < 1e-6);
  });

  test('gradient matches finite differences of the reference', () => {
    const grads = tf.tidy(() => {
      const ht = HT.map((h) => tf.tensor2d(h));
      return tf
        .grads((a: tf.Tensor, b: tf.Tensor) => pkdLoss([a as tf.Tensor2D, b as tf.Tensor2D], ht))(HS.map((h) => tf.tensor2d(h)))
        .map((g) => g.arraySync() as number[][]);
    });
    HS.forEach((layer, l) =>
      layer.forEach((row, b) =>
        row.forEach((_, d) => {
          const h = 1e-6;
          const plus = structuredClone(HS);
          const minus = structuredClone(HS);
          plus[l][b][d] += h;
          minus[l][b][d] -= h;
          const numeric = (reference(plus, HT) - reference(minus, HT)) / (2 * h);
          assert.ok(Math.abs(grads[l][b][d] - numeric) < 1e-5, `[${l}][${b}][${d}] ${grads[l][b][d]} vs ${numeric}`);
        }),
      ),
    );
  });

  test('rejects lists of different lengths', () => {
    assert.throws(() => pkdLoss([tf.zeros([1, 2]) as tf.Tensor2D], []), /as many/);
  });
});
