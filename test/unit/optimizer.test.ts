import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { createOptimizer } from '../../src/core/train/optimizer';

before(async () => {
  await tf.setBackend('cpu');
});

for (const optimizer of [
  { kind: 'sgd', momentum: 0.9 },
  { kind: 'adam', beta1: 0.9, beta2: 0.999 },
] as const) {
  test(`${optimizer.kind}: creating, stepping, changing the rate and disposing leaves no tensor behind`, () => {
    const w = tf.variable(tf.tensor1d([1, -2, 3]));
    const before = tf.memory().numTensors;
    const train = createOptimizer({ epochs: 1, batchSize: 8, optimizer, learningRate: 0.05, schedule: { kind: 'constant' }, weightDecay: 0 });
    for (let step = 0; step < 3; step++) {
      train.setLearningRate(0.05 / (step + 1));
      train.optimizer.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
    }
    train.dispose();
    assert.equal(tf.memory().numTensors, before);
    w.dispose();
  });
}
