import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TrainConfig } from '../../src/shared/protocol';
import { initBackend } from '../../src/core/backend/select';
import { createRng } from '../../src/core/data/rng';
import { DistilBertDistiller } from '../../src/core/distill/distilbert';
import type { Distiller, TrainBatch } from '../../src/core/distill/distiller';
import { KnowledgeDistiller } from '../../src/core/distill/kd';
import { MiniLmDistiller } from '../../src/core/distill/minilm';
import { PatientDistiller } from '../../src/core/distill/pkd';
import { ScratchTrainer } from '../../src/core/distill/scratch';
import { TinyBertDistiller } from '../../src/core/distill/tinybert';
import { UnlabeledTransfer } from '../../src/core/distill/unlabeled';
import { buildModel } from '../../src/core/models/zoo';
import type { ZooModel } from '../../src/core/models/zoo-model';
import { createOptimizer } from '../../src/core/train/optimizer';
import { DataParallel } from '../../src/core/train/parallel/data-parallel';
import { Replica, type ShardGradients } from '../../src/core/train/parallel/replica';
import { dropoutBase, shardDropoutSeed } from '../../src/core/train/parallel/replica-dropout';
import { startThreads } from '../../src/core/train/parallel/start';
import { maxAbsDifference } from '../support/parallel-batch';

// Data parallelism on transformers: no batch norm, so with dropout off the shards' averaged
// gradient must be the whole batch's — the one a single thread computes — for every text method.
// The batch is split 5 + 5 with long sequences in the first shard and short ones in the second, so
// a loss averaged over the batch's real tokens (DistilBERT's cosine) is not the size-weighted mean
// of the shards' own token means; every other text loss here is a mean over samples (TinyBERT's
// MSEs count padding too, MiniLM's KL is per sample, PKD's states are [CLS] vectors).

const LENGTH = 16;
const VOCAB = 24;
const CLASSES = 3;
/** Real tokens per sequence ([CLS] … [SEP] then padding): shard 0 holds 73, shard 1 holds 19. */
const LENGTHS = [16, 15, 14, 16, 12, 3, 4, 3, 5, 4];
/** Float32 sums grouped per shard against one sum over the batch: relative to the gradient's largest entry. */
const TOLERANCE = 1e-5;

type Spec = { layers: number; hidden: number; heads: number; dropout?: number };
const models: ZooModel[] = [];
function transformer(role: string, seed: number, spec: Spec): ZooModel {
  const m = buildModel({ arch: 'transformer', maxLength: LENGTH, dropout: 0, ...spec }, { inputShape: [LENGTH], numClasses: CLASSES, role, seed, vocabSize: VOCAB });
  models.push(m);
  return m;
}
const TEACHER: Spec = { layers: 2, hidden: 16, heads: 2 };
const STUDENT: Spec = { layers: 1, hidden: 16, heads: 2 };
const teacher = () => transformer('teacher', 1, TEACHER);
const student = (spec: Spec = STUDENT) => transformer('student', 2, spec);

/** Token ids [CLS]=1, words 3…23, [SEP]=2, then PAD=0, of the given real lengths; labels uniform. */
function textBatch(lengths: number[], seed: number): { batch: TrainBatch; labels: tf.Tensor1D } {
  const rng = createRng(seed);
  const ids = lengths.map((n) => Array.from({ length: LENGTH }, (_, i) => (i === 0 ? 1 : i === n - 1 ? 2 : i < n ? 3 + Math.floor(rng() * (VOCAB - 3)) : 0)));
  const labels = tf.tensor1d(
    lengths.map(() => Math.floor(rng() * CLASSES)),
    'int32',
  );
  return { batch: { x: tf.tensor2d(ids), y: labels, indices: Int32Array.from(lengths.keys()) }, labels };
}

const KD_TEXT = { temperature: 2, alpha: 0.5 };
const METHODS: { name: string; make: () => Distiller }[] = [
  { name: 'scratch (transformer)', make: () => new ScratchTrainer(student(), 'scratch') },
  { name: 'kd', make: () => new KnowledgeDistiller(student(), teacher(), { ...KD_TEXT, cacheTeacherLogits: false }) },
  { name: 'unlabeled', make: () => new UnlabeledTransfer(student(), teacher(), 4) },
  { name: 'distilbert (student from the teacher’s layers)', make: () => new DistilBertDistiller(student(), teacher(), { temperature: 2, alphaCe: 5, alphaCos: 1, alphaHard: 2, seed: 3 }) },
  {
    name: 'distilbert (narrower student, projection)',
    make: () => new DistilBertDistiller(student({ layers: 1, hidden: 8, heads: 2 }), teacher(), { temperature: 2, alphaCe: 5, alphaCos: 1, alphaHard: 2, seed: 3 }),
  },
  {
    name: 'pkd',
    make: () => new PatientDistiller(student({ layers: 2, hidden: 16, heads: 2 }), teacher(), { alpha: 0.7, beta: 100, temperature: 4, strategy: 'skip', seed: 3 }),
  },
  { name: 'tinybert intermediate', make: () => new TinyBertDistiller(student({ layers: 1, hidden: 8, heads: 2 }), teacher(), { temperature: 1, seed: 3 }, 'intermediate') },
  { name: 'tinybert prediction', make: () => new TinyBertDistiller(student(), teacher(), { temperature: 1, seed: 3 }, 'prediction') },
  {
    name: 'minilm intermediate',
    make: () => new MiniLmDistiller(student(), teacher(), { attentionWeight: 1, valueWeight: 1, kdWeight: 0, temperature: 1 }, 'intermediate'),
  },
  { name: 'minilm finetune (+KD)', make: () => new MiniLmDistiller(student(), teacher(), { attentionWeight: 1, valueWeight: 1, kdWeight: 0.5, temperature: 2 }, 'finetune') },
];

