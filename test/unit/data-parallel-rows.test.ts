import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TrainConfig } from '../../src/shared/protocol';
import { initBackend } from '../../src/core/backend/select';
import type { Distiller, TrainBatch } from '../../src/core/distill/distiller';
import { MutualLearning } from '../../src/core/distill/dml';
import { ScratchTrainer } from '../../src/core/distill/scratch';
import { TinyBertDistiller } from '../../src/core/distill/tinybert';
import { buildModel } from '../../src/core/models/zoo';
import type { ZooModel } from '../../src/core/models/zoo-model';
import { createOptimizer } from '../../src/core/train/optimizer';
import { DataParallel } from '../../src/core/train/parallel/data-parallel';
import { averageGradients, denseGradients, flattenGradients, weightedSum, type FlatGradients } from '../../src/core/train/parallel/flat';
import { rowSparseVariables } from '../../src/core/train/parallel/rows';
import { Replica } from '../../src/core/train/parallel/replica';

// Data-parallel steps send an embedding table's gradient as the rows a shard touched. The average
// must be the dense exchange's, bit for bit (weightedSum's order, −0 and +0 alike), or replicas
// trained with one exchange would drift from the other's; every replica applies the same bits.

const models: ZooModel[] = [];

/** The index of the first value whose bits differ (Object.is: −0 ≠ +0, NaN = NaN), or −1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'lengths');
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}
function assertSameBits(a: Float32Array, b: Float32Array, what: string): void {
  const at = firstDifference(a, b);
  assert.equal(at, -1, `${what}: first differing value at ${at}: ${a[at]} vs ${b[at]}`);
}

before(() => initBackend('wasm', () => {}));
after(() => {
  for (const m of models.splice(0)) m.dispose();
  tf.disposeVariables();
});

describe('row gradients: the same sums as the dense tables', () => {
  // Three replicas' gradients of a [5, 2] table after a dense [3] variable. Row 0: every part, its
  // sums cancelling exactly to +0; row 1: part 0 alone, with a −0 in it; row 2: no part (one part
  // holds −0s there, which it does not send); row 3: parts 1 and 2, a NaN in part 2's; row 4: part 2.
  const shapes = [{ shape: [3] }, { shape: [5, 2] }];
  const sparse = [false, true];
  const tables = [
    [0.5, -0.25, 0, 1, 1, -0, 2, -0, -0, 0, 0, 0, 0],
    [1, 2, 3, -2, -2, 0, 0, 0, 0, 3.25, 1e-30, 0, 0],
    [-0, 7, 1e-7, 1.5, 1.5, 0, 0, 0, 0, -1, Number.NaN, 5, -5],
  ].map((v) => Float32Array.from(v));
  const weights = [0.375, 0.375, 0.25];
  /** A part as flattenGradients sends it: the dense variable's values, then the table's nonzero rows. */
  function asRows(table: Float32Array): FlatGradients {
    const rows: number[] = [];
    for (let r = 0; r < 5; r++) if (table[3 + 2 * r] !== 0 || table[4 + 2 * r] !== 0) rows.push(r);
    const values = Float32Array.from(rows.flatMap((r) => [table[3 + 2 * r], table[4 + 2 * r]]));
    return { values: table.slice(0, 3), present: [true, true], rows: [{ rows: Int32Array.from(rows), width: 2, values }] };
  }

  test('weighted and summed in replica order: every bit of weightedSum over the dense tables, −0/+0 and NaN included', () => {
    const parts = tables.map(asRows);
    assert.deepEqual(
      parts.map((p) => Array.from(p.rows![0].rows)),
      [
        [0, 1],
        [0, 3],
        [0, 3, 4],
      ],
      'the parts send the rows with a nonzero value (row 2 of part 0 holds −0s only)',
    );
    const dense = weightedSum(tables.map((values, i) => ({ values, weight: weights[i] })));
    const averaged = averageGradients(parts.map((gradients, i) => ({ gradients, weight: weights[i] })));
    assert.deepEqual(Array.from(averaged.rows![0].rows), [0, 1, 3, 4], 'the union of the rows sent');
    assertSameBits(denseGradients(shapes, averaged, sparse), dense, 'rows against dense');
    // What the cases are there for: a sum that cancels to +0, a −0 that the dense sum turns to +0, a NaN.
    assert.ok(Object.is(dense[3], 0) && Object.is(dense[5], 0) && Number.isNaN(dense[10]), `${dense[3]} ${dense[5]} ${dense[10]}`);
  });

  test('a table that no replica reached: absent, no rows, zeros; replicas that disagree on the layout are refused', () => {
    const absent: FlatGradients = { values: Float32Array.from([1, 2, 3]), present: [true, false], rows: [{ rows: new Int32Array(0), width: 2, values: new Float32Array(0) }] };
    const averaged = averageGradients([
      { gradients: absent, weight: 0.5 },
      { gradients: { ...absent, values: Float32Array.from([3, 2, 1]) }, weight: 0.5 },
    ]);
    assert.deepEqual(averaged.present, [true, false]);
    assertSameBits(denseGradients(shapes, averaged, sparse), Float32Array.from([2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 'absent table');
    const withoutRows = { values: absent.values, present: absent.present };
    assert.throws(
      () =>
        averageGradients([
          { gradients: withoutRows, weight: 1 },
          { gradients: absent, weight: 1 },
        ]),
      /some replicas sent rows, others not/,
    );
    assert.throws(
      () =>
        averageGradients([
          { gradients: absent, weight: 1 },
          { gradients: withoutRows, weight: 1 },
        ]),
      /some replicas sent rows, others not/,
    );
    assert.throws(
      () =>
        averageGradients([
          { gradients: absent, weight: 1 },
          { gradients: { ...withoutRows, rows: [] }, weight: 1 },
        ]),
      /expected 1 row gradients from every replica, got 0/,
    );
    assert.throws(
      () =>
        averageGradients([
          { gradients: absent, weight: 1 },
          { gradients: { ...absent, rows: [{ rows: Int32Array.of(0), width: 3, values: new Float32Array(3) }] }, weight: 1 },
        ]),
      /rows of 2 values/,
    );
  });

  test('flattenGradients on real variables: the table as its nonzero rows, an absent one as none, and the same values dense', () => {
    const dense = tf.variable(tf.tensor1d([0.1, 0.2, 0.3]), true, 'rows_test_dense');
    const table = tf.variable(tf.zeros([300, 4]), true, 'rows_test_table');
    const other = tf.variable(tf.zeros([256, 2]), true, 'rows_test_absent');
    const variables = [dense, table, other];
    const flags = rowSparseVariables(variables);
    assert.deepEqual(flags, [false, true, true], 'tall 2-D tables (≥ 256 rows, ≥ 8 × their width) travel as rows');
    const grads = {
      rows_test_dense: tf.tensor1d([1, -0, 3]),
      rows_test_table: tf.scatterND(
        tf.tensor2d([[7], [2], [299]], [3, 1], 'int32'),
        tf.tensor2d([
          [1, 0, 0, 0],
          [0, 0, -0, 2],
          [0, 0, 0, -1e-20],
        ]),
        [300, 4],
      ),
    };
    try {
      const flat = flattenGradients(variables, grads, flags);
      assert.deepEqual(flat.present, [true, true, false]);
      assert.deepEqual(Array.from(flat.rows![0].rows), [2, 7, 299]);
      assert.deepEqual(Array.from(flat.rows![1].rows), []);
      assertSameBits(denseGradients(variables, flat, flags), flattenGradients(variables, grads).values, 'densified against flattened dense');
    } finally {
      tf.dispose([dense, table, other, ...Object.values(grads)]);
    }
  });
});

