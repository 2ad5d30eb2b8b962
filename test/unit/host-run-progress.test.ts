import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RunProgress } from '../../src/host/training/run-progress';

describe('run progress (extension host)', () => {
  test('is "starting" at 0% until the first step', () => {
    const progress = new RunProgress();
    assert.equal(progress.describe(), 'starting');
    progress.apply({ type: 'started', runId: 'r', backend: 'wasm', config: {} as never, phases: ['teacher', 'student-scratch', 'student'] });
    assert.equal(progress.fraction, 0);
  });

  test('counts the whole run: phases, then epochs, then steps', () => {
    const progress = new RunProgress();
    progress.apply({ type: 'started', runId: 'r', backend: 'wasm', config: {} as never, phases: ['teacher', 'student-scratch', 'student'] });
    progress.apply({ type: 'progress', phase: 'student-scratch', epoch: 2, epochs: 4, step: 5, steps: 10, losses: {} });
    // one phase done, and 1.5 of 4 epochs of the second: (1 + 1.5/4) / 3
    assert.ok(Math.abs(progress.fraction - (1 + 1.5 / 4) / 3) < 1e-12);
    assert.equal(progress.describe(), 'student-scratch · epoch 2/4 · step 5/10');
  });

  test('an epoch event completes its epoch; the last one reaches 100%', () => {
    const progress = new RunProgress();
    progress.apply({ type: 'started', runId: 'r', backend: 'wasm', config: {} as never, phases: ['student'] });
    progress.apply({ type: 'progress', phase: 'student', epoch: 3, epochs: 3, step: 9, steps: 10, losses: {} });
    assert.ok(progress.fraction < 1);
    assert.equal(progress.apply({ type: 'epoch', phase: 'student', epoch: 3, epochs: 3, losses: {}, trainAccuracy: {}, valAccuracy: {}, learningRate: 0.001, seconds: 1 }), true);
    assert.equal(progress.fraction, 1);
  });

  test('ignores events that do not move the run', () => {
    const progress = new RunProgress();
    assert.equal(progress.apply({ type: 'log', level: 'info', message: 'hello' }), false);
  });
});
