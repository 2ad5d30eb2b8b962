import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { softCrossEntropy, type SoftCrossEntropyReduction } from '../../src/core/distill/losses/soft-cross-entropy';

// Float64 reference: −p_t · log q_s with p_t = softmax(zt/T), q_s = softmax(zs/T), per element;
// 'mean' averages over batch × classes (TinyBERT's `soft_cross_entropy`), 'batchmean' sums over
// classes and averages over the batch.
const softmax = (z: number[]) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / s);
};
function reference(zs: number[][], zt: number[][], T: number, reduction: SoftCrossEntropyReduction): number {
  const terms = zs.map((row, b) => {
    const p = softmax(zt[b].map((v) => v / T));
    const q = softmax(row.map((v) => v / T));
    return p.map((pc, c) => -pc * Math.log(q[c]));
  });
  const total = terms.flat().reduce((a, v) => a + v, 0);
  return reduction === 'mean' ? total / terms.flat().length : total / terms.length;
}
const value = (zs: number[][], zt: number[][], T: number, reduction?: SoftCrossEntropyReduction) => tf.tidy(() => softCrossEntropy(tf.tensor2d(zs), tf.tensor2d(zt), T, reduction).dataSync()[0]);

const ZS = [
  [0.3, -1.2, 2.0, 0.1],
  [1.5, 0.2, -0.7, 0.9],
  [-0.4, 0.8, 0.0, -2.1],
];
const ZT = [
  [1.0, 0.5, -0.3, 2.2],
  [0.1, -1.0, 1.7, 0.4],
  [2.5, 0.3, -0.8, 0.6],
];

describe('softCrossEntropy', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test("hand case: 'mean' averages over batch × classes, the default sums over classes", () => {
    // Student logits equal: q = [1/2, 1/2]; Σ_c −p_c·log q_c = ln 2 whatever p. Per element over
    // 2 classes: ln 2 / 2.
    assert.ok(Math.abs(value([[0, 0]], [[Math.log(3), 0]], 1, 'mean') - Math.LN2 / 2) < 1e-6);
    assert.ok(Math.abs(value([[0, 0]], [[Math.log(3), 0]], 1) - Math.LN2) < 1e-6);
    // Teacher p = [3/4, 1/4], student q = [1/4, 3/4] (logits 0, ln 3):
    // −(3/4·ln(1/4) + 1/4·ln(3/4)) = 1.0397207708…; over 2 classes: 0.5198603854…
    const expected = -(0.75 * Math.log(0.25) + 0.25 * Math.log(0.75));
    assert.ok(Math.abs(value([[0, Math.log(3)]], [[Math.log(3), 0]], 1, 'mean') - expected / 2) < 1e-6);
  });

  test('matches the reference at T = 1 and T = 2 for both reductions; the default is unchanged', () => {
    for (const T of [1, 2]) {
      for (const reduction of ['mean', 'batchmean'] as const) {
        const got = value(ZS, ZT, T, reduction);
        const want = reference(ZS, ZT, T, reduction);
        assert.ok(Math.abs(got - want) < 1e-6 * Math.max(1, want), `T=${T} ${reduction}: ${got} vs ${want}`);
      }
      assert.equal(value(ZS, ZT, T), value(ZS, ZT, T, 'batchmean'));
    }
  });

  test("gradient of 'mean' with respect to the student logits matches finite differences of the reference", () => {
    const T = 2;
    const grad = tf.tidy(
      () =>
        tf
          .grad((zs: tf.Tensor) => softCrossEntropy(zs as tf.Tensor2D, tf.tensor2d(ZT), T, 'mean'))(tf.tensor2d(ZS))
          .arraySync() as number[][],
    );
    ZS.forEach((row, b) =>
      row.forEach((_, c) => {
        const h = 1e-6;
        const plus = structuredClone(ZS);
        const minus = structuredClone(ZS);
        plus[b][c] += h;
        minus[b][c] -= h;
        const numeric = (reference(plus, ZT, T, 'mean') - reference(minus, ZT, T, 'mean')) / (2 * h);
        assert.ok(Math.abs(grad[b][c] - numeric) < 1e-6, `[${b}][${c}] ${grad[b][c]} vs ${numeric}`);
        // Closed form: (q − p)/(T·B·C).
        const closed = (softmax(row.map((v) => v / T))[c] - softmax(ZT[b].map((v) => v / T))[c]) / (T * ZS.length * row.length);
        assert.ok(Math.abs(grad[b][c] - closed) < 1e-6, `[${b}][${c}] ${grad[b][c]} vs ${closed}`);
      }),
    );
  });
});