// A real transformer whose word table is row-sparse (300 ids × 16 ≥ 256 rows, ≥ 8 × 16) and
// nothing else is. Ids: 0 padding, 1 [CLS], 2 [SEP]; 50 and 51 in every shard; 3–7 in the first
// shard alone, 100–105 in the second, 200–203 in the third; most ids in no shard.
const LENGTH = 8;
const VOCAB = 300;
const SHARDS = [
  [
    [1, 3, 4, 5, 50, 2, 0, 0],
    [1, 6, 7, 51, 50, 2, 0, 0],
  ],
  [
    [1, 100, 101, 50, 2, 0, 0, 0],
    [1, 102, 103, 104, 51, 105, 2, 0],
  ],
  [
    [1, 200, 201, 50, 2, 0, 0, 0],
    [1, 202, 203, 2, 0, 0, 0, 0],
  ],
];
const context = { epoch: 0, epochs: 1 };
function transformer(role: string, seed: number, layers: number): ZooModel {
  const m = buildModel({ arch: 'transformer', layers, hidden: 16, heads: 2, maxLength: LENGTH, dropout: 0 }, { inputShape: [LENGTH], numClasses: 3, role, seed, vocabSize: VOCAB });
  models.push(m);
  return m;
}

/** The first `threads` shards' samples, each step's ids moved on by `step` (0 stays 0), so later steps touch other rows. */
function batchOf(threads: number, step: number): { batch: TrainBatch; labels: tf.Tensor1D } {
  const ids = SHARDS.slice(0, threads)
    .flat()
    .map((row) => row.map((id) => (id === 0 ? 0 : id + 7 * step)));
  const labels = tf.tensor1d(
    ids.map((_, i) => (i + step) % 3),
    'int32',
  );
  return { batch: { x: tf.tensor2d(ids), y: labels, indices: Int32Array.from(ids.keys()) }, labels };
}

