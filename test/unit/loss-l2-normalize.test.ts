import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { l2NormalizeRows } from '../../src/core/distill/losses/l2-normalize';

test('rows are divided by their L2 norm, as F.normalize: [3, 4] → [0.6, 0.8]', async () => {
  await tf.setBackend('cpu');
  const out = l2NormalizeRows(
    tf.tensor2d([
      [3, 4],
      [0, -2],
    ]),
  );
  assert.deepEqual(
    Array.from(out.dataSync(), (v) => Math.round(v * 1e6) / 1e6),
    [0.6, 0.8, 0, -1],
  );
});

test('an all-zero row stays zero and its gradient is finite (no NaN from sqrt at 0)', async () => {
  await tf.setBackend('cpu');
  const x = tf.tensor2d([
    [0, 0, 0],
    [1, 2, 2],
  ]);
  const weights = tf.tensor2d([
    [1, -2, 3],
    [1, 1, 1],
  ]);
  const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(l2NormalizeRows(input as tf.Tensor2D), weights)))(x);
  const values = Array.from(grad.dataSync());
  assert.ok(values.every(Number.isFinite), `gradient ${values}`);
  // Row 0: x/eps is linear near 0, so d/dx Σ w·x/eps = w/eps, large but finite.
  assert.ok(Math.abs(values[0] - 1e12) / 1e12 < 1e-3, `${values[0]}`);
  // Row 1: d/dx (w·x/‖x‖) = (w − (w·u)u)/‖x‖ with u = x/3 = [1/3, 2/3, 2/3], w·u = 5/3.
  const u = [1 / 3, 2 / 3, 2 / 3];
  u.forEach((ui, i) => assert.ok(Math.abs(values[3 + i] - (1 - (5 / 3) * ui) / 3) < 1e-6));
  assert.deepEqual(Array.from(l2NormalizeRows(x).dataSync()).slice(0, 3), [0, 0, 0]);
});
