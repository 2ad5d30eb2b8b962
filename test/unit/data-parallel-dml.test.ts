import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TrainConfig, type TrainerEvent } from '../../src/shared/protocol';
import { initBackend } from '../../src/core/backend/select';
import { MutualLearning } from '../../src/core/distill/dml';
import { buildModel } from '../../src/core/models/zoo';
import type { ZooModel } from '../../src/core/models/zoo-model';
import { createOptimizer, type TrainOptimizer } from '../../src/core/train/optimizer';
import { DataParallel } from '../../src/core/train/parallel/data-parallel';
import { packTensors } from '../../src/core/train/parallel/flat';
import { trainTogetherStep } from '../../src/core/train/step';
import { methodConfig, runMethod, scratchDir } from '../support/method-run';
import { maxAbsDifference, randomBatch } from '../support/parallel-batch';

// Deep mutual learning on threads: every replica holds every peer with its own optimizer. In turn
// ('alternating'), peer i's shard gradients are averaged and applied on every replica before peer
// i+1's loss is computed, as trainTogetherStep does on one thread; 'simultaneous' takes one pass.
// Without batch norm one data-parallel step must move every peer as the one-thread step does.

const INPUT = [8, 8, 1];
const CLASSES = 5;
const SIZE = 10;
/** Weights after one SGD step (lr 0.1) from float32 sums grouped per shard. */
const TOLERANCE = 1e-5;

const models: ZooModel[] = [];
const peersOf = () =>
  [1, 2].map((seed) => {
    const model = buildModel({ arch: 'mlp', hidden: [12] }, { inputShape: INPUT, numClasses: CLASSES, role: `peer-${seed}`, seed });
    models.push(model);
    return { role: `peer-${seed}`, model };
  });
const config = TrainConfig.parse({ optimizer: { kind: 'sgd', momentum: 0 }, learningRate: 0.1, weightDecay: 5e-4 });
const context = { epoch: 0, epochs: 1 };
const weightsOf = (model: ZooModel) => packTensors(model.trainableVariables());

/** One step of DML on the batch, on `threads` threads (1: trainTogetherStep), from fresh peers: each peer's weights after it, and the results. */
async function stepOnce(update: 'alternating' | 'simultaneous', threads: number, seed: number) {
  const peers = peersOf();
  const distiller = new MutualLearning(peers, update);
  const optimizers: TrainOptimizer[] = peers.map(() => createOptimizer(config));
  const { batch, labels } = randomBatch(SIZE, seed, INPUT, CLASSES);
  const before = peers.map((p) => weightsOf(p.model));
  const parallel = threads > 1 ? await DataParallel.start(distiller, optimizers, config, { threads, backend: 'wasm' }) : undefined;
  try {
    const results = parallel
      ? await parallel.stepTogether(batch, labels, context)
      : trainTogetherStep(
          distiller,
          optimizers.map((o) => o.optimizer),
          batch,
          labels,
          context,
          config.weightDecay,
        );
    const replicas = parallel && (await parallel.replicaWeights());
    return { before, after: peers.map((p) => weightsOf(p.model)), results, replicas };
  } finally {
    await parallel?.dispose();
    for (const o of optimizers) o.dispose();
    tf.dispose([batch.x, labels]);
  }
}

describe('data-parallel deep mutual learning', () => {
  before(() => initBackend('wasm', () => {}));
  after(() => {
    for (const m of models.splice(0)) m.dispose();
    tf.disposeVariables();
  });

  for (const update of ['alternating', 'simultaneous'] as const) {
    test(`${update}: one step on 2 threads moves every peer as one thread does, within ${TOLERANCE}, with the same terms per peer`, async () => {
      const one = await stepOnce(update, 1, 7);
      const two = await stepOnce(update, 2, 7);
      one.after.forEach((w, p) => {
        assert.ok(maxAbsDifference(w, one.before[p]) > 1e-3, `peer ${p} moved`);
        const difference = maxAbsDifference(two.after[p], w);
        assert.ok(difference <= TOLERANCE, `peer ${p}: max difference ${difference}`);
      });
      assert.equal(two.results.length, 2);
      two.results.forEach((r, p) => {
        for (const [term, value] of Object.entries(one.results[p].losses))
          assert.ok(Math.abs(r.losses[term] - value) <= 1e-5 * Math.max(1, Math.abs(value)), `peer ${p} ${term}: ${r.losses[term]} vs ${value}`);
        assert.equal(r.correct, one.results[p].correct);
      });
      assert.deepEqual(two.replicas![1].trainable, two.replicas![0].trainable, 'the replicas hold the same peers');
    });
  }

  test('alternating is not simultaneous: the second peer learns from the first one’s updated predictions on every shard', async () => {
    const alternating = await stepOnce('alternating', 2, 9);
    const simultaneous = await stepOnce('simultaneous', 2, 9);
    assert.ok(maxAbsDifference(alternating.after[0], simultaneous.after[0]) <= TOLERANCE, 'the first peer moves alike');
    assert.ok(maxAbsDifference(alternating.after[1], simultaneous.after[1]) > 100 * TOLERANCE, 'the second peer differs');
  });

  test('a DML run (CNN peers with batch norm) on 2 threads: data parallel, both peers train, the same again from the same seed', async () => {
    const dir = scratchDir('threads-dml');
    try {
      const config = methodConfig({
        data: { dataset: { kind: 'builtin' }, limitTrain: 96, limitValidation: 32, limitTest: 32 },
        student: { model: { arch: 'cnn', widths: [4] } },
        method: { name: 'dml' },
        train: { epochs: 2, batchSize: 32, learningRate: 3e-3, threads: 2 },
      });
      const first = await runMethod(config, dir.path('a'));
      const logs = first.events.flatMap((e: TrainerEvent) => (e.type === 'log' ? [e.message] : []));
      assert.ok(
        logs.some((m) => /^dml: 2 threads, data parallel/.test(m) || /: 2 threads, data parallel/.test(m)),
        logs.join(' | '),
      );
      assert.ok(!logs.some((m) => m.includes('one thread')), logs.join(' | '));
      for (const peer of ['peer-1', 'peer-2']) {
        const epochs = first.epochs.filter((e) => e.phase === peer);
        assert.equal(epochs.length, 2);
        assert.ok(epochs.every((e) => Number.isFinite(e.losses.total)));
      }
      const second = await runMethod(config, dir.path('b'));
      assert.deepEqual(
        second.epochs.map((e) => e.losses),
        first.epochs.map((e) => e.losses),
      );
    } finally {
      dir.remove();
    }
  });
});