/** The same method twice from the same seeds, one exchanging dense gradients, the other rows. */
async function bothExchanges(make: () => Distiller, threads: number, config: TrainConfig, body: (dense: DataParallel, rows: DataParallel, distillers: Distiller[]) => Promise<void>): Promise<void> {
  const distillers = [make(), make()];
  // One optimizer per trained model (models trained together have several).
  const optimizers = distillers.map((d) => Array.from({ length: d.together?.members.length ?? 1 }, () => createOptimizer(config)));
  const started: DataParallel[] = [];
  try {
    for (const [i, exchange] of (['dense', 'rows'] as const).entries()) started.push(await DataParallel.start(distillers[i], optimizers[i], config, { threads, backend: 'wasm', exchange }));
    const [dense, rows] = started;
    assertSameBits((await rows.replicaWeights())[0].trainable, (await dense.replicaWeights())[0].trainable, 'the two start equal');
    await body(dense, rows, distillers);
  } finally {
    await Promise.all(started.map((p) => p.dispose()));
    for (const o of optimizers.flat()) o.dispose();
    for (const d of distillers) d.dispose();
  }
}

/** Steps both (`together`: models trained together, every peer), then checks every replica of each agrees (synchronize) and the two trained the same bits. */
async function stepBoth(dense: DataParallel, rows: DataParallel, threads: number, steps: number, together = false): Promise<void> {
  const start = (await dense.replicaWeights())[0].trainable;
  for (let step = 1; step <= steps; step++) {
    const { batch, labels } = batchOf(threads, step);
    const stepOf = (p: DataParallel) => (together ? p.stepTogether(batch, labels, context) : p.step(batch, labels, context));
    const [a, b] = [await stepOf(dense), await stepOf(rows)];
    assert.deepEqual(b, a, `step ${step}: the same loss terms`);
    tf.dispose([batch.x, labels]);
  }
  await Promise.all([dense.synchronize(), rows.synchronize()]);
  const [d, r] = [await dense.replicaWeights(), await rows.replicaWeights()];
  assert.equal(r.length, threads);
  for (const w of r) assertSameBits(w.trainable, r[0].trainable, 'every replica of the rows exchange');
  assertSameBits(r[0].trainable, d[0].trainable, `after ${steps} steps, rows against dense`);
  assert.ok(firstDifference(r[0].trainable, start) >= 0, 'the steps moved the weights');
}

