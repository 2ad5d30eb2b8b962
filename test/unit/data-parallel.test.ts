import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TrainConfig, type ModelSpecInput } from '../../src/shared/protocol';
import { initBackend } from '../../src/core/backend/select';
import type { Distiller } from '../../src/core/distill/distiller';
import { KnowledgeDistiller } from '../../src/core/distill/kd';
import { ScratchTrainer } from '../../src/core/distill/scratch';
import { buildModel } from '../../src/core/models/zoo';
import type { ZooModel } from '../../src/core/models/zoo-model';
import { createOptimizer } from '../../src/core/train/optimizer';
import { DataParallel } from '../../src/core/train/parallel/data-parallel';
import { Replica } from '../../src/core/train/parallel/replica';
import { shardSizes } from '../../src/core/train/parallel/shards';
import { maxAbsDifference, randomBatch } from '../support/parallel-batch';

// Data parallelism over worker_threads: the averaged per-shard gradients against one replica's
// gradient of the whole batch, replicas in step, determinism, and batches that do not divide.

const INPUT: [number, number, number] = [6, 6, 1];
const CLASSES = 4;
const MLP: ModelSpecInput = { arch: 'mlp', hidden: [16] };
const CNN: ModelSpecInput = { arch: 'cnn', widths: [4] };
/** Float32 sums in another order and grouping: a few ulps of the gradient's scale. */
const TOLERANCE = 1e-5;

const batchOf = (size: number, seed: number) => randomBatch(size, seed, INPUT, CLASSES);

interface Setup {
  distiller: Distiller;
  models: ZooModel[];
}

function setup(kind: 'scratch' | 'kd', spec: ModelSpecInput, seed = 1): Setup {
  const student = buildModel(spec, { inputShape: INPUT, numClasses: CLASSES, role: 'student', seed });
  if (kind === 'scratch') return { distiller: new ScratchTrainer(student), models: [student] };
  const teacher = buildModel({ arch: 'mlp', hidden: [24] }, { inputShape: INPUT, numClasses: CLASSES, role: 'teacher', seed: seed + 1 });
  return { distiller: new KnowledgeDistiller(student, teacher, { temperature: 4, alpha: 0.9, cacheTeacherLogits: false }), models: [student, teacher] };
}

const train = (overrides: Partial<TrainConfig> = {}) => TrainConfig.parse({ optimizer: { kind: 'adam' }, learningRate: 1e-2, ...overrides });

async function withParallel<T>(s: Setup, threads: number, config: TrainConfig, body: (parallel: DataParallel) => Promise<T>): Promise<T> {
  const optimizer = createOptimizer(config);
  const parallel = await DataParallel.start(s.distiller, optimizer, config, { threads, backend: 'wasm' });
  try {
    return await body(parallel);
  } finally {
    await parallel.dispose();
    optimizer.dispose();
  }
}

