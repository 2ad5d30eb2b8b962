// ContrastMemory.nceLosses: CRD's two NCE losses from counts of negatives over the whole bank,
// the distiller's path. Checked on cpu and wasm against the loss written out in float64 from
// RepDistiller's NCECriterion over the drawn rows (Z fixed by the first batch), its gradients
// against float64 finite differences, and its draws and bank updates against forward()'s.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { initBackend } from '../../src/core/backend/select';
import { ContrastMemory } from '../../src/core/distill/contrast-memory';
import { contrastLoss } from '../../src/core/distill/losses/crd';
import { centralDifference, firstNormalizer, nceReferenceLoss } from '../support/crd-reference';
import { unitRows as unitRowsOf } from '../support/unit-rows';

const N = 40;
const D = 8;
const TAU = 0.07;
const LABELS = Int32Array.from({ length: N }, (_, i) => i % 4); // 30 samples of other classes per anchor
const IDX = Int32Array.from([5, 0, 39, 12, 21, 30]);
const B = IDX.length;
const unitRows = (rows: number, seed: number) => unitRowsOf(rows, D, seed);
const VS = unitRows(B, 1);
const VT = unitRows(B, 2);

const setting = (k: number) => ({ nData: N, k, tau: TAU });

const memoryWith = (k: number) =>
  new ContrastMemory({ featDim: D, nData: N, k, temperature: TAU, momentum: 0.5, seed: 4, labels: LABELS, initial: { student: unitRows(N, 3), teacher: unitRows(N, 5) } });
const rowsOf = (contrast: Int32Array, k: number) => Array.from({ length: contrast.length / (k + 1) }, (_, b) => Array.from(contrast.subarray(b * (k + 1), (b + 1) * (k + 1))));

