import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RunFolder } from '../../src/shared/run-folder';
import type { TrainerEvent } from '../../src/shared/protocol';
import { TrainerProcess } from '../../src/host/training/trainer-process';
import { ensureBuilt } from '../support/build';
import { tinyConfig } from '../support/tiny-config';

describe('trainer process', () => {
  let trainerScript: string;
  let runsDir: string;
  before(() => {
    trainerScript = ensureBuilt().trainer;
    runsDir = mkdtempSync(join(tmpdir(), 'distill-trainer-'));
  });
  after(() => rmSync(runsDir, { recursive: true, force: true }));

  function startTrainer(name: string, config: unknown) {
    const runDir = join(runsDir, name, 'run-1');
    const trainer = new TrainerProcess({ nodePath: process.execPath, trainerScript, config, runDir });
    const events: TrainerEvent[] = [];
    trainer.on('event', (e) => events.push(e));
    trainer.start();
    return { trainer, events, runDir, folder: new RunFolder(runDir) };
  }

  test('a tiny KD run streams its events in order and leaves a complete run folder', async () => {
    const { trainer, events, runDir, folder } = startTrainer('complete', tinyConfig({ backend: 'auto' }));
    const exit = await trainer.done;
    assert.equal(exit.code, 0, exit.stderr);
    const types = events.map((e) => e.type);
    assert.equal(types[0] === 'log' ? types.find((t) => t !== 'log') : types[0], 'started');
    assert.equal(types[types.length - 2], 'finished');
    const started = events.find((e) => e.type === 'started') as Extract<TrainerEvent, { type: 'started' }>;
    assert.deepEqual(started.phases, ['teacher', 'student-scratch', 'student']);
    // `auto` found no tfjs-node here and fell back, saying so.
    assert.equal(started.backend, 'wasm');
    assert.ok(events.some((e) => e.type === 'log' && /tfjs-node/.test(e.message)), 'the fallback from tfjs-node is logged');
    const epochs = events.filter((e) => e.type === 'epoch') as Extract<TrainerEvent, { type: 'epoch' }>[];
    assert.deepEqual(epochs.map((e) => e.phase), ['teacher', 'student-scratch', 'student']);
    const kdEpoch = epochs[2];
    assert.deepEqual(Object.keys(kdEpoch.losses).sort(), ['ce', 'kd', 'total']);
    assert.ok(kdEpoch.agreement! >= 0 && kdEpoch.agreement! <= 1);
    assert.ok(kdEpoch.valAccuracy.teacher > 0.3, 'the teacher learnt something');
    const predictions = events.filter((e) => e.type === 'predictions') as Extract<TrainerEvent, { type: 'predictions' }>[];
    assert.equal(predictions.at(-1)!.samples.length, 4);
    assert.deepEqual(Object.keys(predictions.at(-1)!.samples[0].logits).sort(), ['student', 'teacher']);
    assert.equal(predictions.at(-1)!.samples[0].image!.pixels.length, 28 * 28);

    for (const file of ['config.json', 'run.json', 'metrics.jsonl', 'summary.json']) assert.ok(existsSync(join(runDir, file)), file);
    for (const role of ['teacher', 'student-scratch', 'student']) {
      for (const kind of ['best', 'last'] as const) assert.ok(existsSync(join(folder.checkpointDir(role, kind), 'model.json')), `${role}/${kind}`);
    }
    const record = folder.readRecord()!;
    assert.equal(record.status, 'completed');
    assert.equal(record.backend, 'wasm');
    const summary = folder.readSummary()!;
    assert.deepEqual(summary.models.map((m) => m.role), ['teacher', 'student-scratch', 'student']);
    assert.ok(summary.models[2].compression! > 1);
    const lines = folder.readEvents().map((e) => e.type);
    assert.ok(lines.includes('epoch') && lines.at(-1) === 'finished');
    assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')).method, { name: 'kd', temperature: 4, alpha: 0.9 });
  });

  test('cancel mid-run: the run is cancelled, keeps its metrics and a last checkpoint', async () => {
    const config = tinyConfig({ teacher: { model: { arch: 'mlp', hidden: [32] }, train: { epochs: 20 } }, data: { dataset: { kind: 'builtin' }, limitTrain: 2000, limitValidation: 200 } });
    const { trainer, events, folder } = startTrainer('cancel', config);
    trainer.on('event', (e) => {
      if (e.type === 'epoch') trainer.cancel();
    });
    const exit = await trainer.done;
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(folder.readRecord()!.status, 'cancelled');
    assert.ok(events.some((e) => e.type === 'cancelled'));
    const epochsRun = folder.readEvents().filter((e) => e.type === 'epoch').length;
    assert.ok(epochsRun >= 1 && epochsRun < 20, `${epochsRun} epochs recorded`);
    assert.ok(existsSync(join(folder.checkpointDir('teacher', 'last'), 'model.json')));
  });

  test('a trainer killed with SIGKILL leaves a failed run with metrics.jsonl intact', async () => {
    const config = tinyConfig({ teacher: { model: { arch: 'mlp', hidden: [32] }, train: { epochs: 20 } }, data: { dataset: { kind: 'builtin' }, limitTrain: 2000, limitValidation: 200 } });
    const { trainer, folder, runDir } = startTrainer('killed', config);
    trainer.on('event', (e) => {
      if (e.type === 'epoch') trainer.kill('SIGKILL');
    });
    const exit = await trainer.done;
    assert.equal(exit.signal, 'SIGKILL');
    const record = folder.readRecord()!;
    assert.equal(record.status, 'failed');
    assert.match(record.error!.message, /killed by SIGKILL/);
    const raw = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    for (const line of raw) JSON.parse(line);
    assert.ok(raw.some((line) => JSON.parse(line).type === 'epoch'));
    assert.equal(JSON.parse(raw.at(-1)!).type, 'failed');
  });

  test('an invalid config fails the run with the field named', async () => {
    const { trainer, events, folder } = startTrainer('invalid', { ...tinyConfig(), train: { epochs: -2 } });
    const exit = await trainer.done;
    assert.equal(exit.code, 1);
    const failed = events.find((e) => e.type === 'failed') as Extract<TrainerEvent, { type: 'failed' }>;
    assert.match(failed.message, /config\.train\.epochs: expected more than 0, got -2/);
    assert.equal(folder.readRecord()!.status, 'failed');
  });

  test('a missing node binary is a failed run that says so', async () => {
    const runDir = join(runsDir, 'no-node', 'run-1');
    const trainer = new TrainerProcess({ nodePath: join(runsDir, 'no-such-node'), trainerScript, config: tinyConfig(), runDir });
    trainer.start();
    const exit = await trainer.done;
    assert.equal(exit.ending?.type, 'failed');
    assert.match(new RunFolder(runDir).readRecord()!.error!.message, /could not start: .*ENOENT/);
  });
});
