import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TrainConfig, type ModelSpecInput } from '../../src/shared/protocol';
import { initBackend } from '../../src/core/backend/select';
import { AttentionTransfer } from '../../src/core/distill/at';
import { ContrastiveDistiller } from '../../src/core/distill/crd';
import { DecoupledDistiller } from '../../src/core/distill/dkd';
import type { Distiller } from '../../src/core/distill/distiller';
import { FitnetDistiller } from '../../src/core/distill/fitnet';
import { MultiTeacherDistiller } from '../../src/core/distill/multi-teacher';
import { SelfAttentionDistiller } from '../../src/core/distill/sad';
import { SrrlDistiller } from '../../src/core/distill/srrl';
import { buildModel } from '../../src/core/models/zoo';
import type { ZooModel } from '../../src/core/models/zoo-model';
import { createOptimizer } from '../../src/core/train/optimizer';
import { DataParallel } from '../../src/core/train/parallel/data-parallel';
import { Replica } from '../../src/core/train/parallel/replica';
import { shardSizes } from '../../src/core/train/parallel/shards';
import { startThreads } from '../../src/core/train/parallel/start';
import { maxAbsDifference, randomBatch } from '../support/parallel-batch';
import { blocksOf } from '../../src/core/train/parallel/packed';

// The methods beyond KD that train with threads > 1: each worker rebuilds the distiller from its
// recipe (its modules given the main thread's values), so a replica's gradient on a shard is the
// main thread's on that shard, and their shard-weighted mean is the gradient of the whole batch
// where nothing normalises per batch (no batch norm in the models or the modules).

const INPUT: [number, number, number] = [8, 8, 1];
const CLASSES = 5;
const SIZE = 10;
const THREADS = 2;
/** Float32 sums in another order and grouping: a few ulps of the gradient's scale. */
const TOLERANCE = 1e-5;

const MLP_STUDENT: ModelSpecInput = { arch: 'mlp', hidden: [12] };
const MLP_TEACHER: ModelSpecInput = { arch: 'mlp', hidden: [20] };
const CNN_STUDENT: ModelSpecInput = { arch: 'cnn', widths: [4, 8] };
const CNN_TEACHER: ModelSpecInput = { arch: 'cnn', widths: [6, 12] };

const models: ZooModel[] = [];
function model(spec: ModelSpecInput, role: string, seed: number): ZooModel {
  const m = buildModel(spec, { inputShape: INPUT, numClasses: CLASSES, role, seed });
  models.push(m);
  return m;
}

const KD_OFF = { kdWeight: 0, temperature: 4 };

/** Each method's distiller on small models; `batchNormFree` where the whole-batch gradient is exactly the shards' mean. */
const METHODS: { name: string; batchNormFree: boolean; make: () => Distiller }[] = [
  {
    name: 'dkd',
    batchNormFree: true,
    make: () => new DecoupledDistiller(model(MLP_STUDENT, 'student', 1), model(MLP_TEACHER, 'teacher', 2), { ceWeight: 1, alpha: 1, beta: 8, temperature: 4, warmupShare: 0.1 }),
  },
  {
    name: 'multi-teacher',
    batchNormFree: true,
    make: () =>
      new MultiTeacherDistiller(model(MLP_STUDENT, 'student', 1), [model(MLP_TEACHER, 'teacher', 2), model(MLP_TEACHER, 'teacher-2', 3)], {
        temperature: 4,
        alpha: 0.9,
        weights: [1, 2],
        aggregate: 'probabilities',
      }),
  },
  {
    name: 'at (+KD)',
    batchNormFree: false,
    make: () => new AttentionTransfer(model(CNN_STUDENT, 'student', 1), model(CNN_TEACHER, 'teacher', 2), { beta: 1000, p: 2, kdWeight: 0.5, temperature: 4 }),
  },
  {
    name: 'sad (+KD)',
    batchNormFree: false,
    make: () => new SelfAttentionDistiller(model(CNN_STUDENT, 'student', 1), model(CNN_TEACHER, 'teacher', 2), { weight: 0.1, fn: 'sum-p', p: 2, warmup: 0, kdWeight: 0.5, temperature: 4 }),
  },
  {
    name: 'srrl (conv connector)',
    batchNormFree: false,
    make: () => new SrrlDistiller(model(CNN_STUDENT, 'student', 1), model(CNN_TEACHER, 'teacher', 2), { alpha: 1, beta: 1, sr: 'l2', connector: 'conv', seed: 5, ...KD_OFF }),
  },
  {
    name: 'fitnet (joint, regressor)',
    batchNormFree: false,
    make: () => new FitnetDistiller(model(CNN_STUDENT, 'student', 1), model(CNN_TEACHER, 'teacher', 2), { beta: 100, seed: 5, ...KD_OFF }, 'joint'),
  },
];

const batchOf = (size: number, seed: number) => randomBatch(size, seed, INPUT, CLASSES);

const config = TrainConfig.parse({ optimizer: { kind: 'adam' }, learningRate: 1e-2, weightDecay: 5e-4 });
const context = { epoch: 0, epochs: 1 };

