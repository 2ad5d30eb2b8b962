import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';
import { DecoupledDistiller, dkdWarmup, dkdWarmupEpochs } from '../../src/core/distill/dkd';
import { dkdLoss } from '../../src/core/distill/losses/dkd';
import { buildModel } from '../../src/core/models/zoo';
import { assertProblem, assertTrains, builtinBatch, methodConfig, methodDefaults, runMethod, scratchDir } from '../support/method-run';

describe('method dkd', () => {
  const dir = scratchDir('dkd');
  before(() => initBackend('wasm', () => {}));
  after(() => dir.remove());

  test("defaults: mdistiller's α=1, β=8, T=4, warm-up over 1/12 of the run (its 20 of 240 epochs)", () => {
    assert.deepEqual(methodDefaults({ name: 'dkd' }), { name: 'dkd', ceWeight: 1, alpha: 1, beta: 8, temperature: 4, warmupShare: 1 / 12 });
  });

  test('an explicit warm-up in epochs is still a valid config', () => {
    assert.deepEqual(methodDefaults({ name: 'dkd', warmupEpochs: 20 }), { name: 'dkd', ceWeight: 1, alpha: 1, beta: 8, temperature: 4, warmupShare: 1 / 12, warmupEpochs: 20 });
  });

  test('warm-up length: max(1, E/12) epochs by default, the explicit count when given', () => {
    const share = { warmupShare: 1 / 12 };
    // 240/12 = 20 (mdistiller's WARMUP 20), 36/12 = 3, 12/12 = 1, 5/12 < 1 → 1.
    assert.deepEqual(
      [240, 36, 12, 5].map((epochs) => dkdWarmupEpochs(share, epochs)),
      [20, 3, 1, 1],
    );
    assert.equal(dkdWarmupEpochs({ ...share, warmupEpochs: 20 }, 5), 20);
    assert.equal(dkdWarmupEpochs({ ...share, warmupEpochs: 0 }, 5), 0);
  });

  test('by default a short run finishes its warm-up: factor e/W per 1-based epoch e', () => {
    const factors = (epochs: number) => Array.from({ length: epochs }, (_, epoch) => dkdWarmup(dkdWarmupEpochs({ warmupShare: 1 / 12 }, epochs), { epoch, epochs }));
    // W = 1: full weight from epoch 1.
    assert.deepEqual(factors(5), [1, 1, 1, 1, 1]);
    assert.deepEqual(factors(12), Array(12).fill(1));
    // W = 3: 1/3, 2/3, then 1.
    const f36 = factors(36);
    [1 / 3, 2 / 3, 1, 1].forEach((want, i) => assert.ok(Math.abs(f36[i] - want) < 1e-12, `epoch ${i + 1}: ${f36[i]} vs ${want}`));
    // 240 epochs: W = 20, mdistiller's schedule (0.05 at epoch 1, 0.5 at 10, 1 from 20).
    const f240 = factors(240);
    assert.deepEqual([f240[0], f240[9], f240[19], f240[20]], [0.05, 0.5, 1, 1]);
  });

  test('a fractional warm-up is a clear config error', () => {
    assertProblem({ method: { name: 'dkd', warmupEpochs: 1.5 } }, /config\.method\.warmupEpochs: .*integer.*1\.5/);
  });

  test('warm-up factor min(epoch/warmup, 1), epochs counted from 1', () => {
    assert.deepEqual(
      [0, 1, 9, 19, 30].map((epoch) => dkdWarmup(20, { epoch, epochs: 40 })),
      [0.05, 0.1, 0.5, 1, 1],
    );
    assert.equal(dkdWarmup(0, { epoch: 0, epochs: 1 }), 1);
  });

  test('TCKD and NCKD are reported apart, sum to dkdLoss, and scale with the warm-up', () => {
    const batch = builtinBatch(16);
    const opts = { inputShape: batch.inputShape, numClasses: 10 };
    const teacher = buildModel({ arch: 'mlp', hidden: [16] }, { ...opts, role: 'teacher', seed: 1 });
    const student = buildModel({ arch: 'mlp', hidden: [8] }, { ...opts, role: 'student', seed: 2 });
    const options = { ceWeight: 1, alpha: 1, beta: 8, temperature: 4, warmupShare: 1 / 12, warmupEpochs: 20 };
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
    // The default config (share 1/12) in a 5-epoch run: W = 1, so epoch 1 already has the full DKD term.
    const byDefault = new DecoupledDistiller(student, teacher, methodDefaults({ name: 'dkd' }) as typeof options);
    const first = tf.tidy(() => {
      const out = byDefault.forwardTrain({ x: batch.x, y: batch.y, indices: batch.indices }, { epoch: 0, epochs: 5 });
      return out.losses.tckd.dataSync()[0] + out.losses.nckd.dataSync()[0];
    });
    assert.ok(Math.abs(first - full) < 1e-4 * Math.max(1, full), `epoch 1 of 5: ${first} vs ${full}`);
    [teacher, student].forEach((m) => m.dispose());
    batch.dispose();
  });

  test('trains with ce, tckd and nckd, loss falling', async () => {
    const run = await runMethod(methodConfig({ method: { name: 'dkd' } }), dir.path('run'));
    assertTrains(run, 'student', ['ce', 'tckd', 'nckd']);
  });
});
