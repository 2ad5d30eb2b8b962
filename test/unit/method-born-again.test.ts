import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';
import { createDistiller } from '../../src/core/distill/registry';
import { loadModel } from '../../src/core/models/checkpoint';
import { buildModel } from '../../src/core/models/zoo';
import { phasesOf } from '../../src/core/run/experiment';
import { prepareData } from '../../src/core/run/prepare-data';
import { predictLogits } from '../../src/core/train/evaluate';
import { parseExperimentConfig } from '../../src/shared/protocol';
import { assertProblem, assertTrains, builtinBatch, methodConfig, methodDefaults, runMethod, scratchDir } from '../support/method-run';

function softmax(row: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(row));
  const e = Array.from(row, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('method born-again', () => {
  const dir = scratchDir('born-again');
  before(() => initBackend('wasm', () => {}));
  after(() => dir.remove());

  test("defaults: 3 generations of the teacher's architecture, KD at T=4, α=0.9", () => {
    assert.deepEqual(methodDefaults({ name: 'born-again' }), { name: 'born-again', generations: 3, targets: 'kd', temperature: 4, alpha: 0.9 });
  });

  test("the paper's targets: KL(p_prev‖p_s) at T=1 and no label term, whatever T and α say", () => {
    const batch = builtinBatch(8);
    const opts = { inputShape: batch.inputShape, numClasses: 10 };
    const previous = buildModel({ arch: 'mlp', hidden: [16] }, { ...opts, role: 'generation-1', seed: 1 });
    const student = buildModel({ arch: 'mlp', hidden: [16] }, { ...opts, role: 'generation-2', seed: 2 });
    const method = parseExperimentConfig({ method: { name: 'born-again', targets: 'paper', temperature: 4, alpha: 0.5 } }).method;
    const distiller = createDistiller(method, { student, teacher: previous });
    const losses = tf.tidy(() => {
      const out = distiller.forwardTrain({ x: batch.x, y: batch.y, indices: batch.indices }, { epoch: 0, epochs: 1 });
      return Object.fromEntries(Object.entries(out.losses).map(([k, v]) => [k, v.dataSync()[0]]));
    });
    // Float64: mean over the batch of Σ_c p_prev,c · log(p_prev,c / p_s,c), p = softmax(z) (T = 1, no T² factor).
    const zPrev = Array.from(tf.tidy(() => previous.predict(batch.x).dataSync()));
    const zS = Array.from(tf.tidy(() => student.predict(batch.x).dataSync()));
    let kl = 0;
    for (let i = 0; i < 8; i++) {
      const p = softmax(zPrev.slice(i * 10, (i + 1) * 10));
      const q = softmax(zS.slice(i * 10, (i + 1) * 10));
      kl += p.reduce((sum, pc, c) => sum + pc * Math.log(pc / q[c]), 0) / 8;
    }
    assert.deepEqual(Object.keys(losses), ['kd'], 'no cross-entropy term');
    assert.ok(Math.abs(losses.kd - kl) < 1e-5 * Math.max(1, kl), `kd ${losses.kd} vs KL ${kl}`);
    distiller.dispose();
    [previous, student].forEach((m) => m.dispose());
    batch.dispose();
  });

  test('zero generations is a clear config error', () => {
    assertProblem({ method: { name: 'born-again', generations: 0 } }, /config\.method\.generations: expected at least 1, got 0/);
  });

  test('phases: the teacher is the baseline of its own architecture; another architecture gets its own', () => {
    assert.deepEqual(phasesOf(parseExperimentConfig({ method: { name: 'born-again', generations: 2 } })), ['teacher', 'generation-1', 'generation-2', 'ensemble']);
    assert.deepEqual(phasesOf(parseExperimentConfig({ method: { name: 'born-again', generations: 1, model: { arch: 'mlp' } } })), ['teacher', 'student-scratch', 'generation-1', 'ensemble']);
  });

  test('every generation learns from the one before; the summary has each generation and their ensemble, evaluated as the mean of probabilities', async () => {
    const config = methodConfig({ method: { name: 'born-again', generations: 2 }, baseline: true });
    const run = await runMethod(config, dir.path('run'));
    assert.deepEqual(run.phases, ['teacher', 'generation-1', 'generation-2', 'ensemble']);
    assert.deepEqual(
      run.summary.models.map((m) => m.role),
      ['teacher', 'generation-1', 'generation-2', 'ensemble'],
    );
    for (const generation of ['generation-1', 'generation-2']) assertTrains(run, generation, ['ce', 'kd']);
    // Same architecture as the teacher, by default.
    assert.deepEqual(
      run.summary.models.slice(0, 3).map((m) => m.arch),
      ['mlp 32', 'mlp 32', 'mlp 32'],
    );
    // Generation 2's teacher is generation 1.
    assert.ok('generation-1' in run.epochs.filter((e) => e.phase === 'generation-2')[0].valAccuracy);

    // The ensemble row, recomputed from the generations' last checkpoints.
    const parsed = parseExperimentConfig(config);
    const data = await prepareData(parsed.data, 0, undefined);
    const probabilities: number[][][] = [];
    for (const role of ['generation-1', 'generation-2']) {
      const model = await loadModel(run.folder.checkpointDir(role, 'last'));
      const logits = predictLogits(model, data.validation, data.inputShape);
      probabilities.push(Array.from({ length: data.validation.count }, (_, i) => softmax(logits.subarray(i * 10, (i + 1) * 10))));
      model.dispose();
    }
    let hits = 0;
    for (let i = 0; i < data.validation.count; i++) {
      const mean = probabilities[0][i].map((p, c) => (p + probabilities[1][i][c]) / 2);
      if (mean.indexOf(Math.max(...mean)) === data.validation.y[i]) hits++;
    }
    const ensemble = run.summary.models[3];
    assert.equal(ensemble.lastValAccuracy, hits / data.validation.count);
    assert.equal(ensemble.params, run.summary.models[1].params * 2);
    const ensembleEpoch = run.epochs.find((e) => e.phase === 'ensemble')!;
    assert.equal(ensembleEpoch.valAccuracy.ensemble, ensemble.lastValAccuracy);
    assert.ok(ensembleEpoch.agreement! >= 0 && ensembleEpoch.agreement! <= 1, 'agreement with the teacher');
  });
});
