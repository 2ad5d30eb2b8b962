import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { srrlLoss } from '../../src/core/distill/losses/srrl';

// A linear teacher head z = xW + b, 3 features → 2 classes.
const W = [
  [1, -0.5],
  [0.2, 0.3],
  [-1, 2],
];
const BIAS = [0.1, -0.2];
const head = (x: number[]) => BIAS.map((bk, k) => bk + x.reduce((a, v, d) => a + v * W[d][k], 0));
const mse = (a: number[][], b: number[][]) => a.flat().reduce((s, v, k) => s + (v - b.flat()[k]) ** 2, 0) / a.flat().length;

const FS = [
  [0.5, -1, 0.2],
  [1.5, 0.3, -0.7],
];
const FT = [
  [0.4, -0.8, 0.0],
  [1.0, 0.0, -1.0],
];
const ZT = [
  [0.9, -1.5],
  [2.0, 0.5],
];

describe('srrlLoss', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('feature and softmax-regression losses are the two MSEs', () => {
    const { featureLoss, softmaxRegressionLoss } = tf.tidy(() => {
      const w = tf.tensor2d(W);
      const b = tf.tensor1d(BIAS);
      const out = srrlLoss(tf.tensor2d(FS), tf.tensor2d(FT), (x) => tf.add(tf.matMul(x, w), b), tf.tensor2d(ZT));
      return { featureLoss: out.featureLoss.dataSync()[0], softmaxRegressionLoss: out.softmaxRegressionLoss.dataSync()[0] };
    });
    assert.ok(Math.abs(featureLoss - mse(FS, FT)) < 1e-6);
    assert.ok(Math.abs(softmaxRegressionLoss - mse(FS.map(head), ZT)) < 1e-6);
    // By hand: FS − FT = [0.1, −0.2, 0.2], [0.5, 0.3, 0.3] → (0.01 + 0.04 + 0.04 + 0.25 + 0.09 + 0.09)/6.
    assert.ok(Math.abs(featureLoss - 0.52 / 6) < 1e-6);
  });

  test("maps are pooled first, the teacher's pooling: MSE(GAP(c(f_s)), GAP(f_t)) and MSE(head_t(GAP(c(f_s))), z_t), sizes may differ", () => {
    // c(f_s): [B=2, H=2, W=2, C=3]; f_t: [2, 1, 2, 3], another spatial size.
    const CS = [
      [
        [
          [1, 0, 2],
          [3, -1, 0],
        ],
        [
          [0, 2, 1],
          [0, 1, -1],
        ],
      ],
      [
        [
          [0.5, 0.5, 0],
          [1.5, -0.5, 1],
        ],
        [
          [2, 0, 0],
          [0, 2, 3],
        ],
      ],
    ];
    const FTMAP = [
      [
        [
          [0.4, 0, 1],
          [1.6, 1, 0],
        ],
      ],
      [
        [
          [1, 0, 1],
          [1, 0.5, 1],
        ],
      ],
    ];
    // Spatial means by hand: sample 0 → [(1+3+0+0)/4, (0−1+2+1)/4, (2+0+1−1)/4] = [1, 0.5, 0.5];
    // sample 1 → [1, 0.5, 1]. Teacher: [1, 0.5, 0.5] and [1, 0.25, 1].
    const gs = [
      [1, 0.5, 0.5],
      [1, 0.5, 1],
    ];
    const gt = [
      [1, 0.5, 0.5],
      [1, 0.25, 1],
    ];
    const { featureLoss, softmaxRegressionLoss, ce } = tf.tidy(() => {
      const w = tf.tensor2d(W);
      const b = tf.tensor1d(BIAS);
      const headT = (x: tf.Tensor2D) => tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
      const out = srrlLoss(tf.tensor4d(CS), tf.tensor4d(FTMAP), headT, tf.tensor2d(ZT));
      const soft = srrlLoss(tf.tensor4d(CS), tf.tensor4d(FTMAP), headT, tf.tensor2d(ZT), 'ce');
      return { featureLoss: out.featureLoss.dataSync()[0], softmaxRegressionLoss: out.softmaxRegressionLoss.dataSync()[0], ce: soft.softmaxRegressionLoss.dataSync()[0] };
    });
    // Only sample 1, channel 1 differs: 0.25² / 6.
    assert.ok(Math.abs(featureLoss - 0.0625 / 6) < 1e-7, `${featureLoss}`);
    // head(gs[0]) = [0.1 + 1 + 0.1 − 0.5, −0.2 − 0.5 + 0.15 + 1] = [0.7, 0.45]; head(gs[1]) = [0.1 + 1 + 0.1 − 1, −0.2 − 0.5 + 0.15 + 2] = [0.2, 1.45].
    assert.deepEqual(
      gs.map((g) => head(g).map((v) => Math.round(v * 1e9) / 1e9)),
      [
        [0.7, 0.45],
        [0.2, 1.45],
      ],
    );
    // vs ZT: (0.2² + 1.95² + 1.8² + 0.95²)/4.
    assert.ok(Math.abs(softmaxRegressionLoss - (0.04 + 3.8025 + 3.24 + 0.9025) / 4) < 1e-6, `${softmaxRegressionLoss}`);
    assert.ok(Math.abs(softmaxRegressionLoss - mse(gs.map(head), ZT)) < 1e-6);
    assert.ok(Math.abs(featureLoss - mse(gs, gt)) < 1e-7);
    // 'ce': −Σ_k softmax(z_t)_k · log softmax(head(GAP(c)))_k, averaged over the batch.
    const softmax = (z: number[]) => z.map((v) => Math.exp(v) / z.reduce((a, u) => a + Math.exp(u), 0));
    const expectedCe = gs.map(head).reduce((a, zs, i) => a - softmax(ZT[i]).reduce((s, p, k) => s + p * Math.log(softmax(zs)[k]), 0), 0) / 2;
    assert.ok(Math.abs(ce - expectedCe) < 1e-6, `${ce} vs ${expectedCe}`);
  });

  test('the gradient flows through the frozen head into the connected feature', () => {
    const total = (x: number[][]) => mse(x, FT) + mse(x.map(head), ZT);
    const grad = tf.tidy(() => {
      const w = tf.tensor2d(W);
      const b = tf.tensor1d(BIAS);
      const ft = tf.tensor2d(FT);
      const zt = tf.tensor2d(ZT);
      return tf
        .grad((x: tf.Tensor) => {
          const { featureLoss, softmaxRegressionLoss } = srrlLoss(x as tf.Tensor2D, ft, (y) => tf.add(tf.matMul(y, w), b), zt);
          return tf.add(featureLoss, softmaxRegressionLoss);
        })(tf.tensor2d(FS))
        .arraySync() as number[][];
    });
    FS.forEach((row, i) =>
      row.forEach((v, d) => {
        // Closed form: 2(x − f_t)/n_f + 2·Σ_k (head(x)_k − z_k)·W[d][k]/n_z.
        const r = head(row).map((z, k) => z - ZT[i][k]);
        const closed = (2 * (v - FT[i][d])) / 6 + (2 * r.reduce((a, rk, k) => a + rk * W[d][k], 0)) / 4;
        const h = 1e-6;
        const plus = FS.map((q) => [...q]);
        const minus = FS.map((q) => [...q]);
        plus[i][d] += h;
        minus[i][d] -= h;
        const numeric = (total(plus) - total(minus)) / (2 * h);
        assert.ok(Math.abs(grad[i][d] - closed) < 1e-5 && Math.abs(numeric - closed) < 1e-5, `[${i}][${d}] ${grad[i][d]} vs ${closed}`);
      }),
    );
  });
});
