import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { initBackend } from '../../src/core/backend/select';
import { ContrastMemory } from '../../src/core/distill/contrast-memory';
import { contrastLoss } from '../../src/core/distill/losses/crd';
import { centralDifference, firstNormalizer, nceReferenceLoss } from '../support/crd-reference';
import { unitRows as unitRowsOf } from '../support/unit-rows';

const EPS = 1e-7;
function reference(scores: number[][], n: number): number {
  const c = (scores[0].length - 1) / n;
  const total = scores.reduce((acc, [pos, ...neg]) => acc + Math.log(pos / (pos + c + EPS)) + neg.reduce((a, s) => a + Math.log(c / (s + c + EPS)), 0), 0);
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
    const scores = [
      [0.5, 0.1, 0.2],
      [2.0, 0.05, 0.3],
    ];
    const { loss } = run(scores, 4);
    assert.ok(Math.abs(loss - (Math.log(2 * 1.2 * 1.4) + reference([scores[1]], 4)) / 2) < 1e-5);
    assert.ok(run([[1e4, 1e-8, 1e-8]], 1000).loss < 1e-3);
  });

  test('gradient is the closed form and matches finite differences', () => {
    const scores = [
      [0.8, 0.3, 0.05, 1.2],
      [0.1, 0.4, 0.2, 0.02],
    ];
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

// The whole CRD objective as the distiller forms it: memory scores (negatives from other classes)
// into contrastLoss, against a float64 computation of h = exp(v·m/τ)/Z and L, on cpu and wasm.
describe('CRD loss from the memory, end to end', () => {
  const N = 40;
  const D = 8;
  const K = 20; // ≤ 30 samples of other classes: distinct negatives
  const TAU = 0.07;
  const LABELS = Int32Array.from({ length: N }, (_, i) => i % 4);
  const IDX = Int32Array.from([5, 0, 39, 12, 21, 30]);
  const B = IDX.length;
  const unitRows = (rows: number, seed: number) => unitRowsOf(rows, D, seed);
  const VS = unitRows(B, 1);
  const VT = unitRows(B, 2);
  const SETTING = { nData: N, k: K, tau: TAU };

  for (const backend of ['cpu', 'wasm'] as const) {
    test(`value and gradients in vS, vT match float64 and finite differences (${backend})`, async () => {
      await initBackend(backend, () => {});
      const memory = new ContrastMemory({ featDim: D, nData: N, k: K, temperature: TAU, momentum: 0.5, seed: 4, labels: LABELS, initial: { student: unitRows(N, 3), teacher: unitRows(N, 5) } });
      const banks = memory.memories();
      const contrast = memory.drawContrastIndices(IDX);
      const rows = Array.from({ length: B }, (_, b) => Array.from(contrast.subarray(b * (K + 1), (b + 1) * (K + 1))));
      const { loss, grads } = tf.tidy(() => {
        const { value, grads: g } = tf.valueAndGrads((s: tf.Tensor, t: tf.Tensor) => {
          const { scoresS, scoresT } = memory.forward(s as tf.Tensor2D, t as tf.Tensor2D, IDX, contrast);
          return tf.add(contrastLoss(scoresS, N), contrastLoss(scoresT, N)) as tf.Scalar;
        })([tf.tensor2d(VS), tf.tensor2d(VT)]);
        return { loss: value.dataSync()[0], grads: g.map((x) => x.arraySync() as number[][]) };
      });
      const zS = firstNormalizer(VS, banks.teacher, rows, SETTING);
      const zT = firstNormalizer(VT, banks.student, rows, SETTING);
      const z = memory.normalizers()!;
      assert.ok(Math.abs(z.scoresS - zS) < 1e-5 * zS && Math.abs(z.scoresT - zT) < 1e-5 * zT, `${JSON.stringify(z)} vs ${zS}, ${zT}`);
      const want = nceReferenceLoss(VS, banks.teacher, rows, zS, SETTING) + nceReferenceLoss(VT, banks.student, rows, zT, SETTING);
      assert.ok(Math.abs(loss - want) < 1e-4 * Math.abs(want), `${loss} vs ${want}`);
      const sides = [
        { v: VS, bank: banks.teacher, zv: zS, got: grads[0], name: 'vS' },
        { v: VT, bank: banks.student, zv: zT, got: grads[1], name: 'vT' },
      ];
      for (const { v, bank, zv, got, name } of sides) {
        v.forEach((row, b) =>
          row.forEach((_, d) => {
            const numeric = centralDifference((w) => nceReferenceLoss(w, bank, rows, zv, SETTING), v, b, d);
            assert.ok(Math.abs(got[b][d] - numeric) < 1e-3 * Math.max(1, Math.abs(numeric)), `${name}[${b}][${d}]: ${got[b][d]} vs ${numeric}`);
          }),
        );
      }
      memory.dispose();
    });
  }
});
