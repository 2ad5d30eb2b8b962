import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { loadModel } from '../../src/core/models/checkpoint';
import { phasesOf } from '../../src/core/run/experiment';
import { prepareData } from '../../src/core/run/prepare-data';
import { predictLogits } from '../../src/core/train/evaluate';
import { parseExperimentConfig } from '../../src/shared/protocol';
import { assertProblem, assertTrains, methodConfig, methodDefaults, runMethod, scratchDir } from '../support/method-run';

function softmax(row: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(row));
  const e = Array.from(row, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('method born-again', () => {
  const dir = scratchDir('born-again');
  after(() => dir.remove());

  test('defaults: 3 generations of the teacher\'s architecture, KD at T=4, α=0.9', () => {
    assert.deepEqual(methodDefaults({ name: 'born-again' }), { name: 'born-again', generations: 3, temperature: 4, alpha: 0.9 });
  });

  test('zero generations is a clear config error', () => {
    assertProblem({ method: { name: 'born-again', generations: 0 } }, /config\.method\.generations: expected at least 1, got 0/);
  });

  test('phases: the teacher is the baseline of its own architecture; another architecture gets its own', () => {
    assert.deepEqual(phasesOf(parseExperimentConfig({ method: { name: 'born-again', generations: 2 } })), ['teacher', 'generation-1', 'generation-2', 'ensemble']);
    assert.deepEqual(phasesOf(parseExperimentConfig({ method: { name: 'born-again', generations: 1, model: { arch: 'mlp' } } })), [
      'teacher',
      'student-scratch',
      'generation-1',
      'ensemble',
    ]);
  });

  test('every generation learns from the one before; the summary has each generation and their ensemble, evaluated as the mean of probabilities', async () => {
    const config = methodConfig({ method: { name: 'born-again', generations: 2 }, baseline: true });
    const run = await runMethod(config, dir.path('run'));
    assert.deepEqual(run.phases, ['teacher', 'generation-1', 'generation-2', 'ensemble']);
    assert.deepEqual(run.summary.models.map((m) => m.role), ['teacher', 'generation-1', 'generation-2', 'ensemble']);
    for (const generation of ['generation-1', 'generation-2']) assertTrains(run, generation, ['ce', 'kd']);
    // Same architecture as the teacher, by default.
    assert.deepEqual(run.summary.models.slice(0, 3).map((m) => m.arch), ['mlp 32', 'mlp 32', 'mlp 32']);
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
