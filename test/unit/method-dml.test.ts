import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';
import { MutualLearning } from '../../src/core/distill/dml';
import { buildModel } from '../../src/core/models/zoo';
import { trainTogetherStep } from '../../src/core/train/step';
import {
  assertProblem,
  assertRejectedBeforeTraining,
  assertTrains,
  builtinBatch,
  methodConfig,
  methodDefaults,
  runMethod,
  scratchDir,
  snapshot,
} from '../support/method-run';

describe('method dml', () => {
  const dir = scratchDir('dml');
  before(() => initBackend('wasm', () => {}));
  after(() => dir.remove());

  test('defaults: two peers, updated in turn (the paper\'s algorithm)', () => {
    assert.deepEqual(methodDefaults({ name: 'dml' }), { name: 'dml', peers: 2, update: 'alternating' });
  });

  test('one peer, or an unknown update order, is a clear config error', () => {
    assertProblem({ method: { name: 'dml', peers: 1 } }, /config\.method\.peers: expected at least 2, got 1/);
    assertProblem({ method: { name: 'dml', update: 'async' } }, /config\.method\.update: expected one of "alternating", "simultaneous", got "async"/);
  });

  test('architectures not one per peer: rejected before training, naming the field', async () => {
    await assertRejectedBeforeTraining(
      methodConfig({ method: { name: 'dml', peers: 3, models: [{ arch: 'mlp', hidden: [8] }, { arch: 'mlp', hidden: [4] }] } }),
      dir.path('bad-models'),
      /config\.method\.models: expected 3 architectures, one per peer/,
    );
  });

  /** Two peers from fixed seeds and one SGD step on a fixed batch; the peers' weights after it. */
  function stepOnce(update: 'alternating' | 'simultaneous'): Float32Array[][] {
    const batch = builtinBatch(32);
    const opts = { inputShape: batch.inputShape, numClasses: 10 };
    const peers = [1, 2].map((i) => ({ role: `peer-${i}`, model: buildModel({ arch: 'mlp', hidden: [8] }, { ...opts, role: `peer-${i}`, seed: 10 + i }) }));
    const dml = new MutualLearning(peers, update);
    const optimizers = peers.map(() => tf.train.sgd(0.5));
    trainTogetherStep(dml, optimizers, { x: batch.x, y: batch.y, indices: batch.indices }, batch.y, { epoch: 0, epochs: 1 }, 0);
    const weights = peers.map((p) => snapshot(p.model.trainableVariables()));
    optimizers.forEach((o) => o.dispose());
    peers.forEach((p) => p.model.dispose());
    batch.dispose();
    return weights;
  }

  test('alternating updates peer 2 against peer 1\'s updated predictions; simultaneous against the old ones', () => {
    const alternating = stepOnce('alternating');
    const simultaneous = stepOnce('simultaneous');
    // Peer 1 learns from the same (initial) peer 2 either way.
    assert.deepEqual(alternating[0], simultaneous[0]);
    // Peer 2 does not.
    const differs = alternating[1].some((w, i) => w.some((x, j) => Math.abs(x - simultaneous[1][i][j]) > 1e-7));
    assert.ok(differs, 'peer 2 should update differently');
  });

  test('peers train together: each has its epoch events, ce and dml terms, falling loss, checkpoints and summary row', async () => {
    const run = await runMethod(methodConfig({ method: { name: 'dml' }, baseline: true }), dir.path('run'));
    assert.deepEqual(run.phases, ['student-scratch', 'peer-1', 'peer-2']);
    assert.deepEqual(run.summary.models.map((m) => m.role), ['student-scratch', 'peer-1', 'peer-2']);
    for (const peer of ['peer-1', 'peer-2']) {
      assertTrains(run, peer, ['ce', 'dml']);
      assert.deepEqual(run.epochs.filter((e) => e.phase === peer).map((e) => e.epoch), [1, 2, 3]);
      for (const kind of ['best', 'last'] as const) assert.ok(existsSync(join(run.folder.checkpointDir(peer, kind), 'model.json')), `${peer}/${kind}`);
    }
    // No teacher is trained.
    assert.ok(!run.epochs.some((e) => e.phase === 'teacher'));
  });
});
