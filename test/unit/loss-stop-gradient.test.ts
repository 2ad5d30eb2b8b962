import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { stopGradient } from '../../src/core/distill/losses/stop-gradient';

describe('stopGradient', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('passes the value through unchanged', () => {
    const x = tf.tensor2d([
      [1.5, -2],
      [0, 3.25],
    ]);
    assert.deepEqual(stopGradient(x).arraySync(), [
      [1.5, -2],
      [0, 3.25],
    ]);
  });

  test('gives a zero gradient, and x·stop(x) differentiates to stop(x), not 2x', () => {
    const x = tf.tensor1d([1, -2, 3]);
    const zero = tf.grad((v: tf.Tensor) => tf.sum(stopGradient(v)))(x);
    assert.deepEqual(Array.from(zero.dataSync()), [0, 0, 0]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, stopGradient(v))))(x);
    assert.deepEqual(Array.from(g.dataSync()), [1, -2, 3]);
  });

  test('leaks no tensors', () => {
    const x = tf.tensor1d([1, 2]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grad((v: tf.Tensor) => tf.sum(tf.square(stopGradient(v))))(x);
    });
    assert.equal(tf.memory().numTensors, before);
  });
});