describe('data-parallel training over worker threads', () => {
  before(() => initBackend('wasm', () => {}));
  after(() => tf.disposeVariables());

  test('shards are contiguous and as even as possible; a replica may get none', () => {
    assert.deepEqual(shardSizes(64, 2), [32, 32]);
    assert.deepEqual(shardSizes(7, 3), [3, 2, 2]);
    assert.deepEqual(shardSizes(1, 2), [1, 0]);
    assert.throws(() => shardSizes(4, 0), /at least one replica/);
  });

  // Each start boots worker threads (seconds from the sources): one case per method, KD on an uneven split.
  for (const [kind, threads, size] of [
    ['scratch', 2, 16],
    ['kd', 3, 7],
  ] as const) {
    test(`${kind}: ${threads} threads average to one thread's gradient of the whole batch of ${size} (no batch norm), within ${TOLERANCE}`, async () => {
      const s = setup(kind, MLP);
      const config = train({ weightDecay: 5e-4 });
      const { batch, labels } = batchOf(size, 7);
      const context = { epoch: 0, epochs: 1 };
      const single = createOptimizer(config);
      const whole = new Replica(s.distiller, single, config.weightDecay).gradients(batch, labels, context);
      const averaged = await withParallel(s, threads, config, (p) => p.gradients(batch, labels, context));
      const scale = whole.values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assert.ok(scale > 1e-3, 'the gradient is not trivially zero');
      assert.ok(maxAbsDifference(averaged.values, whole.values) <= TOLERANCE * Math.max(1, scale), `max difference ${maxAbsDifference(averaged.values, whole.values)}`);
      assert.deepEqual(averaged.present, whole.present);
      for (const [term, value] of Object.entries(whole.losses)) assert.ok(Math.abs(averaged.result.losses[term] - value) < 1e-5, `${term}: ${averaged.result.losses[term]} vs ${value}`);
      assert.equal(averaged.result.correct, whole.correct);
      single.dispose();
      tf.dispose([batch.x, labels]);
      for (const m of s.models) m.dispose();
    });
  }

  test('one shard alone differs from the whole batch: the comparison above can fail', async () => {
    const s = setup('scratch', MLP);
    const { batch, labels } = batchOf(16, 7);
    const context = { epoch: 0, epochs: 1 };
    const optimizer = createOptimizer(train());
    const replica = new Replica(s.distiller, optimizer, 0);
    const whole = replica.gradients(batch, labels, context);
    const half = replica.gradients({ ...batch, x: tf.slice(batch.x, 0, 8), y: tf.slice(labels, 0, 8) as tf.Tensor1D }, tf.slice(labels, 0, 8) as tf.Tensor1D, context);
    assert.ok(maxAbsDifference(half.values, whole.values) > 100 * TOLERANCE);
    optimizer.dispose();
    for (const m of s.models) m.dispose();
  });

  test('with batch norm: after steps every replica holds the same weights, and synchronize() gives them one mean of the moving statistics', async () => {
    const s = setup('kd', CNN);
    const config = train({ optimizer: { kind: 'sgd', momentum: 0.9 }, learningRate: 0.05, weightDecay: 5e-4 });
    await withParallel(s, 3, config, async (p) => {
      for (let step = 0; step < 4; step++) {
        const { batch, labels } = batchOf(12, 100 + step);
        await p.step(batch, labels, { epoch: 0, epochs: 1 });
        tf.dispose([batch.x, labels]);
      }
      const before = await p.replicaWeights();
      for (const w of before.slice(1)) assert.deepEqual(w.trainable, before[0].trainable);
      assert.ok(maxAbsDifference(before[1].state, before[0].state) > 0, 'shards of different data move the moving statistics apart');
      const mean = before[0].state.map((v, i) => (v + before[1].state[i] + before[2].state[i]) / 3);
      await p.synchronize();
      const after = await p.replicaWeights();
      for (const w of after) assert.ok(maxAbsDifference(w.state, mean) < 1e-6);
      for (const w of after.slice(1)) assert.deepEqual(w.state, after[0].state);
    });
    for (const m of s.models) m.dispose();
  });

  test('deterministic: the same seed and thread count give bit-identical weights; an uneven last batch and a batch smaller than the threads step too', async () => {
    const run = async () => {
      const s = setup('scratch', CNN, 3);
      const weights = await withParallel(s, 2, train(), async (p) => {
        for (const size of [10, 10, 3, 1]) {
          const { batch, labels } = batchOf(size, size);
          const { losses } = await p.step(batch, labels, { epoch: 0, epochs: 1 });
          assert.ok(Number.isFinite(losses.total));
          tf.dispose([batch.x, labels]);
        }
        await p.synchronize();
        return p.replicaWeights();
      });
      for (const m of s.models) m.dispose();
      return weights[0];
    };
    const [a, b] = [await run(), await run()];
    assert.deepEqual(a.trainable, b.trainable);
    assert.deepEqual(a.state, b.state);
  });

  test('a method without a replica recipe is refused, naming it', async () => {
    const s = setup('scratch', MLP);
    const distiller = { ...s.distiller, method: 'dml', replicaRecipe: undefined, student: s.distiller.student } as unknown as Distiller;
    const optimizer = createOptimizer(train());
    await assert.rejects(DataParallel.start(distiller, optimizer, train(), { threads: 2, backend: 'wasm' }), /method "dml" cannot be replicated/);
    optimizer.dispose();
    for (const m of s.models) m.dispose();
  });
});