describe('data-parallel training of the feature and ensemble methods', () => {
  before(() => initBackend('wasm', () => {}));
  after(() => {
    for (const m of models.splice(0)) m.dispose();
    tf.disposeVariables();
  });

  for (const method of METHODS) {
    test(`${method.name}: ${THREADS} threads give the main thread's gradients shard by shard${method.batchNormFree ? ', and the whole batch’s' : ''}, within ${TOLERANCE}`, async () => {
      const distiller = method.make();
      const { batch, labels } = batchOf(SIZE, 7);
      const optimizer = createOptimizer(config);
      const parallel = await DataParallel.start(distiller, optimizer, config, { threads: THREADS, backend: 'wasm' });
      try {
        const averaged = await parallel.gradients(batch, labels, context);
        // The same shards, every one on the main thread's distiller.
        const reference = new Replica(distiller, optimizer, config.weightDecay);
        let start = 0;
        const shards = shardSizes(SIZE, THREADS).map((n) => {
          const part = { x: tf.slice(batch.x, start, n), y: tf.slice(labels, start, n) as tf.Tensor1D, indices: batch.indices.subarray(start, start + n) };
          start += n;
          const g = reference.gradients(part, part.y, context);
          tf.dispose([part.x, part.y]);
          return { g, weight: n / SIZE };
        });
        const expected = Float32Array.from(shards[0].g.values, (_, i) => shards.reduce((sum, s) => sum + s.weight * s.g.values[i], 0));
        const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        assert.ok(scale > 1e-3, 'the gradient is not trivially zero');
        const shardDifference = maxAbsDifference(averaged.values, expected);
        assert.ok(shardDifference <= TOLERANCE * Math.max(1, scale), `max difference from the shard-wise gradient: ${shardDifference}`);
        for (const [term, value] of Object.entries(averaged.result.losses)) {
          const mean = shards.reduce((sum, s) => sum + s.weight * s.g.losses[term], 0);
          assert.ok(Math.abs(value - mean) <= 1e-5 * Math.max(1, Math.abs(mean)), `${term}: ${value} vs ${mean}`);
        }
        if (method.batchNormFree) {
          const whole = reference.gradients(batch, labels, context);
          const wholeDifference = maxAbsDifference(averaged.values, whole.values);
          assert.ok(wholeDifference <= TOLERANCE * Math.max(1, scale), `max difference from the whole batch's gradient: ${wholeDifference}`);
        }
        // Applied everywhere, the replicas stay equal, the added modules included.
        parallel.apply(averaged.values, averaged.present);
        const weights = await parallel.replicaWeights();
        assert.equal(
          weights[0].trainable.length,
          distiller.trainableVariables().reduce((sum, v) => sum + v.size, 0),
        );
        assert.deepEqual(weights[1].trainable, weights[0].trainable);
      } finally {
        await parallel.dispose();
        optimizer.dispose();
        tf.dispose([batch.x, labels]);
        distiller.dispose();
      }
    });
  }

  test('teachers ahead with replicas (3 threads): each shard gets its rows of the logits computed ahead, and the gradient is the one the replicas compute themselves, within 1e-6', async () => {
    const teachers = [model(MLP_TEACHER, 'teacher', 2), model(MLP_TEACHER, 'teacher-2', 3)];
    const distiller = new MultiTeacherDistiller(model(MLP_STUDENT, 'student', 1), teachers, { temperature: 4, alpha: 0.9, weights: [2, 1] });
    const { batch, labels } = batchOf(SIZE, 11);
    const optimizer = createOptimizer(config);
    const parallel = await DataParallel.start(distiller, optimizer, config, { threads: 3, backend: 'wasm' });
    try {
      const own = await parallel.gradients(batch, labels, context);
      const teacherOutputs = teachers.map((t) => t.forward(batch.x, false));
      const ahead = await parallel.gradients({ ...batch, teacherOutputs }, labels, context);
      assert.ok(maxAbsDifference(ahead.values, own.values) <= 1e-6, `max difference ${maxAbsDifference(ahead.values, own.values)}`);
      // Other logits change the gradient: the shards do read what they are given.
      const shifted = teacherOutputs.map((t) => ({ ...t, logits: tf.reverse(t.logits, 0) as tf.Tensor2D }));
      const wrong = await parallel.gradients({ ...batch, teacherOutputs: shifted }, labels, context);
      assert.ok(maxAbsDifference(wrong.values, own.values) > 1e-4);
      tf.dispose([...teacherOutputs.flatMap(blocksOf), ...shifted.map((t) => t.logits)]);
    } finally {
      await parallel.dispose();
      optimizer.dispose();
      tf.dispose([batch.x, labels]);
      distiller.dispose();
    }
  });

  test('CRD refuses threads > 1, saying why, and trains on one thread', async () => {
    const distiller = new ContrastiveDistiller(
      model(MLP_STUDENT, 'student', 1),
      model(MLP_TEACHER, 'teacher', 2),
      { beta: 0.8, featDim: 8, nceK: 4, nceT: 0.07, nceMomentum: 0.5, ...KD_OFF },
      { nData: 20, seed: 1 },
    );
    const notes: string[] = [];
    const optimizer = createOptimizer(config);
    assert.deepEqual(await startThreads(distiller, optimizer, TrainConfig.parse({ threads: 2 }), 'student', (e) => notes.push(e.message)), {});
    assert.equal(notes.length, 1);
    assert.match(notes[0], /^student: trains on one thread, not 2: method "crd" cannot be replicated over threads: its memory banks move with every sample/);
    await assert.rejects(DataParallel.start(distiller, optimizer, config, { threads: 2, backend: 'wasm' }), /method "crd" cannot be replicated in worker threads: its memory banks/);
    optimizer.dispose();
    distiller.dispose();
  });
});