const config = TrainConfig.parse({ optimizer: { kind: 'adam' }, learningRate: 1e-3, weightDecay: 5e-4 });
const context = { epoch: 0, epochs: 1 };
const largest = (values: Float32Array) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Rows [start, start + n) of the batch, without shardOf: what one thread computes on those samples alone. */
function rows(batch: TrainBatch, labels: tf.Tensor1D, start: number, n: number): { batch: TrainBatch; labels: tf.Tensor1D } {
  const y = tf.slice(labels, start, n) as tf.Tensor1D;
  return { batch: { x: tf.slice(batch.x, start, n), y, indices: batch.indices.subarray(start, start + n) }, labels: y };
}
function onRows(replica: Replica, batch: TrainBatch, labels: tf.Tensor1D, start: number, n: number, dropoutSeed?: number): ShardGradients {
  const part = rows(batch, labels, start, n);
  try {
    return replica.gradients(part.batch, part.labels, context, dropoutSeed);
  } finally {
    tf.dispose([part.batch.x, part.labels]);
  }
}

describe('data-parallel training of transformers (text methods)', () => {
  before(() => initBackend('wasm', () => {}));
  after(() => {
    for (const m of models.splice(0)) m.dispose();
    tf.disposeVariables();
  });

  for (const method of METHODS) {
    test(`${method.name}: 2 threads give the whole batch's gradient and loss terms, within ${TOLERANCE} of the largest entry`, async () => {
      const distiller = method.make();
      const { batch, labels } = textBatch(LENGTHS, 7);
      const optimizer = createOptimizer(config);
      const parallel = await DataParallel.start(distiller, optimizer, config, { threads: 2, backend: 'wasm' });
      try {
        const averaged = await parallel.gradients(batch, labels, context);
        const whole = new Replica(distiller, optimizer, config.weightDecay).gradients(batch, labels, context);
        const scale = largest(whole.values);
        assert.ok(scale > 1e-4, `the gradient is not trivially zero (${scale})`);
        const difference = maxAbsDifference(averaged.values, whole.values);
        assert.ok(difference <= TOLERANCE * scale, `max difference from the whole batch's gradient: ${difference} (largest entry ${scale})`);
        for (const [term, value] of Object.entries(whole.losses)) {
          assert.ok(Math.abs(averaged.result.losses[term] - value) <= TOLERANCE * Math.max(1, Math.abs(value)), `${term}: ${averaged.result.losses[term]} vs ${value}`);
        }
        assert.equal(averaged.result.correct, whole.correct);
        parallel.apply(averaged.values, averaged.present);
        const weights = await parallel.replicaWeights();
        assert.deepEqual(weights[1].trainable, weights[0].trainable, 'the replicas stay equal after a step');
      } finally {
        await parallel.dispose();
        optimizer.dispose();
        tf.dispose([batch.x, labels]);
        distiller.dispose();
      }
    });
  }

  test('distilbert: the cosine term is the whole batch’s mean over its real tokens — Σ_s T_s·cos_s / T over the shards — not the size-weighted mean of the shards’ own means', async () => {
    // Not started from the teacher's layers, so the cosines are far from 1.
    const distiller = new DistilBertDistiller(student(), teacher(), { temperature: 2, alphaCe: 0, alphaCos: 1, alphaHard: 0, initFromTeacher: false, seed: 3 });
    const { batch, labels } = textBatch(LENGTHS, 11);
    const optimizer = createOptimizer(config);
    const parallel = await DataParallel.start(distiller, optimizer, config, { threads: 2, backend: 'wasm' });
    try {
      const averaged = await parallel.gradients(batch, labels, context);
      const reference = new Replica(distiller, optimizer, config.weightDecay);
      // Each shard alone, as one thread would see it: its own cosine mean over its own tokens.
      const shards = [onRows(reference, batch, labels, 0, 5), onRows(reference, batch, labels, 5, 5)];
      const tokens = [LENGTHS.slice(0, 5), LENGTHS.slice(5)].map((ls) => ls.reduce((a, b) => a + b, 0));
      assert.deepEqual(tokens, [73, 19]);
      const total = tokens[0] + tokens[1];
      const byTokens = (tokens[0] * shards[0].losses.cos + tokens[1] * shards[1].losses.cos) / total;
      const bySamples = 0.5 * shards[0].losses.cos + 0.5 * shards[1].losses.cos;
      assert.ok(Math.abs(averaged.result.losses.cos - byTokens) <= 1e-6, `cos ${averaged.result.losses.cos} vs Σ T_s·cos_s / T = ${byTokens}`);
      assert.ok(Math.abs(bySamples - byTokens) > 1e-3, `the shards' token counts matter here: ${bySamples} vs ${byTokens}`);
      // The gradient likewise: the shards' gradients weighted by their tokens (weight decay, the
      // same on both, weighted by samples), not by their samples.
      const decay = new Replica(distiller, optimizer, config.weightDecay).weights().trainable.map((v) => config.weightDecay * v);
      const expected = shards[0].values.map((g0, i) => (tokens[0] * (g0 - decay[i]) + tokens[1] * (shards[1].values[i] - decay[i])) / total + decay[i]);
      const scale = largest(expected);
      assert.ok(maxAbsDifference(averaged.values, expected) <= TOLERANCE * scale, `max difference ${maxAbsDifference(averaged.values, expected)} (largest ${scale})`);
      const naive = shards[0].values.map((g0, i) => 0.5 * g0 + 0.5 * shards[1].values[i]);
      assert.ok(maxAbsDifference(naive, expected) > 100 * TOLERANCE * scale, 'weighting the shards by samples would be measurably wrong');
    } finally {
      await parallel.dispose();
      optimizer.dispose();
      tf.dispose([batch.x, labels]);
      distiller.dispose();
    }
  });

  test('dropout: each shard draws its own masks, seeded by the run’s seed, the step and the shard — a worker’s shard is the one the main thread computes with that seed', async () => {
    const trained = student({ ...STUDENT, dropout: 0.1 });
    const distiller = new ScratchTrainer(trained, 'scratch');
    // The second shard repeats the first: equal masks would give equal gradients.
    const lengths = LENGTHS.slice(0, 5);
    const { batch: half, labels: halfLabels } = textBatch(lengths, 5);
    const labels = tf.concat([halfLabels, halfLabels]) as tf.Tensor1D;
    const batch: TrainBatch = { x: tf.concat([half.x, half.x]), y: labels, indices: Int32Array.from({ length: 10 }, (_, i) => i) };
    const optimizer = createOptimizer(config);
    const parallel = await DataParallel.start(distiller, optimizer, config, { threads: 2, backend: 'wasm' });
    try {
      const averaged = await parallel.gradients(batch, labels, context);
      const reference = new Replica(distiller, optimizer, config.weightDecay);
      const base = dropoutBase(trained.net);
      assert.ok(base !== undefined);
      const [g0, g1] = [0, 1].map((shard) => onRows(reference, batch, labels, 5 * shard, 5, shardDropoutSeed(base, 0, 0, shard)));
      const scale = largest(g0.values);
      assert.ok(maxAbsDifference(g0.values, g1.values) > 1e-2 * scale, 'the two shards dropped different units');
      const expected = g0.values.map((v, i) => 0.5 * v + 0.5 * g1.values[i]);
      assert.ok(maxAbsDifference(averaged.values, expected) <= TOLERANCE * scale, `max difference ${maxAbsDifference(averaged.values, expected)}`);
      // The next step draws new masks.
      const next = await parallel.gradients(batch, labels, context);
      assert.ok(maxAbsDifference(next.values, averaged.values) > 1e-2 * scale);
    } finally {
      await parallel.dispose();
      optimizer.dispose();
      tf.dispose([batch.x, labels, half.x, halfLabels]);
      distiller.dispose();
    }
  });

  test('startThreads: a text method on 2 threads is data parallel, and says what a transformer replica normalises and drops', async () => {
    const notes: string[] = [];
    const distiller = new TinyBertDistiller(student(), teacher(), { temperature: 1, seed: 3 }, 'prediction');
    const optimizer = createOptimizer(config);
    const threads = await startThreads(distiller, optimizer, TrainConfig.parse({ threads: 2, batchSize: 8 }), 'student', (e) => notes.push(e.message));
    try {
      assert.ok(threads.parallel, 'replicas started');
      assert.equal(notes.length, 1);
      assert.match(notes[0], /^student: 2 threads, data parallel .*no batch norm, so the averaged gradient is the whole batch’s; each shard draws its own dropout masks/);
    } finally {
      await threads.parallel?.dispose();
      optimizer.dispose();
      distiller.dispose();
    }
  });
});
