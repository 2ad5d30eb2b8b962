import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as core from '../../src/core';

// Each public loss on a case small enough to work out by hand; `kl` is KL([½,½] ‖ [¾,¼]) = ½·ln(4/3).
const kl = 0.5 * Math.log(4 / 3);
const ln3 = Math.log(3);
const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-5, `${what}: expected ${expected}, got ${actual}`);
const scalar = (loss: () => tf.Scalar) => tf.tidy(() => loss().dataSync()[0]);
const t2 = (rows: number[][]) => tf.tensor2d(rows);
const t4 = (rows: number[][]) => tf.tensor4d(rows.flat(), [1, 1, rows[0].length, 1]); // one sample, a 1×W map of one channel

const cases: Record<string, () => void> = {
  kdLoss: () => {
    close(
      scalar(() => core.kdLoss(t2([[ln3, 0]]), t2([[0, 0]]), 1)),
      kl,
      'T=1',
    );
    close(
      scalar(() => core.kdLoss(t2([[2 * ln3, 0]]), t2([[0, 0]]), 2)),
      4 * kl,
      'T=2 scales by T²',
    );
  },
  dkdLoss: () => {
    // Two classes: the non-target part has one class, so NCKD is 0 and TCKD is the whole KL.
    const labels = tf.tensor1d([0], 'int32');
    close(
      scalar(() => core.dkdLoss(t2([[ln3, 0]]), t2([[0, 0]]), labels, { alpha: 1, beta: 8, temperature: 1 })),
      kl,
      'TCKD',
    );
    close(
      scalar(() => core.dkdLoss(t2([[ln3, 0]]), t2([[0, 0]]), labels, { alpha: 0, beta: 8, temperature: 1 })),
      0,
      'NCKD of two classes',
    );
    labels.dispose();
  },
  attentionMap: () => {
    const map = tf.tidy(() => Array.from(core.attentionMap(t4([[3, 4]]), 1).dataSync()));
    close(map[0], 0.6, 'a[0]');
    close(map[1], 0.8, 'a[1]');
  },
  attentionTransferLoss: () =>
    close(
      scalar(() => core.attentionTransferLoss(t4([[3, 4]]), t4([[4, 3]]), 1)),
      0.04,
      'mean((0.6−0.8)², (0.8−0.6)²)',
    ),
  sadAttentionMap: () => {
    const map = tf.tidy(() => Array.from(core.sadAttentionMap(t4([[-3, 4]]), { fn: 'sum-p', p: 2 }).dataSync()));
    assert.deepEqual(map, [9, 16]);
  },
  sadLoss: () => {
    // Ψ of G=[0,0] is [½,½]; of G=[1,0] it is [e/(1+e), 1/(1+e)].
    const gap = Math.E / (1 + Math.E) - 0.5;
    close(
      scalar(() => core.sadLoss([t4([[0, 0]]), t4([[1, 0]])], { fn: 'sum', p: 2 })),
      gap * gap,
      'MSE of the spatial softmaxes',
    );
    close(
      scalar(() => core.sadLoss([t4([[1, 0]]), t4([[1, 0]])], { fn: 'sum', p: 2 })),
      0,
      'a block like the next',
    );
  },
  contrastLoss: () => {
    // K=1 negative of N=2 samples: noise K/N = ½; scores ½ each give −log(½/1) twice.
    close(
      scalar(() => core.contrastLoss(t2([[0.5, 0.5]]), 2)),
      2 * Math.LN2,
      'NCE',
    );
  },
  ContrastMemory: () => {
    const memory = new core.ContrastMemory({
      featDim: 2,
      nData: 2,
      k: 1,
      temperature: 1,
      momentum: 0.5,
      seed: 0,
      initial: {
        student: [
          [1, 0],
          [0, 1],
        ],
        teacher: [
          [1, 0],
          [0, 1],
        ],
      },
    });
    const [vS, vT] = [t2([[1, 0]]), t2([[0, 1]])];
    const { scoresS, scoresT } = memory.forward(vS, vT, Int32Array.from([0]), Int32Array.from([0, 1]));
    // exp(v·m/τ) over rows 0 and 1, divided by Z = mean·N fixed from this first batch.
    const e = Math.E;
    Array.from(scoresS.dataSync()).forEach((v, i) => close(v, [e / (e + 1), 1 / (e + 1)][i], `scoresS[${i}]`));
    Array.from(scoresT.dataSync()).forEach((v, i) => close(v, [1 / (e + 1), e / (e + 1)][i], `scoresT[${i}]`));
    // Row 0 of each bank moves to normalise(½m + ½v).
    const { student, teacher } = memory.memories();
    student[0].forEach((v, i) => close(v, [1, 0][i], `student bank [0][${i}]`));
    teacher[0].forEach((v, i) => close(v, Math.SQRT1_2, `teacher bank [0][${i}]`));
    tf.dispose([vS, vT, scoresS, scoresT]);
    memory.dispose();
  },
  dmlLoss: () =>
    close(
      scalar(() => core.dmlLoss([t2([[ln3, 0]]), t2([[0, 0]])], 0)),
      kl,
      'KL(p_1‖p_0)',
    ),
  hintLoss: () =>
    close(
      scalar(() => core.hintLoss(t2([[1, 2]]), t2([[1, 4]]))),
      2,
      'mean(0², 2²)',
    ),
  pkdLoss: () =>
    close(
      scalar(() => core.pkdLoss([t2([[3, 4]])], [t2([[8, 6]])])),
      0.04,
      'MSE of the normalised states',
    ),
  cosineLoss: () =>
    close(
      scalar(() => core.cosineLoss(t2([[1, 1]]), t2([[2, 0]]))),
      1 - Math.SQRT1_2,
      '1 − cos 45°',
    ),
  srrlLoss: () => {
    const { feature, sr } = tf.tidy(() => {
      const { featureLoss, softmaxRegressionLoss } = core.srrlLoss(t2([[1, 2]]), t2([[1, 4]]), (x) => tf.mul(x, 2) as tf.Tensor2D, t2([[2, 2]]));
      return { feature: featureLoss.dataSync()[0], sr: softmaxRegressionLoss.dataSync()[0] };
    });
    close(feature, 2, 'feature MSE');
    close(sr, 2, 'MSE([2,4], [2,2]) through the head');
  },
};

/** The names the README promises: "The loss functions are public (`src/core/index.ts`): `kdLoss`, …". */
function readmePublicLosses(): string[] {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const paragraph = /The loss functions are public[\s\S]*?\n\n/.exec(readme)?.[0] ?? '';
  return [...paragraph.matchAll(/`(\w+)`/g)].map((m) => m[1]);
}

describe('the engine’s public losses (src/core/index.ts)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('the README’s list of public losses is the list checked here', () => {
    assert.deepEqual(readmePublicLosses().sort(), Object.keys(cases).sort());
  });

  for (const [name, check] of Object.entries(cases)) {
    test(`${name} is exported and gives the hand-worked value`, () => {
      assert.equal(typeof (core as unknown as Record<string, unknown>)[name], 'function', `${name} is exported from src/core/index.ts`);
      const before = tf.memory().numTensors;
      check();
      assert.ok(tf.memory().numTensors <= before, `${name} keeps no tensors`);
    });
  }
});
