import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { argmax, softmax, topK } from '../../webview/softmax';

const close = (a: number, b: number, tolerance = 1e-12) => assert.ok(Math.abs(a - b) < tolerance, `${a} vs ${b}`);

describe('soft targets at a temperature (the predictions slider)', () => {
  test('softmax(z/T) sums to one and matches exp(z_i/T)/Σexp(z_j/T)', () => {
    const z = [2, -1, 0.5, 3];
    for (const T of [0.5, 1, 4, 20]) {
      const p = softmax(z, T);
      close(
        p.reduce((a, b) => a + b, 0),
        1,
      );
      const denominator = z.reduce((s, v) => s + Math.exp(v / T), 0);
      p.forEach((pi, i) => close(pi, Math.exp(z[i] / T) / denominator));
    }
  });

  test('large logits do not overflow; a higher T is flatter and keeps the ranking', () => {
    const p = softmax([1000, 999, 0]);
    assert.ok(p.every(Number.isFinite));
    close(p[0] / p[1], Math.E, 1e-9);
    const sharp = softmax([3, 1, 0], 1);
    const soft = softmax([3, 1, 0], 10);
    assert.ok(soft[0] < sharp[0] && soft[2] > sharp[2]);
    assert.equal(argmax(soft), argmax(sharp));
  });

  test('top-k is the k largest, largest first, ties by class index', () => {
    assert.deepEqual(topK([0.1, 0.4, 0.1, 0.4], 3), [
      { index: 1, p: 0.4 },
      { index: 3, p: 0.4 },
      { index: 0, p: 0.1 },
    ]);
    assert.deepEqual(
      topK([0.5, 0.5], 5).map((t) => t.index),
      [0, 1],
    );
    assert.deepEqual(softmax([]), []);
  });
});
