import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TrainConfig, type TrainerEvent } from '../../src/shared/protocol';
import type { Distiller } from '../../src/core/distill/distiller';
import type { TrainOptimizer } from '../../src/core/train/optimizer';
import { initBackend } from '../../src/core/backend/select';
import { startThreads } from '../../src/core/train/parallel/start';
import { runExperiment } from '../../src/core/run/experiment';
import { RunFolder } from '../../src/shared/run-folder';
import { methodConfig, runMethod, scratchDir } from '../support/method-run';

// train.threads through a whole run: the loop shares each step out over worker threads for the
// methods that support it, and says so; others train on one thread with a note naming the method.

const logs = (events: TrainerEvent[]) => events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
const losses = (events: TrainerEvent[]) => events.flatMap((e) => (e.type === 'epoch' ? [{ phase: e.phase, epoch: e.epoch, losses: e.losses, val: e.valAccuracy }] : []));

describe('train.threads in a run', () => {
  // The thread plan reads the backend: set it here so each test also runs alone (--test-name-pattern).
  before(() => initBackend('wasm', () => {}));
  const dir = scratchDir('threads');
  after(() => dir.remove());

  // 200 training samples in batches of 64: the last batch of each epoch has 8.
  const kdConfig = methodConfig({
    data: { dataset: { kind: 'builtin' }, limitTrain: 200, limitValidation: 60, limitTest: 60 },
    teacher: { model: { arch: 'cnn', widths: [4] }, train: { epochs: 1 } },
    student: { model: { arch: 'mlp', hidden: [8] } },
    method: { name: 'kd' },
    train: { epochs: 2, batchSize: 64, threads: 2 },
  });

  test('teacher (with batch norm) and KD student on 2 threads: trained, logged, and the same again from the same seed', async () => {
    const first = await runMethod(kdConfig, dir.path('kd-a'));
    const second = await runMethod(kdConfig, dir.path('kd-b'));
    for (const phase of ['teacher', 'student'])
      assert.ok(
        logs(first.events).some((m) => m.startsWith(`${phase}: 2 threads, data parallel`)),
        `${phase} says it runs on 2 threads`,
      );
    const epochs = losses(first.events);
    assert.equal(epochs.length, 3);
    for (const e of epochs) assert.ok(Number.isFinite(e.losses.total));
    assert.ok(epochs[2].losses.total < epochs[1].losses.total, 'the student learns');
    assert.deepEqual(losses(second.events), epochs);
    assert.deepEqual(
      second.summary.models.map((m) => m.testAccuracy),
      first.summary.models.map((m) => m.testAccuracy),
    );
  });

  test('cancelled while training on 2 threads: the run ends cancelled with its last checkpoint, and the workers are gone', async () => {
    const runDir = dir.path('cancel');
    let steps = 0;
    const outcome = await runExperiment(
      { ...kdConfig, baseline: false, teacher: { model: { arch: 'cnn', widths: [4] }, train: { epochs: 1, threads: 2 } }, method: { name: 'teacher' } },
      { runDir, onEvent: (e) => void (e.type === 'progress' && steps++), isCancelled: () => steps >= 1 },
    );
    assert.equal(outcome.status, 'cancelled');
    assert.equal(new RunFolder(runDir).readRecord()?.status, 'cancelled');
    assert.ok(existsSync(join(new RunFolder(runDir).checkpointDir('teacher', 'last'), 'model.json')));
    // A worker left running would keep this test file's process alive: node:test would not finish.
  });

  test('a distiller the workers cannot rebuild (no replica recipe) stays on one thread, with a note naming the method; one thread asked, nothing said', async () => {
    const notes: string[] = [];
    // A stand-in with models trained together but no replicaRecipe: the real DML has one (data-parallel-dml.test.ts).
    const dml = { method: 'dml', together: { members: [], update: 'in-turn' } } as unknown as Distiller;
    const optimizer = {} as TrainOptimizer;
    assert.deepEqual(await startThreads(dml, optimizer, TrainConfig.parse({ threads: 2 }), 'dml', (e) => notes.push(e.message)), {});
    assert.match(notes.join('\n'), /^dml: trains on one thread, not 2: method "dml" does not train with threads > 1 yet/);
    assert.deepEqual(await startThreads(dml, optimizer, TrainConfig.parse({ threads: 1 }), 'dml', (e) => notes.push(e.message)), {});
    assert.equal(notes.length, 1);
  });

  test('a method that cannot be replicated (CRD) trains on one thread, with a note saying why', async () => {
    const run = await runMethod(
      methodConfig({
        data: { dataset: { kind: 'builtin' }, limitTrain: 64, limitValidation: 32, limitTest: 32 },
        teacher: { model: { arch: 'mlp', hidden: [8] }, train: { epochs: 1, threads: 1 } },
        method: { name: 'crd' },
        train: { epochs: 1, batchSize: 32, threads: 2 },
      }),
      dir.path('crd'),
    );
    const notes = logs(run.events).filter((m) => m.includes('one thread'));
    assert.equal(notes.length, 1);
    assert.match(notes[0], /^student: trains on one thread, not 2: method "crd" cannot be replicated over threads: its memory banks/);
    assert.ok(!logs(run.events).some((m) => m.includes('data parallel')));
  });
});
