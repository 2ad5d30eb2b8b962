import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';
import { FitnetDistiller } from '../../src/core/distill/fitnet';
import { buildModel } from '../../src/core/models/zoo';
import { trainStep } from '../../src/core/train/step';
import { fitnetStages } from '../../src/shared/methods/fitnet';
import { studentBudget } from '../../src/shared/report-table';
import { assertProblem, assertRejectedBeforeTraining, assertTrains, builtinBatch, changed, methodConfig, methodDefaults, runMethod, scratchDir, snapshot } from '../support/method-run';

describe('method fitnet', () => {
  const dir = scratchDir('fitnet');
  before(() => initBackend('wasm', () => {}));
  after(() => dir.remove());

  test('defaults: β=100 on the middle blocks, one stage, no KD', () => {
    assert.deepEqual(methodDefaults({ name: 'fitnet' }), { name: 'fitnet', beta: 100, stages: 'one', alpha: 0.9, kdWeight: 0, temperature: 4 });
  });

  test('a negative β or an unknown stage count is a clear config error', () => {
    assertProblem({ method: { name: 'fitnet', beta: -1 } }, /config\.method\.beta: expected at least 0, got -1/);
    assertProblem({ method: { name: 'fitnet', stages: 'three' } }, /config\.method\.stages: expected one of "one", "two", got "three"/);
  });

  test('a hint layer the teacher does not have: rejected before training, naming the field', async () => {
    await assertRejectedBeforeTraining(methodConfig({ method: { name: 'fitnet', hintLayer: 4 } }), dir.path('bad-layer'), /config\.method\.hintLayer: expected a block index below 1 .*got 4/);
  });

  test('one stage, CNN teacher and MLP student (the regressor maps the pooled hint): ce and hint, loss falls', async () => {
    const run = await runMethod(methodConfig({ method: { name: 'fitnet', kdWeight: 1 }, teacher: { model: { arch: 'cnn', widths: [4, 8] }, train: { epochs: 1 } } }), dir.path('one'));
    assertTrains(run, 'student', ['ce', 'hint', 'kd']);
  });

  test("two stages share the run's epochs: hint max(1, round(E/8)) (RepDistiller 30 of 240), KD the rest; hintEpochs honoured", () => {
    const two = { stages: 'two' as const };
    const split = (epochs: number, hintEpochs?: number) => fitnetStages({ ...two, hintEpochs }, epochs).map((s) => s.epochs);
    // 240/8 = 30 → 30 + 210; 20/8 = 2.5 → 3 + 17; 5/8 → 1 + 4; 3/8 rounds to 0 → at least 1, + 2.
    assert.deepEqual(
      [240, 20, 5, 3].map((e) => split(e)),
      [
        [30, 210],
        [3, 17],
        [1, 4],
        [1, 2],
      ],
    );
    // Explicit: 2 of 4 → 2 + 2; 6 of 5 → 6, and the KD stage still gets 1.
    assert.deepEqual(split(4, 2), [2, 2]);
    assert.deepEqual(split(5, 6), [6, 1]);
    assert.deepEqual(fitnetStages({ stages: 'one' }, 20), [{ role: 'student' }]);
  });

  test("two stages by default: hint 1 + KD 2 epochs of a 3-epoch run, the baseline's 3, said in the summary", async () => {
    const run = await runMethod(methodConfig({ method: { name: 'fitnet', stages: 'two' }, baseline: true }), dir.path('two-default'));
    assert.deepEqual(run.phases, ['teacher', 'student-scratch', 'student-hint', 'student']);
    const count = (phase: string) => run.epochs.filter((e) => e.phase === phase).length;
    assert.deepEqual([count('student-scratch'), count('student-hint'), count('student')], [3, 1, 2]);
    assert.deepEqual(
      run.summary.models.map((m) => [m.role, m.epochs]),
      [
        ['teacher', 1],
        ['student-scratch', 3],
        ['student-hint', 1],
        ['student', 2],
      ],
    );
    assert.equal(studentBudget(run.summary.models), 'student-hint 1 ep + student 2 ep = 3 ep; baseline student-scratch 3 ep');
    assertTrains(run, 'student', ['ce', 'kd']);
  });

  test('two stages, hintEpochs given: hint pre-training for them, then KD for the rest, each its own phase', async () => {
    const run = await runMethod(methodConfig({ method: { name: 'fitnet', stages: 'two', hintEpochs: 2 }, train: { epochs: 4, batchSize: 32, learningRate: 3e-3 } }), dir.path('two'));
    assert.deepEqual(run.phases, ['teacher', 'student-hint', 'student']);
    assert.equal(run.epochs.filter((e) => e.phase === 'student-hint').length, 2);
    assert.equal(run.epochs.filter((e) => e.phase === 'student').length, 2);
    assertTrains(run, 'student-hint', ['hint']);
    assertTrains(run, 'student', ['ce', 'kd']);
    assert.deepEqual(
      run.summary.models.map((m) => m.role),
      ['teacher', 'student-hint', 'student'],
    );
  });

  test('the hint stage trains the regressor and the blocks up to the guided one, never the head', () => {
    const batch = builtinBatch(32);
    const opts = { inputShape: batch.inputShape, numClasses: 10 };
    const teacher = buildModel({ arch: 'mlp', hidden: [32, 16] }, { ...opts, role: 'teacher', seed: 1 });
    const student = buildModel({ arch: 'mlp', hidden: [16, 8] }, { ...opts, role: 'student', seed: 2 });
    const distiller = new FitnetDistiller(student, teacher, { beta: 100, kdWeight: 0, temperature: 4, seed: 3 }, 'hint');
    const variables = distiller.trainableVariables();
    assert.ok(variables.length > student.trainableVariables().length, 'the regressor is trained with the student');
    const before = snapshot(variables);
    const optimizer = tf.train.adam(1e-2);
    for (let i = 0; i < 2; i++) trainStep(distiller, optimizer, { x: batch.x, y: null, indices: batch.indices }, batch.y, { epoch: 0, epochs: 1 }, 5e-4);
    const moved = Object.fromEntries(variables.map((v, i) => [v.name, changed(before, variables)[i]]));
    const named = (part: string) => Object.entries(moved).filter(([name]) => name.includes(part));
    // Middle of 2 blocks is the first: fc1 moves, fc2 and the head do not.
    assert.ok(
      named('student_fc1').every(([, m]) => m),
      JSON.stringify(moved),
    );
    assert.ok(named('student_fc2').every(([, m]) => !m) && named('student_head').every(([, m]) => !m), JSON.stringify(moved));
    assert.ok(
      variables.slice(student.trainableVariables().length).every((_, i) => changed(before, variables)[student.trainableVariables().length + i]),
      'the regressor moves',
    );
    optimizer.dispose();
    distiller.dispose();
    [teacher, student].forEach((m) => m.dispose());
    batch.dispose();
  });
});
