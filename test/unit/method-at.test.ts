import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { assertProblem, assertRejectedBeforeTraining, assertTrains, methodConfig, methodDefaults, runMethod, scratchDir } from '../support/method-run';

const cnnTeacher = { model: { arch: 'cnn' as const, widths: [8, 16] }, train: { epochs: 1 } };
const cnnStudent = { model: { arch: 'cnn' as const, widths: [4, 8] } };

describe('method at', () => {
  const dir = scratchDir('at');
  after(() => dir.remove());

  test('defaults: β=1000, p=2, no KD (RepDistiller)', () => {
    assert.deepEqual(methodDefaults({ name: 'at' }), { name: 'at', beta: 1000, p: 2, kdWeight: 0, temperature: 4 });
  });

  test('a zero p is a clear config error', () => {
    assertProblem({ method: { name: 'at', p: 0 } }, /config\.method\.p: expected more than 0, got 0/);
  });

  test('an MLP student has no attention maps: rejected before training, naming the field', async () => {
    await assertRejectedBeforeTraining(
      methodConfig({ method: { name: 'at' }, teacher: cnnTeacher }),
      dir.path('mlp'),
      /config\.student\.model: method "at" needs convolutional feature maps \(arch cnn or resnet\), got mlp/,
    );
  });

  test('trains CNN to CNN with ce, at and the optional kd, loss falling', async () => {
    const run = await runMethod(
      methodConfig({ method: { name: 'at', kdWeight: 1 }, teacher: cnnTeacher, student: cnnStudent, train: { epochs: 2, batchSize: 32, learningRate: 3e-3 } }),
      dir.path('run'),
    );
    assertTrains(run, 'student', ['ce', 'at', 'kd']);
    assert.ok(run.epochs.at(-1)!.losses.at > 0);
  });
});