describe('data-parallel steps that exchange an embedding table as rows (real transformer, wasm)', () => {
  test('2 threads, Adam: a shard sends the rows of its own ids; the average and 3 steps are the dense exchange’s bits; replicas stay equal', async () => {
    const config = TrainConfig.parse({ optimizer: { kind: 'adam' }, learningRate: 1e-2, weightDecay: 0 });
    await bothExchanges(
      () => new ScratchTrainer(transformer('student', 2, 1), 'scratch'),
      2,
      config,
      async (dense, rows, [distiller]) => {
        const variables = distiller.trainableVariables();
        const flags = rowSparseVariables(variables);
        assert.deepEqual(
          variables.filter((_, i) => flags[i]).map((v) => v.shape),
          [[VOCAB, 16]],
          'the word table alone travels as rows',
        );
        assert.ok(variables[flags.indexOf(true)].name.includes('word_embeddings'), variables[flags.indexOf(true)].name);

        // One thread's shard: the rows it sends are its real tokens' ids (padding's row gets no gradient through the mask).
        const { batch, labels } = batchOf(2, 0);
        const shard = { x: tf.slice(batch.x, 2, 2), y: tf.slice(labels, 2, 2) as tf.Tensor1D, indices: batch.indices.subarray(2, 4) };
        const optimizer = createOptimizer(config);
        const own = new Replica(distiller, optimizer, 0, 'rows').gradients(shard, shard.y, context);
        optimizer.dispose();
        const ids = [...new Set(SHARDS[1].flat().filter((id) => id !== 0))].sort((a, b) => a - b);
        assert.deepEqual(Array.from(own.rows![0].rows), ids);
        tf.dispose([shard.x, shard.y]);

        const [a, b] = [await dense.gradients(batch, labels, context), await rows.gradients(batch, labels, context)];
        assert.ok(
          a.values.some((v) => Math.abs(v) > 1e-4),
          'the gradient is not trivially zero',
        );
        assertSameBits(b.values, a.values, 'the averaged gradient');
        assert.deepEqual(b.present, a.present);
        tf.dispose([batch.x, labels]);
        await stepBoth(dense, rows, 2, 3);
      },
    );
  });

  test('3 threads, SGD with momentum and weight decay (every row nonzero then): the dense exchange’s bits over 2 steps', async () => {
    const config = TrainConfig.parse({ optimizer: { kind: 'sgd', momentum: 0.9 }, learningRate: 0.05, weightDecay: 5e-4 });
    await bothExchanges(
      () => new ScratchTrainer(transformer('student', 4, 1), 'scratch'),
      3,
      config,
      async (dense, rows) => stepBoth(dense, rows, 3, 2),
    );
  });

  test('TinyBERT’s intermediate stage (the classifier unreached): absent variables stay absent, the same bits over 2 steps', async () => {
    const config = TrainConfig.parse({ optimizer: { kind: 'adam' }, learningRate: 1e-2, weightDecay: 0 });
    await bothExchanges(
      () => new TinyBertDistiller(transformer('student', 6, 1), transformer('teacher', 5, 2), { temperature: 1, seed: 3 }, 'intermediate'),
      2,
      config,
      async (dense, rows) => {
        const { batch, labels } = batchOf(2, 0);
        const [a, b] = [await dense.gradients(batch, labels, context), await rows.gradients(batch, labels, context)];
        assert.ok(a.present.includes(false) && a.present.includes(true), `some variables absent: ${a.present}`);
        assert.deepEqual(b.present, a.present);
        assertSameBits(b.values, a.values, 'the averaged gradient');
        tf.dispose([batch.x, labels]);
        await stepBoth(dense, rows, 2, 2);
      },
    );
  });

  for (const update of ['simultaneous', 'alternating'] as const) {
    test(`DML of two transformer peers, ${update} (${update === 'simultaneous' ? 'every peer’s tables in one exchange' : 'one exchange per peer'}): the dense exchange’s bits over 2 steps`, async () => {
      const config = TrainConfig.parse({ optimizer: { kind: 'adam' }, learningRate: 1e-2, weightDecay: 0 });
      const peers = () => [7, 8].map((seed) => ({ role: `peer-${seed}`, model: transformer(`peer-${seed}`, seed, 1) }));
      await bothExchanges(
        () => new MutualLearning(peers(), update),
        2,
        config,
        async (dense, rows) => stepBoth(dense, rows, 2, 2, true),
      );
    });
  }
});
