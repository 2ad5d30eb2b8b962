// distill.threadsPerRun and distill.maxParallelRuns: how many threads a run the extension starts
// trains on, and how many trainers run at once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parallelRuns, resolveRunConfig, runThreads, withRunSettings } from '../../src/host/training/run-config';

describe('distill.maxParallelRuns', () => {
  test('0 (the default) is one trainer per core', () => {
    assert.equal(parallelRuns(0, 2), 2);
    assert.equal(parallelRuns(0, 16), 16);
  });

  test('a set value is taken as it is, whole, from 1 to 64', () => {
    assert.equal(parallelRuns(1, 8), 1);
    assert.equal(parallelRuns(3, 2), 3);
    assert.equal(parallelRuns(2.7, 8), 2);
    assert.equal(parallelRuns(500, 8), 64);
  });

  test('a value below 1 or not a number falls back to the cores', () => {
    assert.equal(parallelRuns(-3, 4), 4);
    assert.equal(parallelRuns(Number.NaN, 4), 4);
    assert.equal(parallelRuns(0, 0), 1);
  });
});

describe('distill.threadsPerRun', () => {
  test('0 (the default): every core for one run at a time, the cores shared out over parallel runs, never below 1', () => {
    assert.equal(runThreads({ threadsPerRun: 0, maxParallelRuns: 1 }, 2), 2);
    assert.equal(runThreads({ threadsPerRun: 0, maxParallelRuns: 2 }, 8), 4);
    assert.equal(runThreads({ threadsPerRun: 0, maxParallelRuns: 3 }, 2), 1);
  });

  test('0: shared over the runs that will train at once, this one included, at most maxParallelRuns', () => {
    // The default maxParallelRuns (the cores): a run alone still takes every core.
    assert.equal(runThreads({ threadsPerRun: 0, maxParallelRuns: 8 }, 8, 1), 8);
    assert.equal(runThreads({ threadsPerRun: 0, maxParallelRuns: 8 }, 8, 2), 4);
    // Past maxParallelRuns the others wait in the queue: they do not count.
    assert.equal(runThreads({ threadsPerRun: 0, maxParallelRuns: 2 }, 8, 5), 4);
    assert.equal(runThreads({ threadsPerRun: 0, maxParallelRuns: 2 }, 2, 12), 1);
  });

  test('a set value wins over the cores', () => {
    assert.equal(runThreads({ threadsPerRun: 3, maxParallelRuns: 4 }, 2), 3);
    assert.equal(runThreads({ threadsPerRun: 3, maxParallelRuns: 4 }, 2, 1), 3);
  });

  test('fills train.threads of a config that leaves it open, and only then', () => {
    assert.equal(resolveRunConfig({ name: 'x' }, { backend: 'wasm', threads: 2 }).train.threads, 2);
    assert.equal(resolveRunConfig({ name: 'x', train: { epochs: 3 } }, { backend: 'wasm', threads: 2 }).train.threads, 2);
    assert.equal(resolveRunConfig({ name: 'x', train: { epochs: 3, threads: 1 } }, { backend: 'wasm', threads: 2 }).train.threads, 1);
    assert.equal(resolveRunConfig({ name: 'x' }, { backend: 'wasm' }).train.threads, undefined);
  });

  test('withRunSettings merges without parsing (a study base has no method) and leaves its input alone', () => {
    const base = { data: { limitTrain: 10 }, train: { epochs: 1 } };
    assert.deepEqual(withRunSettings(base, { backend: 'cpu', threads: 1 }), { data: { limitTrain: 10 }, train: { epochs: 1, threads: 1 }, backend: 'cpu' });
    assert.deepEqual(base, { data: { limitTrain: 10 }, train: { epochs: 1 } });
    assert.deepEqual(withRunSettings({ backend: 'wasm' }, { backend: 'cpu' }), { backend: 'wasm' });
  });
});
