import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunProgress } from '../../src/host/training/run-progress';
import { runsStatusText } from '../../src/host/training/status-text';

function job(label: string, state: 'queued' | 'running', backend?: string) {
  const progress = new RunProgress();
  if (backend) {
    progress.apply({ type: 'started', runId: label, backend, config: {} as never, phases: ['teacher', 'student'] });
    progress.apply({ type: 'progress', phase: 'teacher', epoch: 1, epochs: 2, step: 5, steps: 10, losses: {} });
  }
  return { label, state, progress };
}

test('the status bar names the backend the first running run trains on, as its started event says', () => {
  const { text, tooltip } = runsStatusText([job('kd/run-1', 'running', 'tfjs-node'), job('kd/run-2', 'running', 'wasm'), job('kd/run-3', 'queued')]);
  // teacher, epoch 1 of 2 half done: a quarter of the first of two phases
  assert.equal(text, '$(sync~spin) Distill: 2 running, 1 queued · tfjs-node · teacher · epoch 1/2 · step 5/10 · 13%');
  assert.equal(tooltip, ['kd/run-1: teacher · epoch 1/2 · step 5/10 (backend tfjs-node)', 'kd/run-2: teacher · epoch 1/2 · step 5/10 (backend wasm)', 'kd/run-3: queued'].join('\n'));
});

test('before the trainer says which backend started, the status bar says only where the run is', () => {
  const { text, tooltip } = runsStatusText([job('kd/run-1', 'running')]);
  assert.equal(text, '$(sync~spin) Distill: 1 running · starting · 0%');
  assert.equal(tooltip, 'kd/run-1: starting');
});
