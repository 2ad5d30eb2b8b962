import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';
import { SrrlDistiller } from '../../src/core/distill/srrl';
import { buildModel } from '../../src/core/models/zoo';
import { trainStep } from '../../src/core/train/step';
import { assertProblem, assertTrains, builtinBatch, changed, methodConfig, methodDefaults, runMethod, scratchDir, snapshot } from '../support/method-run';

describe('method srrl', () => {
  const dir = scratchDir('srrl');
  before(() => initBackend('wasm', () => {}));
  after(() => dir.remove());

  test('defaults: α=1, β=1, L2 softmax regression, no KD', () => {
    assert.deepEqual(methodDefaults({ name: 'srrl' }), { name: 'srrl', alpha: 1, beta: 1, sr: 'l2', kdWeight: 0, temperature: 4 });
  });

  test('an unknown softmax-regression loss is a clear config error', () => {
    assertProblem({ method: { name: 'srrl', sr: 'kl' } }, /config\.method\.sr: expected one of "l2", "ce", got "kl"/);
  });

  test('the teacher\'s head stays frozen while the softmax regression trains the connector through it', () => {
    const batch = builtinBatch(32);
    const opts = { inputShape: batch.inputShape, numClasses: 10 };
    const teacher = buildModel({ arch: 'cnn', widths: [4, 8] }, { ...opts, role: 'teacher', seed: 1 });
    const student = buildModel({ arch: 'mlp', hidden: [8] }, { ...opts, role: 'student', seed: 2 });
    // α = 0: the connector learns only from the SR term, through the teacher's head.
    const srrl = new SrrlDistiller(student, teacher, { alpha: 0, beta: 1, sr: 'l2', kdWeight: 0, temperature: 4, seed: 3 });
    const head = teacher.head.getWeights().map((w) => w.dataSync().slice());
    const connector = srrl.trainableVariables().slice(student.trainableVariables().length);
    assert.ok(connector.length > 0, 'the connector is trained with the student');
    const connectorBefore = snapshot(connector);
    const optimizer = tf.train.adam(1e-2);
    for (let i = 0; i < 3; i++) trainStep(srrl, optimizer, { x: batch.x, y: batch.y, indices: batch.indices }, batch.y, { epoch: 0, epochs: 1 }, 5e-4);
    teacher.head.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), head[i], 'teacher head weights unchanged'));
    // The connector's dense kernel and bias and its BN scale and shift all learn.
    assert.ok(changed(connectorBefore, connector).every(Boolean), 'the connector learns through the frozen head');
    optimizer.dispose();
    srrl.dispose();
    [teacher, student].forEach((m) => m.dispose());
    batch.dispose();
  });

  test('trains with ce, feature and sr, loss falling; SR as cross-entropy reports the same terms', async () => {
    const run = await runMethod(methodConfig({ method: { name: 'srrl' } }), dir.path('l2'));
    assertTrains(run, 'student', ['ce', 'feature', 'sr']);
    const ce = await runMethod(methodConfig({ method: { name: 'srrl', sr: 'ce', kdWeight: 1 } }), dir.path('ce'));
    assertTrains(ce, 'student', ['ce', 'feature', 'sr', 'kd']);
    assert.notEqual(ce.epochs.at(-1)!.losses.sr, run.epochs.at(-1)!.losses.sr);
  });
});
