import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';
import { KnowledgeDistiller } from '../../src/core/distill/kd';
import { ensembleTargetLogits, MultiTeacherDistiller } from '../../src/core/distill/multi-teacher';
import { buildModel } from '../../src/core/models/zoo';
import { phasesOf } from '../../src/core/run/experiment';
import { parseExperimentConfig } from '../../src/shared/protocol';
import { assertProblem, assertRejectedBeforeTraining, assertTrains, builtinBatch, methodConfig, methodDefaults, runMethod, scratchDir } from '../support/method-run';

describe('method multi-teacher', () => {
  const dir = scratchDir('multi-teacher');
  before(() => initBackend('wasm', () => {}));
  after(() => dir.remove());

  test('defaults: one more teacher (an MLP), equal weights, KD at T=4 and α=0.9', () => {
    assert.deepEqual(methodDefaults({ name: 'multi-teacher' }), {
      name: 'multi-teacher',
      teachers: [{ arch: 'mlp', hidden: [256, 256] }],
      checkpoints: [],
      temperature: 4,
      alpha: 0.9,
    });
  });

  test('a negative weight is a clear config error', () => {
    assertProblem({ method: { name: 'multi-teacher', weights: [1, -1] } }, /config\.method\.weights\.1: expected at least 0, got -1/);
  });

  test('the soft target is the weighted mean of the teachers\' probabilities at T', () => {
    const z1 = tf.tensor2d([[2, 0, -1]]);
    const z2 = tf.tensor2d([[0, 3, 1]]);
    const t = 2;
    const target = tf.softmax(tf.div(ensembleTargetLogits([z1, z2], [0.25, 0.75], t), t));
    const softmax = (row: number[]) => {
      const e = row.map((v) => Math.exp(v / t));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    };
    const p1 = softmax([2, 0, -1]);
    const p2 = softmax([0, 3, 1]);
    const expected = p1.map((p, c) => 0.25 * p + 0.75 * p2[c]);
    Array.from(target.dataSync()).forEach((v, c) => assert.ok(Math.abs(v - expected[c]) < 1e-6, `class ${c}: ${v} vs ${expected[c]}`));
    tf.dispose([z1, z2, target]);
  });

  test('weights [1, 0] give exactly KD from the first teacher', () => {
    const batch = builtinBatch(16);
    const opts = { inputShape: batch.inputShape, numClasses: 10 };
    const t1 = buildModel({ arch: 'mlp', hidden: [16] }, { ...opts, role: 'teacher', seed: 1 });
    const t2 = buildModel({ arch: 'mlp', hidden: [12] }, { ...opts, role: 'teacher-2', seed: 2 });
    const student = buildModel({ arch: 'mlp', hidden: [8] }, { ...opts, role: 'student', seed: 3 });
    const train = { x: batch.x, y: batch.y, indices: batch.indices };
    const values = (losses: Record<string, tf.Scalar>) => Object.fromEntries(Object.entries(losses).map(([k, v]) => [k, v.dataSync()[0]]));
    const multi = tf.tidy(() => values(new MultiTeacherDistiller(student, [t1, t2], { temperature: 4, alpha: 0.9, weights: [1, 0] }).forwardTrain(train).losses));
    const kd = tf.tidy(() => values(new KnowledgeDistiller(student, t1, { temperature: 4, alpha: 0.9 }).forwardTrain(train).losses));
    assert.ok(Math.abs(multi.kd - kd.kd) < 1e-4 && Math.abs(multi.ce - kd.ce) < 1e-6, `multi ${JSON.stringify(multi)} vs kd ${JSON.stringify(kd)}`);
    const equal = tf.tidy(() => values(new MultiTeacherDistiller(student, [t1, t2], { temperature: 4, alpha: 0.9 }).forwardTrain(train).losses));
    assert.ok(Math.abs(equal.kd - kd.kd) > 1e-3, 'equal weights differ from the first teacher alone');
    [t1, t2, student].forEach((m) => m.dispose());
    batch.dispose();
  });

  test('phases: every trained teacher, their ensemble, the baseline, the student', () => {
    const config = parseExperimentConfig({ method: { name: 'multi-teacher', teachers: [{ arch: 'mlp', hidden: [8] }, { arch: 'cnn' }], checkpoints: ['t.json'] } });
    assert.deepEqual(phasesOf(config), ['teacher', 'teacher-2', 'teacher-3', 'teacher-ensemble', 'student-scratch', 'student']);
  });

  test('weights not one per teacher: rejected before any training, naming the field', async () => {
    await assertRejectedBeforeTraining(
      methodConfig({ method: { name: 'multi-teacher', teachers: [{ arch: 'mlp', hidden: [16] }], weights: [1, 2, 3] } }),
      dir.path('bad-weights'),
      /config\.method\.weights: expected 2 weights, one per teacher/,
    );
  });

  test('trains from two teachers: their ensemble is a summary row, the student reports ce and kd and its loss falls', async () => {
    const run = await runMethod(
      methodConfig({ method: { name: 'multi-teacher', teachers: [{ arch: 'mlp', hidden: [16] }], weights: [2, 1] } }),
      dir.path('run'),
    );
    assert.deepEqual(run.phases, ['teacher', 'teacher-2', 'teacher-ensemble', 'student']);
    assert.deepEqual(run.summary.models.map((m) => m.role), ['teacher', 'teacher-2', 'teacher-ensemble', 'student']);
    assertTrains(run, 'student', ['ce', 'kd']);
    const [t1, t2, ensemble, student] = run.summary.models;
    assert.equal(ensemble.params, t1.params + t2.params);
    assert.match(ensemble.arch, /^ensemble of mlp 32 \+ mlp 16$/);
    assert.ok(Math.abs(student.compression! - ensemble.params / student.params) < 1e-9, 'compression against the whole ensemble');
    // The student is compared with the ensemble, not with one teacher.
    assert.ok('teacher-ensemble' in run.epochs.at(-1)!.valAccuracy);
  });
});
