import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { kdLoss } from '../../src/core/distill/losses';
import { dkdLoss } from '../../src/core/distill/losses/dkd';

// Float64 reference written from mdistiller's dkd_loss: binary [p_gt, 1 − p_gt] KL for TCKD; for
// NCKD, logits/T − 1000 at the ground truth; KL summed, divided by B, times T².
function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
function kl(p: number[], q: number[]): number {
  return p.reduce((acc, pi, c) => (pi === 0 ? acc : acc + pi * Math.log(pi / q[c])), 0);
}
function referenceParts(zs: number[][], zt: number[][], y: number[], t: number): { tckd: number; nckd: number } {
  let tckd = 0;
  let nckd = 0;
  zs.forEach((row, i) => {
    const g = y[i];
    const ps = softmax(row.map((v) => v / t));
    const pt = softmax(zt[i].map((v) => v / t));
    tckd += kl([pt[g], 1 - pt[g]], [ps[g], 1 - ps[g]]);
    const ps2 = softmax(row.map((v, c) => v / t - (c === g ? 1000 : 0)));
    const pt2 = softmax(zt[i].map((v, c) => v / t - (c === g ? 1000 : 0)));
    nckd += kl(pt2, ps2);
  });
  return { tckd: (tckd * t * t) / zs.length, nckd: (nckd * t * t) / zs.length };
}
function reference(zs: number[][], zt: number[][], y: number[], alpha: number, beta: number, t: number): number {
  const { tckd, nckd } = referenceParts(zs, zt, y, t);
  return alpha * tckd + beta * nckd;
}

function run(zs: number[][], zt: number[][], y: number[], alpha: number, beta: number, t: number) {
  return tf.tidy(() => {
    const teacher = tf.tensor2d(zt);
    const labels = tf.tensor1d(y, 'int32');
    const f = (s: tf.Tensor) => dkdLoss(s as tf.Tensor2D, teacher, labels, { alpha, beta, temperature: t });
    const { value, grads } = tf.valueAndGrads(f)([tf.tensor2d(zs)]);
    return { loss: value.dataSync()[0], grad: grads[0].arraySync() as number[][] };
  });
}

describe('dkdLoss', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('3-class hand case: TCKD and NCKD as written out by hand', () => {
    // One sample, T = 1, ground truth class 0. zs = [0, ln 2, 0] → ps = [1/4, 1/2, 1/4];
    // zt = [ln 2, 0, 0] → pt = [1/2, 1/4, 1/4].
    // TCKD = KL([1/2, 1/2] ‖ [1/4, 3/4]) = ½ln2 + ½ln(2/3).
    // Non-target: p̂t = [1/2, 1/2], p̂s = [2/3, 1/3]: NCKD = ½ln(3/4) + ½ln(3/2).
    const tckd = 0.5 * Math.log(2) + 0.5 * Math.log(2 / 3);
    const nckd = 0.5 * Math.log(3 / 4) + 0.5 * Math.log(3 / 2);
    const zs = [[0, Math.log(2), 0]];
    const zt = [[Math.log(2), 0, 0]];
    assert.ok(Math.abs(run(zs, zt, [0], 1, 0, 1).loss - tckd) < 1e-6);
    assert.ok(Math.abs(run(zs, zt, [0], 0, 1, 1).loss - nckd) < 1e-6);
    assert.ok(Math.abs(run(zs, zt, [0], 1, 8, 1).loss - (tckd + 8 * nckd)) < 1e-5);
  });

  test('matches the float64 mdistiller formula on a batch, with T² and /B', () => {
    const zs = [
      [1.2, -0.4, 0.3],
      [0.5, 2.0, -1.0],
      [-0.3, 0.1, 0.9],
    ];
    const zt = [
      [2.5, 0.1, -0.7],
      [0.0, 3.0, 0.4],
      [1.0, -1.0, 2.0],
    ];
    const y = [0, 1, 2];
    for (const t of [1, 4]) {
      const expected = reference(zs, zt, y, 1, 8, t);
      const { loss } = run(zs, zt, y, 1, 8, t);
      assert.ok(Math.abs(loss - expected) < 1e-5 * Math.max(1, expected), `T=${t}: ${loss} vs ${expected}`);
    }
  });

  test('TCKD + (1 − p_t^gt)·NCKD equals KD (the paper’s decomposition), one sample', () => {
    const zs = [[0.7, -1.3, 0.2, 1.1]];
    const zt = [[1.9, 0.3, -0.5, 0.8]];
    const t = 3;
    const y = 2;
    const { tckd, nckd } = referenceParts(zs, zt, [y], t);
    const ptGt = softmax(zt[0].map((v) => v / t))[y];
    const kd = tf.tidy(() => kdLoss(tf.tensor2d(zs), tf.tensor2d(zt), t).dataSync()[0]);
    assert.ok(Math.abs(tckd + (1 - ptGt) * nckd - kd) < 1e-5, `${tckd + (1 - ptGt) * nckd} vs ${kd}`);
    const tf1 = run(zs, zt, [y], 1, 0, t).loss;
    const tf2 = run(zs, zt, [y], 0, 1, t).loss;
    assert.ok(Math.abs(tf1 + (1 - ptGt) * tf2 - kd) < 1e-5);
  });

  test('is zero when the student equals the teacher; finite with extreme teacher logits', () => {
    const z = [
      [3, -1, 0.5],
      [0, 0, 0],
    ];
    assert.ok(Math.abs(run(z, z, [0, 2], 1, 8, 4).loss) < 1e-6);
    const { loss, grad } = run([[1, 0, 0]], [[200, 0, 0]], [0], 1, 8, 1);
    assert.ok(Number.isFinite(loss) && grad.flat().every(Number.isFinite), `${loss}`);
  });

  test('gradient matches finite differences of the float64 reference', () => {
    const zs = [
      [0.3, -1.1, 2.0],
      [1.0, 0.2, -0.4],
    ];
    const zt = [
      [2.0, 0.5, -1.0],
      [-0.5, 1.5, 0.7],
    ];
    const y = [0, 2];
    const t = 2;
    const { grad } = run(zs, zt, y, 1, 8, t);
    const h = 1e-5;
    zs.forEach((row, i) =>
      row.forEach((_, c) => {
        const plus = zs.map((r) => [...r]);
        const minus = zs.map((r) => [...r]);
        plus[i][c] += h;
        minus[i][c] -= h;
        const numeric = (reference(plus, zt, y, 1, 8, t) - reference(minus, zt, y, 1, 8, t)) / (2 * h);
        assert.ok(Math.abs(grad[i][c] - numeric) < 1e-4, `[${i}][${c}]: ${grad[i][c]} vs ${numeric}`);
      }),
    );
  });
});
