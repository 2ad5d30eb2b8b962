import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';
import { sadLoss } from '../../src/core/distill/losses/sad';
import { sadActive } from '../../src/core/distill/sad';
import { buildModel } from '../../src/core/models/zoo';
import { phasesOf } from '../../src/core/run/experiment';
import { parseExperimentConfig } from '../../src/shared/protocol';
import { assertProblem, assertRejectedBeforeTraining, assertTrains, builtinBatch, epochsOf, methodConfig, methodDefaults, runMethod, scratchDir } from '../support/method-run';

const cnnStudent = { model: { arch: 'cnn' as const, widths: [4, 8] } };

describe('method sad', () => {
  const dir = scratchDir('sad');
  before(() => initBackend('wasm', () => {}));
  after(() => dir.remove());

  test('defaults: weight 0.1, G = Σ|A|², on from 40% of the epochs, no teacher', () => {
    assert.deepEqual(methodDefaults({ name: 'sad' }), { name: 'sad', weight: 0.1, fn: 'sum-p', p: 2, warmup: 0.4, kdWeight: 0, temperature: 4 });
  });

  test('an unknown map function is a clear config error', () => {
    assertProblem({ method: { name: 'sad', fn: 'mean' } }, /config\.method\.fn: expected one of "sum", "sum-p", "max-p", got "mean"/);
  });

  test('a teacher is trained only when SAD adds KD', () => {
    assert.deepEqual(phasesOf(parseExperimentConfig({ method: { name: 'sad' }, baseline: false })), ['student']);
    assert.deepEqual(phasesOf(parseExperimentConfig({ method: { name: 'sad', kdWeight: 1 }, baseline: false })), ['teacher', 'student']);
  });

  test('the warm-up: off before 40% of the epochs, on from there', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((epoch) => sadActive(0.4, { epoch, epochs: 5 })),
      [false, false, true, true, true],
    );
    assert.deepEqual(
      [0, 1, 2].map((epoch) => sadActive(0.4, { epoch, epochs: 3 })),
      [false, false, true],
    );
    assert.equal(sadActive(0, { epoch: 0, epochs: 3 }), true);
  });

  test('the deeper block is the target: its own weights get no gradient from SAD', () => {
    const batch = builtinBatch(8);
    const student = buildModel({ arch: 'cnn', widths: [4, 8] }, { inputShape: batch.inputShape, numClasses: 10, role: 'student', seed: 1 });
    const { grads } = tf.variableGrads(() => sadLoss(student.forward(batch.x, true).features as tf.Tensor4D[], { fn: 'sum-p', p: 2 }), student.trainableVariables());
    const nonZero = (part: string) =>
      Object.entries(grads)
        .filter(([name]) => name.includes(part))
        .map(([, g]) => tf.any(tf.notEqual(g, 0)).dataSync()[0] === 1);
    assert.ok(nonZero('student_conv1').every(Boolean), 'the shallower block learns to mimic');
    // The target is held constant: nothing flows back into the deeper block (zero or no gradient).
    assert.ok(nonZero('student_conv2').every((x) => !x) && nonZero('student_bn2').every((x) => !x), 'the deeper block is not pulled back');
    tf.dispose(Object.values(grads));
    student.dispose();
    batch.dispose();
  });

  test('an MLP student: rejected before training, naming the field', async () => {
    await assertRejectedBeforeTraining(methodConfig({ method: { name: 'sad' } }), dir.path('mlp'), /config\.student\.model: method "sad" needs convolutional feature maps/);
  });

  test('without a teacher: the SAD term is zero before the warm-up ends and positive after; the loss falls', async () => {
    const run = await runMethod(methodConfig({ method: { name: 'sad', warmup: 0.4 }, student: cnnStudent }), dir.path('warmup'));
    assert.deepEqual(run.phases, ['student']);
    assertTrains(run, 'student', ['ce', 'sad']);
    const sad = epochsOf(run, 'student').map((e) => e.losses.sad);
    assert.equal(sad[0], 0);
    assert.equal(sad[1], 0);
    assert.ok(sad[2] > 0, `sad after the warm-up: ${sad[2]}`);
  });
});