function lossesAndGrads(memory: ContrastMemory, vS: number[][], vT: number[][], idx: Int32Array, contrast?: Int32Array) {
  return tf.tidy(() => {
    let parts: number[] = [];
    const { value, grads } = tf.valueAndGrads((s: tf.Tensor, t: tf.Tensor) => {
      const { lossS, lossT } = memory.nceLosses(s as tf.Tensor2D, t as tf.Tensor2D, idx, { contrastIdx: contrast });
      parts = [lossS.dataSync()[0], lossT.dataSync()[0]];
      return tf.add(lossS, lossT) as tf.Scalar;
    })([tf.tensor2d(vS), tf.tensor2d(vT)]);
    return { total: value.dataSync()[0], parts, grads: grads.map((g) => g.arraySync() as number[][]) };
  });
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`ContrastMemory.nceLosses (${backend})`, () => {
    before(async () => {
      await initBackend(backend, () => {});
    });

    // K = 20 fits the 30 samples of other classes: distinct negatives. K = 39 = N − 1 does not:
    // drawn with replacement, so a row counts some negatives twice.
    for (const k of [20, N - 1]) {
      test(`K = ${k}: both losses, Z and the gradients in vS and vT match float64 and its finite differences`, () => {
        const memory = memoryWith(k);
        const banks = memory.memories();
        const contrast = memory.drawContrastIndices(IDX);
        const rows = rowsOf(contrast, k);
        if (k === N - 1)
          assert.ok(
            rows.some((r) => new Set(r).size < r.length),
            'the fixture repeats negatives within a row',
          );
        const { parts, grads } = lossesAndGrads(memory, VS, VT, IDX, contrast);
        const zS = firstNormalizer(VS, banks.teacher, rows, setting(k));
        const zT = firstNormalizer(VT, banks.student, rows, setting(k));
        const z = memory.normalizers()!;
        assert.ok(Math.abs(z.scoresS - zS) < 1e-5 * zS && Math.abs(z.scoresT - zT) < 1e-5 * zT, `${JSON.stringify(z)} vs ${zS}, ${zT}`);
        const wantS = nceReferenceLoss(VS, banks.teacher, rows, zS, setting(k));
        const wantT = nceReferenceLoss(VT, banks.student, rows, zT, setting(k));
        assert.ok(Math.abs(parts[0] - wantS) < 1e-4 * Math.abs(wantS), `lossS ${parts[0]} vs ${wantS}`);
        assert.ok(Math.abs(parts[1] - wantT) < 1e-4 * Math.abs(wantT), `lossT ${parts[1]} vs ${wantT}`);
        const sides = [
          { v: VS, bank: banks.teacher, zv: zS, got: grads[0], name: 'vS' },
          { v: VT, bank: banks.student, zv: zT, got: grads[1], name: 'vT' },
        ];
        for (const { v, bank, zv, got, name } of sides) {
          v.forEach((row, b) =>
            row.forEach((_, d) => {
              const numeric = centralDifference((w) => nceReferenceLoss(w, bank, rows, zv, setting(k)), v, b, d);
              assert.ok(Math.abs(got[b][d] - numeric) < 1e-3 * Math.max(1, Math.abs(numeric)), `${name}[${b}][${d}]: ${got[b][d]} vs ${numeric}`);
            }),
          );
        }
        memory.dispose();
      });
    }

    test('drawn internally, the negatives come from the memory’s own stream; over steps the losses follow forward() + contrastLoss() as the banks move', () => {
      const k = N - 1;
      const viaForward = memoryWith(k);
      const internal = memoryWith(k);
      const batches = [IDX, Int32Array.from([1, 2, 3, 4, 6, 7]), Int32Array.from([39, 38, 10, 11, 12, 13])];
      batches.forEach((idx, step) => {
        const vS = unitRows(B, 10 + step);
        const vT = unitRows(B, 20 + step);
        const expected = tf.tidy(() => {
          const { value, grads } = tf.valueAndGrads((s: tf.Tensor, t: tf.Tensor) => {
            const { scoresS, scoresT } = viaForward.forward(s as tf.Tensor2D, t as tf.Tensor2D, idx, viaForward.drawContrastIndices(idx));
            return tf.add(contrastLoss(scoresS, N), contrastLoss(scoresT, N)) as tf.Scalar;
          })([tf.tensor2d(vS), tf.tensor2d(vT)]);
          return { total: value.dataSync()[0], grads: grads.map((g) => g.arraySync() as number[][]) };
        });
        const got = lossesAndGrads(internal, vS, vT, idx);
        assert.ok(Math.abs(got.total - expected.total) < 1e-4 * Math.abs(expected.total), `step ${step}: ${got.total} vs ${expected.total}`);
        got.grads.forEach((g, side) =>
          g.forEach((row, b) => row.forEach((x, d) => assert.ok(Math.abs(x - expected.grads[side][b][d]) < 1e-3 * Math.max(1, Math.abs(x)), `step ${step} grad ${side}[${b}][${d}]`))),
        );
      });
      const a = viaForward.memories();
      const b = internal.memories();
      a.student.forEach((row, r) => row.forEach((x, d) => assert.ok(Math.abs(x - b.student[r][d]) < 1e-5, `student bank [${r}][${d}]`)));
      a.teacher.forEach((row, r) => row.forEach((x, d) => assert.ok(Math.abs(x - b.teacher[r][d]) < 1e-5, `teacher bank [${r}][${d}]`)));
      viaForward.dispose();
      internal.dispose();
    });

    test('the gradient must be taken before the banks move, and no tensors are left behind', () => {
      const memory = memoryWith(N - 1);
      const vS = tf.tensor2d(VS);
      const vT = tf.tensor2d(VT);
      const count = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        tf.tidy(() => {
          tf.grads((s: tf.Tensor, t: tf.Tensor) => {
            const { lossS, lossT } = memory.nceLosses(s as tf.Tensor2D, t as tf.Tensor2D, IDX);
            return tf.add(lossS, lossT);
          })([vS, vT]);
        });
      }
      assert.equal(tf.memory().numTensors, count);
      const twice = () =>
        tf.tidy(() => {
          tf.grads((s: tf.Tensor, t: tf.Tensor) => {
            const first = memory.nceLosses(s as tf.Tensor2D, t as tf.Tensor2D, IDX);
            const second = memory.nceLosses(s as tf.Tensor2D, t as tf.Tensor2D, IDX);
            return tf.add(first.lossS, second.lossS);
          })([vS, vT]);
        });
      assert.throws(twice, /banks moved .* before this forward's gradient was taken/);
      tf.dispose([vS, vT]);
      memory.dispose();
    });
  });
}
