import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { mapBlocks } from '../../src/core/distill/modules/taps';
import { pkd } from '../../src/shared/methods/pkd';
import { assertProblem, assertRejectedBeforeTraining, assertTrains, methodConfig, methodDefaults, runMethod, scratchDir } from '../support/method-run';

describe('method pkd', () => {
  const dir = scratchDir('pkd');
  after(() => dir.remove());

  test('defaults: α=0.7, β=500, T=4, PKD-Skip', () => {
    assert.deepEqual(methodDefaults({ name: 'pkd' }), { name: 'pkd', alpha: 0.7, beta: 500, temperature: 4, strategy: 'skip' });
  });

  test('the form says what pkdLoss computes: β times the mean over layers (patience_loss), not a sum', () => {
    assert.match(pkd.summary, /β·MSE of L2-normalised hidden states \(the mean over layers\)/);
    assert.doesNotMatch(pkd.summary, /Σ/);
  });

  test('an unknown layer strategy is a clear config error', () => {
    assertProblem({ method: { name: 'pkd', strategy: 'middle' } }, /config\.method\.strategy: expected one of "skip", "last", got "middle"/);
  });

  test('layer maps as in the paper: 6 student layers on 12 teacher layers', () => {
    const student = [0, 1, 2, 3, 4]; // layers 1–5; the 6th is covered by KD
    assert.deepEqual(
      mapBlocks(student, 6, 12, 'skip').map((t) => t + 1),
      [2, 4, 6, 8, 10],
    );
    assert.deepEqual(
      mapBlocks(student, 6, 12, 'last').map((t) => t + 1),
      [7, 8, 9, 10, 11],
    );
  });

  test('student layers the student does not have: rejected before training, naming the field', async () => {
    await assertRejectedBeforeTraining(methodConfig({ method: { name: 'pkd', studentLayers: [3] } }), dir.path('bad-layers'), /config\.method\.studentLayers: expected block indices below 1/);
  });

  test('PKD-Last with a shallower teacher: rejected, naming the strategy', async () => {
    await assertRejectedBeforeTraining(
      methodConfig({ method: { name: 'pkd', strategy: 'last' }, student: { model: { arch: 'mlp', hidden: [16, 16, 8] } } }),
      dir.path('bad-last'),
      /config\.method\.strategy: "last" needs a teacher with at least as many blocks as the student \(3\)/,
    );
  });

  test('trains with ce, kd and the patient term over mapped layers of other widths, loss falling', async () => {
    const run = await runMethod(
      methodConfig({
        method: { name: 'pkd' },
        teacher: { model: { arch: 'mlp', hidden: [32, 32, 32] }, train: { epochs: 1 } },
        student: { model: { arch: 'mlp', hidden: [16, 8] } },
      }),
      dir.path('run'),
    );
    assertTrains(run, 'student', ['ce', 'kd', 'pkd']);
  });
});
