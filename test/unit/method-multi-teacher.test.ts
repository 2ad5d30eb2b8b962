import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';
import { KnowledgeDistiller } from '../../src/core/distill/kd';
import { ensembleTargetLogits, MultiTeacherDistiller } from '../../src/core/distill/multi-teacher';
import { buildModel } from '../../src/core/models/zoo';
import { ensembleLogits } from '../../src/core/run/plans/ensemble';
import { phasesOf } from '../../src/core/run/experiment';
import { parseExperimentConfig } from '../../src/shared/protocol';
import { assertProblem, assertRejectedBeforeTraining, assertTrains, builtinBatch, methodConfig, methodDefaults, runMethod, scratchDir } from '../support/method-run';

describe('method multi-teacher', () => {
  const dir = scratchDir('multi-teacher');
  before(() => initBackend('wasm', () => {}));
  after(() => dir.remove());

  test('defaults: one more teacher (an MLP), equal weights, the mean of logits (TextBrewer), KD at T=4 and α=0.9', () => {
    assert.deepEqual(methodDefaults({ name: 'multi-teacher' }), {
      name: 'multi-teacher',
      teachers: [{ arch: 'mlp', hidden: [256, 256] }],
      checkpoints: [],
      aggregate: 'logits',
      temperature: 4,
      alpha: 0.9,
    });
  });

  test('a negative weight is a clear config error', () => {
    assertProblem({ method: { name: 'multi-teacher', weights: [1, -1] } }, /config\.method\.weights\.1: expected at least 0, got -1/);
  });

  test('an unknown aggregate is a clear config error', () => {
    assertProblem({ method: { name: 'multi-teacher', aggregate: 'votes' } }, /config\.method\.aggregate: .*"logits".*"probabilities"/);
  });

  // Hand values for z1 = [2, 0, −1], z2 = [0, 3, 1], weights 1:3 (normalised 0.25, 0.75), T = 2.
  const softmaxAt = (row: number[], t: number) => {
    const e = row.map((v) => Math.exp(v / t));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  const handTargets = (t: number) => {
    const z1 = [2, 0, -1];
    const z2 = [0, 3, 1];
    // logits: softmax((1·z1 + 3·z2) / 4 / T) — TextBrewer's mean_l_T, weighted.
    const logits = softmaxAt(
      z1.map((v, c) => (1 * v + 3 * z2[c]) / 4),
      t,
    );
    // probabilities: 0.25·softmax(z1/T) + 0.75·softmax(z2/T).
    const p1 = softmaxAt(z1, t);
    const p2 = softmaxAt(z2, t);
    const probabilities = p1.map((p, c) => 0.25 * p + 0.75 * p2[c]);
    return { logits, probabilities };
  };
  const targetOf = (aggregate: 'logits' | 'probabilities' | undefined, t: number) =>
    tf.tidy(() => {
      const z1 = tf.tensor2d([[2, 0, -1]]);
      const z2 = tf.tensor2d([[0, 3, 1]]);
      return Array.from(tf.softmax(tf.div(ensembleTargetLogits([z1, z2], [0.25, 0.75], t, aggregate), t)).dataSync());
    });
  const assertClose = (actual: number[], expected: number[], what: string) =>
    actual.forEach((v, c) => assert.ok(Math.abs(v - expected[c]) < 1e-6 * Math.max(1, Math.abs(expected[c])), `${what}, class ${c}: ${v} vs ${expected[c]}`));

  test("the soft target by default is softmax of the teachers' weighted mean logits at T (TextBrewer)", () => {
    const hand = handTargets(2);
    // [0.22733, 0.54534, 0.22733] vs the probability average [0.26232, 0.52920, 0.20848]: they differ.
    assert.ok(Math.abs(hand.logits[0] - hand.probabilities[0]) > 0.03, 'the two aggregates differ on this case');
    assertClose(targetOf(undefined, 2), hand.logits, 'default');
    assertClose(targetOf('logits', 2), hand.logits, 'logits');
  });

  test('aggregate "probabilities": the soft target is the weighted mean of the teachers\' probabilities at T', () => {
    assertClose(targetOf('probabilities', 2), handTargets(2).probabilities, 'probabilities');
  });

  test('the distiller\'s KD term is T²·KL against softmax(z̄/T) by default, against the mean probability with aggregate "probabilities"', () => {
    const batch = builtinBatch(8);
    const opts = { inputShape: batch.inputShape, numClasses: 10 };
    const t1 = buildModel({ arch: 'mlp', hidden: [16] }, { ...opts, role: 'teacher', seed: 1 });
    const t2 = buildModel({ arch: 'mlp', hidden: [12] }, { ...opts, role: 'teacher-2', seed: 2 });
    const student = buildModel({ arch: 'mlp', hidden: [8] }, { ...opts, role: 'student', seed: 3 });
    const train = { x: batch.x, y: batch.y, indices: batch.indices };
    const rows = (x: tf.Tensor2D) => {
      const flat = Array.from(x.dataSync());
      return Array.from({ length: x.shape[0] }, (_, i) => flat.slice(i * 10, (i + 1) * 10));
    };
    const z1 = rows(t1.predict(batch.x));
    const z2 = rows(t2.predict(batch.x));
    const t = 4;
    const w = [2 / 3, 1 / 3];
    for (const aggregate of ['logits', 'probabilities'] as const) {
      const distiller = new MultiTeacherDistiller(student, [t1, t2], { temperature: t, alpha: 1, weights: [2, 1], aggregate });
      const { kd, zs } = tf.tidy(() => {
        const out = distiller.forwardTrain(train);
        return { kd: out.losses.kd.dataSync()[0], zs: rows(out.logits) };
      });
      // Float64: T²·mean_b Σ_c p_c (log p_c − log q_c), q = softmax(z_s/T).
      const expected =
        (t *
          t *
          zs.reduce((sum, zsRow, b) => {
            const p =
              aggregate === 'logits'
                ? softmaxAt(
                    z1[b].map((v, c) => w[0] * v + w[1] * z2[b][c]),
                    t,
                  )
                : softmaxAt(z1[b], t).map((v, c) => w[0] * v + w[1] * softmaxAt(z2[b], t)[c]);
            const q = softmaxAt(zsRow, t);
            return sum + p.reduce((s, pc, c) => s + pc * (Math.log(pc) - Math.log(q[c])), 0);
          }, 0)) /
        zs.length;
      assert.ok(Math.abs(kd - expected) < 1e-4 * Math.max(1, expected), `${aggregate}: kd ${kd} vs hand ${expected}`);
    }
    [t1, t2, student].forEach((m) => m.dispose());
    batch.dispose();
  });

  test("the evaluated ensemble's logits: the weighted mean logits, or the log of the weighted mean probability", () => {
    const a = Float32Array.from([2, 0, -1, 1, 1, 1]);
    const b = Float32Array.from([0, 3, 1, -2, 0, 4]);
    // (1·a + 3·b) / 4, by hand.
    assertClose(Array.from(ensembleLogits([a, b], 3, 'logits', [1, 3])), [0.5, 2.25, 0.5, -1.25, 0.25, 3.25], 'mean logits');
    const pa = [...softmaxAt([2, 0, -1], 1), ...softmaxAt([1, 1, 1], 1)];
    const pb = [...softmaxAt([0, 3, 1], 1), ...softmaxAt([-2, 0, 4], 1)];
    assertClose(
      Array.from(ensembleLogits([a, b], 3, 'probabilities', [1, 3])),
      pa.map((p, i) => Math.log(0.25 * p + 0.75 * pb[i])),
      'log mean probability',
    );
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
    const run = await runMethod(methodConfig({ method: { name: 'multi-teacher', teachers: [{ arch: 'mlp', hidden: [16] }], weights: [2, 1] } }), dir.path('run'));
    assert.deepEqual(run.phases, ['teacher', 'teacher-2', 'teacher-ensemble', 'student']);
    assert.deepEqual(
      run.summary.models.map((m) => m.role),
      ['teacher', 'teacher-2', 'teacher-ensemble', 'student'],
    );
    assertTrains(run, 'student', ['ce', 'kd']);
    const [t1, t2, ensemble, student] = run.summary.models;
    assert.equal(ensemble.params, t1.params + t2.params);
    assert.match(ensemble.arch, /^ensemble of mlp 32 \+ mlp 16$/);
    assert.ok(Math.abs(student.compression! - ensemble.params / student.params) < 1e-9, 'compression against the whole ensemble');
    // The student is compared with the ensemble, not with one teacher.
    assert.ok('teacher-ensemble' in run.epochs.at(-1)!.valAccuracy);
    // The evaluated ensemble is the one the student learns from: (2·z_teacher + 1·z_teacher-2) / 3,
    // checked on the shown validation samples against each teacher's own (one-epoch) predictions.
    const shown = (phase: string) => {
      const event = run.events.find((e) => e.type === 'predictions' && e.phase === phase) as Extract<(typeof run.events)[number], { type: 'predictions' }>;
      return event.samples.map((s) => s.logits[phase]);
    };
    const [z1, z2, ens] = [shown('teacher'), shown('teacher-2'), shown('teacher-ensemble')];
    assert.ok(ens.length > 0);
    ens.forEach((row, i) =>
      assertClose(
        row,
        z1[i].map((v, c) => (2 * v + z2[i][c]) / 3),
        `sample ${i}`,
      ),
    );
  });
});
