import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { dmlLoss } from '../../src/core/distill/losses/dml';

function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
function reference(peers: number[][][], i: number): number {
  let total = 0;
  peers.forEach((zj, j) => {
    if (j === i) return;
    zj.forEach((row, b) => {
      const p = softmax(row);
      const q = softmax(peers[i][b]);
      total += p.reduce((a, pc, c) => a + pc * Math.log(pc / q[c]), 0);
    });
  });
  return total / peers[i].length / (peers.length - 1);
}
function run(peers: number[][][], i: number) {
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads((...zs: tf.Tensor[]) => dmlLoss(zs as tf.Tensor2D[], i))(peers.map((p) => tf.tensor2d(p)));
    return { loss: value.dataSync()[0], grads: grads.map((g) => g.arraySync() as number[][]) };
  });
}

const PEERS = [
  [
    [0.5, -1.0, 2.0],
    [1.5, 0.3, -0.2],
  ],
  [
    [1.0, 0.0, 0.5],
    [-0.5, 2.0, 0.1],
  ],
  [
    [0.0, 0.7, -0.4],
    [0.9, 0.9, 1.4],
  ],
];

describe('dmlLoss', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('is zero when the peers agree, including logits shifted per sample', () => {
    const z = PEERS[0];
    const shifted = z.map((row, b) => row.map((v) => v + (b + 1) * 3));
    assert.ok(Math.abs(run([z, shifted, z], 1).loss) < 1e-6);
  });

  test('two peers: KL(p_j‖p_i) by hand for two classes', () => {
    // p_j = [½, ½], p_i = [¾, ¼] (z = [ln 3, 0]): KL = ½ln(2/3) + ½ln 2.
    const { loss } = run([[[Math.log(3), 0]], [[0, 0]]], 0);
    assert.ok(Math.abs(loss - (0.5 * Math.log(2 / 3) + 0.5 * Math.log(2))) < 1e-6, `${loss}`);
  });

  test('K = 3: matches the float64 reference, averaged over the other K − 1 peers', () => {
    for (let i = 0; i < 3; i++) {
      const { loss } = run(PEERS, i);
      assert.ok(Math.abs(loss - reference(PEERS, i)) < 1e-5, `peer ${i}: ${loss} vs ${reference(PEERS, i)}`);
    }
  });

  test('gradient reaches only peer i: (p_i − mean_j p_j)/B, matching finite differences', () => {
    const i = 1;
    const { grads } = run(PEERS, i);
    [0, 2].forEach((j) =>
      assert.ok(
        grads[j].flat().every((g) => g === 0),
        `peer ${j} is held constant`,
      ),
    );
    PEERS[i].forEach((row, b) =>
      row.forEach((_, c) => {
        const others = [0, 2].map((j) => softmax(PEERS[j][b])[c]);
        const closed = (softmax(row)[c] - (others[0] + others[1]) / 2) / PEERS[i].length;
        const h = 1e-6;
        const plus = structuredClone(PEERS);
        const minus = structuredClone(PEERS);
        plus[i][b][c] += h;
        minus[i][b][c] -= h;
        const numeric = (reference(plus, i) - reference(minus, i)) / (2 * h);
        assert.ok(Math.abs(grads[i][b][c] - numeric) < 1e-5 && Math.abs(numeric - closed) < 1e-5, `[${b}][${c}] ${grads[i][b][c]} vs ${numeric}`);
      }),
    );
  });

  test('rejects a single peer or a bad index', () => {
    assert.throws(() => dmlLoss([tf.zeros([1, 2]) as tf.Tensor2D], 0), /at least 2 peers/);
    assert.throws(() => dmlLoss([tf.zeros([1, 2]) as tf.Tensor2D, tf.zeros([1, 2]) as tf.Tensor2D], 2), /outside/);
  });
});
