// distill.threadsPerRun: how many threads a run the extension starts trains on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveRunConfig, runThreads } from '../../src/host/training/run-config';

describe('distill.threadsPerRun', () => {
  test('0 (the default): every core for one run at a time, the cores shared out over parallel runs, never below 1', () => {
    assert.equal(runThreads({ threadsPerRun: 0, maxParallelRuns: 1 }, 2), 2);
    assert.equal(runThreads({ threadsPerRun: 0, maxParallelRuns: 2 }, 8), 4);
    assert.equal(runThreads({ threadsPerRun: 0, maxParallelRuns: 3 }, 2), 1);
  });

  test('a set value wins over the cores', () => {
    assert.equal(runThreads({ threadsPerRun: 3, maxParallelRuns: 4 }, 2), 3);
  });

  test('fills train.threads of a config that leaves it open, and only then', () => {
    assert.equal(resolveRunConfig({ name: 'x' }, { backend: 'wasm', threads: 2 }).train.threads, 2);
    assert.equal(resolveRunConfig({ name: 'x', train: { epochs: 3 } }, { backend: 'wasm', threads: 2 }).train.threads, 2);
    assert.equal(resolveRunConfig({ name: 'x', train: { epochs: 3, threads: 1 } }, { backend: 'wasm', threads: 2 }).train.threads, 1);
    assert.equal(resolveRunConfig({ name: 'x' }, { backend: 'wasm' }).train.threads, undefined);
  });
});
