// A model or batch that cannot fit is refused before anything is allocated, naming the model and
// its estimated size (DESIGN: bad input gets a clear error). The estimate's parameter count is
// checked against the built models themselves.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { modelSize, trainingBytes } from '../../src/core/models/memory-estimate';
import { buildModel } from '../../src/core/models/zoo';
import { ModelSpec } from '../../src/shared/protocol';
import { runMethod, scratchDir } from '../support/method-run';
import { tinyConfig } from '../support/tiny-config';

before(async () => {
  await tf.setBackend('cpu');
});

test('the parameter count of the estimate is the built model’s, for mlp, cnn (pooled and +fc) and resnet, on two input shapes', () => {
  const specs = [
    { arch: 'mlp', hidden: [32, 16] },
    { arch: 'cnn', widths: [8, 16] },
    { arch: 'cnn', widths: [16, 32], dense: 128 },
    { arch: 'resnet', depth: 8 },
    { arch: 'resnet', depth: 20, widthMultiplier: 2 },
  ];
  for (const input of specs) {
    for (const inputShape of [
      [28, 28, 1],
      [32, 32, 3],
    ]) {
      const spec = ModelSpec.parse(input);
      const model = buildModel(spec, { inputShape, numClasses: 10, seed: 1, role: 'probe' });
      assert.equal(modelSize(spec, inputShape, 10).params, model.paramCount(), `${JSON.stringify(input)} on ${inputShape}`);
      model.dispose();
    }
  }
});

test('training bytes by hand: mlp 32 on 4 inputs, 3 classes, batch 10', () => {
  const size = modelSize(ModelSpec.parse({ arch: 'mlp', hidden: [32] }), [4], 3);
  // params 4·32 + 32 + 32·3 + 3 = 259; activations 4 + 32 + 32 + 3 = 71 a sample.
  assert.deepEqual(size, { params: 259, activationsPerSample: 71 });
  // 4 bytes · (weights, gradients, two moments: 4·259 + activations and their gradients: 2·10·71).
  assert.equal(trainingBytes(size, 10), 4 * (4 * 259 + 2 * 10 * 71));
});

test('a student too large for the backend fails the run at once, naming the model, its estimated size and the batch', async () => {
  const dir = scratchDir('memory');
  try {
    await assert.rejects(
      runMethod(tinyConfig({ name: 'too-big', method: { name: 'scratch' }, student: { model: { arch: 'cnn', widths: [4096, 4096, 4096] } }, train: { epochs: 1, batchSize: 64 } }), dir.path('run')),
      /model student \(cnn 4096-4096-4096\) needs about [\d.]+ GiB to train at batch 64, more than the [\d.]+ GiB the wasm backend can use; choose a smaller model or train\.batchSize/,
    );
  } finally {
    dir.remove();
  }
});
