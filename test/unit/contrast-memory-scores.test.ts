// ContrastMemory's scores come from one matmul of the bank against the batch and a pick of K+1
// entries per sample; checked here on cpu and on wasm (where training runs) against the former
// gather of a [B, K+1, featDim] tensor and a float64 computation, values and gradients.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { initBackend } from '../../src/core/backend/select';
import { ContrastMemory } from '../../src/core/distill/contrast-memory';
import { createRng } from '../../src/core/data/rng';
import { unitRows as unitRowsOf } from '../support/unit-rows';

const N = 60;
const D = 16;
const B = 5;
const K = N - 1; // uniform with replacement: rows repeat indices
const T = 0.1;

const unitRows = (rows: number, seed: number) => unitRowsOf(rows, D, seed);

const VS = unitRows(B, 1);
const VT = unitRows(B, 2);
const IDX = Int32Array.from([3, 17, 42, 0, 59]);
const dot = (a: number[], b: number[]) => a.reduce((s, x, d) => s + x * b[d], 0);

function fixture() {
  const memory = new ContrastMemory({ featDim: D, nData: N, k: K, temperature: T, momentum: 0.5, seed: 9, initial: { student: unitRows(N, 3), teacher: unitRows(N, 4) } });
  const banks = memory.memories(); // before forward() moves the batch's rows
  const contrast = memory.drawContrastIndices(IDX);
  const rows = Array.from({ length: B }, (_, b) => Array.from(contrast.subarray(b * (K + 1), (b + 1) * (K + 1))));
  return { memory, banks, contrast, rows };
}

/** exp(v_b·m_c/T) in float64 for the rows' indices. */
const rawScores = (v: number[][], bank: number[][], rows: number[][]) => rows.map((r, b) => r.map((c) => Math.exp(dot(v[b], bank[c]) / T)));
const meanTimesN = (raw: number[][]) => (raw.flat().reduce((s, x) => s + x, 0) / raw.flat().length) * N;

