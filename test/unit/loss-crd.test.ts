import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { contrastLoss } from '../../src/core/distill/losses/crd';

const EPS = 1e-7;
function reference(scores: number[][], n: number): number {
  const c = (scores[0].length - 1) / n;
  const total = scores.reduce(
    (acc, [pos, ...neg]) => acc + Math.log(pos / (pos + c + EPS)) + neg.reduce((a, s) => a + Math.log(c / (s + c + EPS)), 0),
    0,
  );
  return -total / scores.length;
}

function run(scores: number[][], n: number) {
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads((s: tf.Tensor) => contrastLoss(s as tf.Tensor2D, n))([tf.tensor2d(scores)]);
    return { loss: value.dataSync()[0], grad: grads[0].arraySync() as number[][] };
  });
}

describe('contrastLoss', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('hand case: B = 1, K = 2, N = 4', () => {
    // K/N = 0.5: −[ln(0.5/1.0) + ln(0.5/0.6) + ln(0.5/0.7)] = ln 2 + ln 1.2 + ln 1.4 (ε aside).
    const { loss } = run([[0.5, 0.1, 0.2]], 4);
    assert.ok(Math.abs(loss - Math.log(2 * 1.2 * 1.4)) < 1e-5, `${loss}`);
  });

  test('ε matters when K/N is tiny: zero negatives with K/N = ε cost ln 2 each', () => {
    // N = 2·10⁷, K = 2 → K/N = 10⁻⁷ = ε: −ln(10⁻⁷/(0 + 10⁻⁷ + 10⁻⁷)) = ln 2 per negative.
    const { loss } = run([[1, 0, 0]], 2e7);
    assert.ok(Math.abs(loss - 2 * Math.log(2)) < 1e-4, `${loss}`);
  });

  test('averages over the batch; a confident positive and tiny negatives give a loss near 0', () => {
    const scores = [[0.5, 0.1, 0.2], [2.0, 0.05, 0.3]];
    const { loss } = run(scores, 4);
    assert.ok(Math.abs(loss - (Math.log(2 * 1.2 * 1.4) + reference([scores[1]], 4)) / 2) < 1e-5);
    assert.ok(run([[1e4, 1e-8, 1e-8]], 1000).loss < 1e-3);
  });

  test('gradient is the closed form and matches finite differences', () => {
    const scores = [[0.8, 0.3, 0.05, 1.2], [0.1, 0.4, 0.2, 0.02]];
    const n = 10;
    const c = 3 / n;
    const { loss, grad } = run(scores, n);
    assert.ok(Math.abs(loss - reference(scores, n)) < 1e-5);
    scores.forEach((row, b) =>
      row.forEach((s, j) => {
        // d/ds⁺ −ln(s/(s+c+ε)) = 1/(s+c+ε) − 1/s;  d/ds⁻ −ln(c/(s+c+ε)) = 1/(s+c+ε).
        const closed = (j === 0 ? 1 / (s + c + EPS) - 1 / s : 1 / (s + c + EPS)) / scores.length;
        assert.ok(Math.abs(grad[b][j] - closed) < 1e-4 * Math.max(1, Math.abs(closed)), `[${b}][${j}] ${grad[b][j]} vs ${closed}`);
        const h = 1e-6;
        const plus = scores.map((r) => [...r]);
        const minus = scores.map((r) => [...r]);
        plus[b][j] += h;
        minus[b][j] -= h;
        const numeric = (reference(plus, n) - reference(minus, n)) / (2 * h);
        assert.ok(Math.abs(numeric - closed) < 1e-4 * Math.max(1, Math.abs(closed)));
      }),
    );
  });
});
