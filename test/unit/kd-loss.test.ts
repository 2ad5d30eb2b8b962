import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { kdLoss } from '../../src/core';

// Independent float64 reference: softmax, KL and the closed-form gradient T·(q − p)/B.
function softmax(row: number[], t: number): number[] {
  const m = Math.max(...row.map((v) => v / t));
  const e = row.map((v) => Math.exp(v / t - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
function referenceKd(zs: number[][], zt: number[][], t: number): number {
  return (
    (t *
      t *
      zs.reduce((sum, row, i) => {
        const p = softmax(zt[i], t);
        const q = softmax(row, t);
        return sum + p.reduce((acc, pi, c) => acc + pi * Math.log(pi / q[c]), 0);
      }, 0)) /
    zs.length
  );
}

function lossAndGrad(zs: number[][], zt: number[][], t: number): { loss: number; grad: number[][] } {
  return tf.tidy(() => {
    const teacher = tf.tensor2d(zt);
    const { value, grads } = tf.valueAndGrads((s: tf.Tensor) => kdLoss(s as tf.Tensor2D, teacher, t))([tf.tensor2d(zs)]);
    return { loss: value.dataSync()[0], grad: grads[0].arraySync() as number[][] };
  });
}

describe('kdLoss', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('is zero when the student matches the teacher, at any temperature', () => {
    const z = [
      [1.5, -0.3, 2.2],
      [0, 4, -1],
    ];
    for (const t of [1, 4, 10]) assert.ok(Math.abs(lossAndGrad(z, z, t).loss) < 1e-6, `T=${t}`);
  });

  test('two classes: equals T²·KL of two Bernoullis in closed form', () => {
    // zs = [a, 0], zt = [b, 0]: p = σ(b/T), q = σ(a/T).
    const a = 1.2;
    const b = -0.7;
    const t = 2;
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    const p = sigmoid(b / t);
    const q = sigmoid(a / t);
    const expected = t * t * (p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q)));
    const { loss } = lossAndGrad([[a, 0]], [[b, 0]], t);
    assert.ok(Math.abs(loss - expected) < 1e-5, `${loss} vs ${expected}`);
  });

  test('sums over classes and averages over the batch', () => {
    const zs = [
      [0.1, 0.5, -1, 2],
      [3, 0, 0, 1],
      [-2, -1, 0, 1],
    ];
    const zt = [
      [1, 0, 0, 0],
      [0, 2, 1, 0],
      [0.5, 0.5, -3, 2],
    ];
    const { loss } = lossAndGrad(zs, zt, 4);
    const expected = referenceKd(zs, zt, 4);
    assert.ok(Math.abs(loss - expected) < 1e-5 * Math.max(1, expected), `${loss} vs ${expected}`);
  });

  test('gradient is T·(q − p)/B and matches finite differences', () => {
    const zs = [
      [0.3, -1.1, 2.0],
      [1.0, 0.2, -0.4],
    ];
    const zt = [
      [2.0, 0.5, -1.0],
      [-0.5, 1.5, 0.7],
    ];
    const t = 3;
    const { grad } = lossAndGrad(zs, zt, t);
    zs.forEach((row, i) => {
      const p = softmax(zt[i], t);
      const q = softmax(row, t);
      row.forEach((_, c) => {
        const analytic = (t * (q[c] - p[c])) / zs.length;
        assert.ok(Math.abs(grad[i][c] - analytic) < 1e-5, `closed form [${i}][${c}]: ${grad[i][c]} vs ${analytic}`);
        const h = 1e-4;
        const plus = zs.map((r) => [...r]);
        const minus = zs.map((r) => [...r]);
        plus[i][c] += h;
        minus[i][c] -= h;
        const numeric = (referenceKd(plus, zt, t) - referenceKd(minus, zt, t)) / (2 * h);
        assert.ok(Math.abs(grad[i][c] - numeric) < 1e-4, `finite difference [${i}][${c}]: ${grad[i][c]} vs ${numeric}`);
      });
    });
  });

  test('T² keeps the gradient scale across temperatures', () => {
    // For small logits, T·(q − p) tends to (zs − zt)/C (centred): independent of T. Without the
    // T² factor the gradient would shrink as 1/T², a factor 16 between T=2 and T=8.
    const zs = [[0.2, -0.1, 0.05, -0.15]];
    const zt = [[-0.1, 0.2, 0.0, -0.1]];
    const norm = (g: number[][]) => Math.hypot(...g.flat());
    const g2 = norm(lossAndGrad(zs, zt, 2).grad);
    const g8 = norm(lossAndGrad(zs, zt, 8).grad);
    assert.ok(Math.abs(g2 / g8 - 1) < 0.05, `gradient norms ${g2} (T=2) and ${g8} (T=8) should be close`);
  });
});