/** The former path: gather the rows into [B, K+1, D], then a batched matmul with v. */
function gatheredScores(v: number[][], bank: number[][], contrast: Int32Array): number[][] {
  return tf.tidy(() => {
    const weights = tf.reshape(tf.gather(tf.tensor2d(bank), tf.tensor1d(contrast, 'int32')), [B, K + 1, D]);
    const dots = tf.reshape(tf.matMul(weights, tf.reshape(tf.tensor2d(v), [B, D, 1])), [B, K + 1]);
    return tf.exp(tf.div(dots, T)).arraySync() as number[][];
  });
}

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
function assertClose(got: number[][], want: number[][], tol: number, what: string) {
  want.forEach((row, b) => row.forEach((x, j) => assert.ok(close(got[b][j], x, tol), `${what}[${b}][${j}]: ${got[b][j]} vs ${x}`)));
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`ContrastMemory scores without the [B, K+1, d] gather (${backend})`, () => {
    before(async () => {
      await initBackend(backend, () => {});
    });

    test('the fixture repeats indices within rows', () => {
      const { rows } = fixture();
      assert.ok(rows.some((r) => new Set(r).size < r.length));
    });

    test('scores and Z equal the former gathered path and a float64 computation', () => {
      const { memory, banks, contrast, rows } = fixture();
      const { scoresS, scoresT } = memory.forward(tf.tensor2d(VS), tf.tensor2d(VT), IDX, contrast);
      const z = memory.normalizers()!;
      const wantS = rawScores(VS, banks.teacher, rows);
      const wantT = rawScores(VT, banks.student, rows);
      assert.ok(close(z.scoresS, meanTimesN(wantS), 1e-5) && close(z.scoresT, meanTimesN(wantT), 1e-5), JSON.stringify(z));
      const gotS = (scoresS.arraySync() as number[][]).map((r) => r.map((x) => x * z.scoresS));
      const gotT = (scoresT.arraySync() as number[][]).map((r) => r.map((x) => x * z.scoresT));
      assertClose(gotS, wantS, 1e-5, 'scoresS vs float64');
      assertClose(gotT, wantT, 1e-5, 'scoresT vs float64');
      assertClose(gotS, gatheredScores(VS, banks.teacher, contrast), 1e-5, 'scoresS vs gathered');
      assertClose(gotT, gatheredScores(VT, banks.student, contrast), 1e-5, 'scoresT vs gathered');
      tf.dispose([scoresS, scoresT]);
      memory.dispose();
    });

    test('a second forward scores against the banks as the first one moved them', () => {
      const { memory } = fixture();
      const first = memory.forward(tf.tensor2d(VS), tf.tensor2d(VT), IDX, memory.drawContrastIndices(IDX));
      tf.dispose([first.scoresS, first.scoresT]);
      const z = memory.normalizers()!;
      const moved = memory.memories(); // the batch's rows have moved by momentum
      const idx = Int32Array.from([3, 5, 8, 13, 21]);
      const contrast = memory.drawContrastIndices(idx);
      const rows = Array.from({ length: B }, (_, b) => Array.from(contrast.subarray(b * (K + 1), (b + 1) * (K + 1))));
      const vS2 = unitRows(B, 31);
      const vT2 = unitRows(B, 32);
      const { scoresS, scoresT } = memory.forward(tf.tensor2d(vS2), tf.tensor2d(vT2), idx, contrast);
      assertClose(
        (scoresS.arraySync() as number[][]).map((r) => r.map((x) => x * z.scoresS)),
        rawScores(vS2, moved.teacher, rows),
        1e-5,
        'second scoresS vs float64 on the moved bank',
      );
      assertClose(
        (scoresT.arraySync() as number[][]).map((r) => r.map((x) => x * z.scoresT)),
        rawScores(vT2, moved.student, rows),
        1e-5,
        'second scoresT vs float64 on the moved bank',
      );
      tf.dispose([scoresS, scoresT]);
      memory.dispose();
    });

    test('gradients in vS and vT: the closed form Σ_j w_bj·h_bj·m_j/T, matching float64 finite differences', () => {
      const { memory, banks, contrast, rows } = fixture();
      const rng = createRng(21);
      const wS = rows.map((r) => r.map(() => 2 * rng() - 1));
      const wT = rows.map((r) => r.map(() => 2 * rng() - 1));
      const grads = tf.tidy(() =>
        tf
          .grads((s: tf.Tensor, t: tf.Tensor) => {
            const out = memory.forward(s as tf.Tensor2D, t as tf.Tensor2D, IDX, contrast);
            return tf.add(tf.sum(tf.mul(out.scoresS, tf.tensor2d(wS))), tf.sum(tf.mul(out.scoresT, tf.tensor2d(wT))));
          })([tf.tensor2d(VS), tf.tensor2d(VT)])
          .map((g) => g.arraySync() as number[][]),
      );
      const z = memory.normalizers()!;
      // Z is a constant of the step (set by the first forward), as in RepDistiller.
      const objective = (v: number[][], bank: number[][], w: number[][], zv: number) => rawScores(v, bank, rows).reduce((acc, r, b) => acc + r.reduce((a, h, j) => a + (w[b][j] * h) / zv, 0), 0);
      const cases = [
        { v: VS, bank: banks.teacher, w: wS, zv: z.scoresS, got: grads[0], name: 'vS' },
        { v: VT, bank: banks.student, w: wT, zv: z.scoresT, got: grads[1], name: 'vT' },
      ];
      for (const { v, bank, w, zv, got, name } of cases) {
        const raw = rawScores(v, bank, rows);
        v.forEach((row, b) =>
          row.forEach((_, d) => {
            const closed = rows[b].reduce((a, c, j) => a + (w[b][j] * raw[b][j] * bank[c][d]) / (zv * T), 0);
            const h = 1e-6;
            const shifted = (delta: number) => v.map((r, i) => r.map((x, e) => (i === b && e === d ? x + delta : x)));
            const numeric = (objective(shifted(h), bank, w, zv) - objective(shifted(-h), bank, w, zv)) / (2 * h);
            assert.ok(close(numeric, closed, 1e-5), `${name}[${b}][${d}] float64: ${numeric} vs ${closed}`);
            assert.ok(close(got[b][d], closed, 1e-4), `${name}[${b}][${d}]: ${got[b][d]} vs ${closed}`);
          }),
        );
      }
      memory.dispose();
    });

    test('forward and backward leave no tensors behind', () => {
      const { memory, contrast } = fixture();
      const vS = tf.tensor2d(VS);
      const vT = tf.tensor2d(VT);
      const count = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        tf.tidy(() => {
          tf.grads((s: tf.Tensor, t: tf.Tensor) => {
            const out = memory.forward(s as tf.Tensor2D, t as tf.Tensor2D, IDX, contrast);
            return tf.add(tf.sum(out.scoresS), tf.sum(out.scoresT));
          })([vS, vT]);
        });
      }
      assert.equal(tf.memory().numTensors, count);
      tf.dispose([vS, vT]);
      memory.dispose();
    });
  });
}
