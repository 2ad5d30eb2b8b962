// The charts' smoothing: TensorBoard's exponential moving average, debiased by 1 − w^n.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRng } from '../../src/core/data/rng';
import { clampSmoothing, smoothEma } from '../../webview/smoothing';

const close = (actual: number[], expected: number[], tolerance = 1e-12) => {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])), `at ${i}: ${a} vs ${expected[i]}`));
};

describe('smoothing (TensorBoard’s debiased EMA)', () => {
  test('hand-computed: [1, 2, 3] at w = 0.5 is 1, 5/3, 17/7', () => {
    // m1 = 0.5·1 = 0.5, /(1 − 0.5) = 1; m2 = 0.25 + 1 = 1.25, /(1 − 0.25) = 5/3; m3 = 0.625 + 1.5 = 2.125, /(1 − 0.125) = 17/7.
    close(smoothEma([1, 2, 3], 0.5), [1, 5 / 3, 17 / 7]);
  });

  test('hand-computed: [4, 0, 2, 10] at w = 0.9 (TensorBoard’s default range)', () => {
    // m1 = 0.4 → 0.4/0.1 = 4; m2 = 0.36 → 0.36/0.19; m3 = 0.324 + 0.2 = 0.524 → 0.524/0.271; m4 = 0.4716 + 1 = 1.4716 → 1.4716/0.3439.
    close(smoothEma([4, 0, 2, 10], 0.9), [4, 0.36 / 0.19, 0.524 / 0.271, 1.4716 / 0.3439]);
  });

  test('the first point is itself at any weight (the debiasing), and w = 0 is the raw curve', () => {
    for (const w of [0, 0.3, 0.6, 0.99, 0.999]) assert.ok(Math.abs(smoothEma([7.25, 1], w)[0] - 7.25) < 1e-9, `w = ${w}`);
    const values = [3, 1, 4, 1, 5, 9, 2, 6];
    assert.deepEqual(smoothEma(values, 0), values);
  });

  test('equals the weighted mean Σ w^(n−i)·y_i / Σ w^(n−i) of the points so far', () => {
    const random = createRng(11);
    const values = Array.from({ length: 60 }, () => random() * 10 - 3);
    for (const w of [0.2, 0.6, 0.95]) {
      const expected = values.map((_, n) => {
        let numerator = 0;
        let denominator = 0;
        for (let i = 0; i <= n; i++) {
          numerator += w ** (n - i) * values[i];
          denominator += w ** (n - i);
        }
        return numerator / denominator;
      });
      close(smoothEma(values, w), expected, 1e-9);
    }
  });

  test('as TensorBoard: a constant series stays as it is; a non-finite point passes through and is not counted', () => {
    assert.deepEqual(smoothEma([2, 2, 2], 0.9), [2, 2, 2]);
    // [2, NaN, 4] at 0.5: m1 = 1 → 2; NaN; m2 = 0.5 + 2 = 2.5 over (1 − 0.5²) = 10/3.
    const smoothed = smoothEma([2, Number.NaN, 4], 0.5);
    close([smoothed[0], smoothed[2]], [2, 10 / 3]);
    assert.ok(Number.isNaN(smoothed[1]));
    assert.deepEqual(smoothEma([], 0.6), []);
  });

  test('the slider’s weight is kept in [0, 0.999]', () => {
    assert.equal(clampSmoothing(-1), 0);
    assert.equal(clampSmoothing(1), 0.999);
    assert.equal(clampSmoothing(0.42), 0.42);
    assert.equal(clampSmoothing(Number.NaN), 0.9);
  });
});
