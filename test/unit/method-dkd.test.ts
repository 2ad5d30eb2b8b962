import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';
import { DecoupledDistiller, dkdWarmup } from '../../src/core/distill/dkd';
import { dkdLoss } from '../../src/core/distill/losses/dkd';
import { buildModel } from '../../src/core/models/zoo';
import { assertProblem, assertTrains, builtinBatch, methodConfig, methodDefaults, runMethod, scratchDir } from '../support/method-run';

describe('method dkd', () => {
  const dir = scratchDir('dkd');
  before(() => initBackend('wasm', () => {}));
  after(() => dir.remove());

  test('defaults: mdistiller\'s α=1, β=8, T=4, 20-epoch warm-up', () => {
    assert.deepEqual(methodDefaults({ name: 'dkd' }), { name: 'dkd', ceWeight: 1, alpha: 1, beta: 8, temperature: 4, warmupEpochs: 20 });
  });

  test('a fractional warm-up is a clear config error', () => {
    assertProblem({ method: { name: 'dkd', warmupEpochs: 1.5 } }, /config\.method\.warmupEpochs: .*integer.*1\.5/);
  });

  test('warm-up factor min(epoch/warmup, 1), epochs counted from 1', () => {
    assert.deepEqual([0, 1, 9, 19, 30].map((epoch) => dkdWarmup(20, { epoch, epochs: 40 })), [0.05, 0.1, 0.5, 1, 1]);
    assert.equal(dkdWarmup(0, { epoch: 0, epochs: 1 }), 1);
  });

  test('TCKD and NCKD are reported apart, sum to dkdLoss, and scale with the warm-up', () => {
    const batch = builtinBatch(16);
    const opts = { inputShape: batch.inputShape, numClasses: 10 };
    const teacher = buildModel({ arch: 'mlp', hidden: [16] }, { ...opts, role: 'teacher', seed: 1 });
    const student = buildModel({ arch: 'mlp', hidden: [8] }, { ...opts, role: 'student', seed: 2 });
    const options = { ceWeight: 1, alpha: 1, beta: 8, temperature: 4, warmupEpochs: 20 };
    const dkd = new DecoupledDistiller(student, teacher, options);
    const terms = (epoch: number) =>
      tf.tidy(() => {
        const out = dkd.forwardTrain({ x: batch.x, y: batch.y, indices: batch.indices }, { epoch, epochs: 40 });
        return Object.fromEntries(Object.entries(out.losses).map(([k, v]) => [k, v.dataSync()[0]]));
      });
    const early = terms(0);
    const late = terms(25);
    const full = tf.tidy(() => dkdLoss(student.predict(batch.x), teacher.predict(batch.x), batch.y, options).dataSync()[0]);
    assert.ok(Math.abs(late.tckd + late.nckd - full) < 1e-4 * Math.max(1, full), `${late.tckd} + ${late.nckd} vs ${full}`);
    assert.ok(Math.abs(early.tckd * 20 - late.tckd) < 1e-4 && Math.abs(early.nckd * 20 - late.nckd) < 1e-4, `${JSON.stringify(early)} vs ${JSON.stringify(late)}`);
    assert.equal(early.ce, late.ce);
    [teacher, student].forEach((m) => m.dispose());
    batch.dispose();
  });

  test('trains with ce, tckd and nckd, loss falling', async () => {
    const run = await runMethod(methodConfig({ method: { name: 'dkd', warmupEpochs: 1 } }), dir.path('run'));
    assertTrains(run, 'student', ['ce', 'tckd', 'nckd']);
  });
});
