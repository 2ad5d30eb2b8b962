// CRD's negatives drawn on a worker thread: the same draws as on this thread for the same seed and
// batches (prefetched or not), counts that match the draws, and the sampler's errors carried back.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { initBackend } from '../../src/core/backend/select';
import { ContrastMemory } from '../../src/core/distill/contrast-memory';
import { LocalNegatives } from '../../src/core/distill/negative-source';
import { WorkerNegatives } from '../../src/core/distill/negatives-worker';
import { unitRows } from '../support/unit-rows';

const N = 50;
const LABELS = Int32Array.from({ length: N }, (_, i) => i % 5); // 40 samples of other classes per anchor
const BATCHES = [Int32Array.from([0, 7, 13, 49]), Int32Array.from([1, 2, 3, 4]), Int32Array.from([10, 20, 30]), Int32Array.from([5, 6, 8, 9])];

const copy = (d: { indices: Int32Array; counts: Float32Array }) => ({ indices: Int32Array.from(d.indices), counts: Float32Array.from(d.counts) });

describe('negatives on a worker thread', () => {
  const cases = [
    { name: 'other classes, distinct (K = 30 ≤ 40)', options: { nData: N, k: 30, seed: 3, labels: LABELS } },
    { name: 'other classes, with replacement (K = 49 > 40)', options: { nData: N, k: 49, seed: 3, labels: LABELS } },
    { name: 'uniform over the other samples', options: { nData: N, k: 20, seed: 8 } },
  ];
  for (const { name, options } of cases) {
    test(`${name}: the draws and counts of LocalNegatives, batches prefetched or not`, () => {
      const local = new LocalNegatives(options);
      const worker = new WorkerNegatives(options);
      try {
        // Announce the next batch before taking each one, except once, as the training loop does at an epoch's end.
        worker.prefetch(BATCHES[0]);
        BATCHES.forEach((idx, i) => {
          const got = copy(worker.take(idx));
          if (i + 1 < BATCHES.length && i !== 1) worker.prefetch(BATCHES[i + 1]);
          const want = copy(local.take(idx));
          assert.deepEqual(got.indices, want.indices, `batch ${i}: indices`);
          assert.deepEqual(got.counts, want.counts, `batch ${i}: counts`);
          idx.forEach((sample, b) => {
            const row = Array.from({ length: N }, (_, c) => got.counts[c * idx.length + b]);
            assert.equal(
              row.reduce((s, c) => s + c, 0),
              options.k,
              `row ${b} counts K negatives`,
            );
            assert.equal(got.indices[b * (options.k + 1)], sample, 'column 0 is the sample');
            for (let j = 1; j <= options.k; j++) {
              const c = got.indices[b * (options.k + 1) + j];
              assert.ok(row[c] >= 1, 'every drawn negative is counted');
              if (options.labels) assert.notEqual(options.labels[c], options.labels[sample], 'negatives come from other classes');
            }
          });
        });
      } finally {
        worker.dispose();
      }
    });
  }

  test('a batch announced but not taken is drawn and dropped, as the stream on this thread would have drawn it', () => {
    const options = { nData: N, k: 10, seed: 5, labels: LABELS };
    const local = new LocalNegatives(options);
    const worker = new WorkerNegatives(options);
    try {
      worker.prefetch(BATCHES[0]);
      const got = copy(worker.take(BATCHES[1]));
      local.take(BATCHES[0]);
      assert.deepEqual(got.indices, copy(local.take(BATCHES[1])).indices);
    } finally {
      worker.dispose();
    }
  });

  test("the sampler's errors come back to the step that takes the batch", () => {
    const worker = new WorkerNegatives({ nData: N, k: 10, seed: 5, labels: LABELS });
    try {
      assert.throws(() => worker.take(Int32Array.from([3, 50])), /index 50 is outside \[0, 50\)/);
      // The stream goes on for later batches.
      assert.equal(worker.take(BATCHES[0]).indices[0], 0);
    } finally {
      worker.dispose();
    }
    const broken = new WorkerNegatives({ nData: N, k: 50, seed: 5 });
    try {
      assert.throws(() => broken.take(BATCHES[0]), /k must be in \[1, 49\], got 50/);
    } finally {
      broken.dispose();
    }
  });
});

describe('ContrastMemory drawing on a worker thread', () => {
  before(async () => {
    await initBackend('wasm', () => {});
  });

  test('over steps announced ahead, the losses, gradients and banks equal those of a memory drawing on this thread', () => {
    const D = 8;
    const options = { featDim: D, nData: N, k: 49, temperature: 0.07, momentum: 0.5, seed: 4, labels: LABELS, initial: { student: unitRows(N, D, 3), teacher: unitRows(N, D, 5) } };
    const here = new ContrastMemory(options);
    const there = new ContrastMemory({ ...options, drawOnWorker: true });
    const step = (memory: ContrastMemory, i: number) =>
      tf.tidy(() => {
        const idx = BATCHES[i];
        const { value, grads } = tf.valueAndGrads((s: tf.Tensor, t: tf.Tensor) => {
          const { lossS, lossT } = memory.nceLosses(s as tf.Tensor2D, t as tf.Tensor2D, idx, { next: BATCHES[i + 1] });
          return tf.add(lossS, lossT) as tf.Scalar;
        })([tf.tensor2d(unitRows(idx.length, D, 10 + i)), tf.tensor2d(unitRows(idx.length, D, 20 + i))]);
        return { loss: value.dataSync()[0], grads: grads.map((g) => Array.from(g.dataSync())) };
      });
    BATCHES.forEach((_, i) => {
      const a = step(here, i);
      const b = step(there, i);
      assert.equal(b.loss, a.loss, `step ${i} loss`);
      assert.deepEqual(b.grads, a.grads, `step ${i} gradients`);
    });
    assert.deepEqual(there.memories(), here.memories());
    here.dispose();
    there.dispose();
  });
});
