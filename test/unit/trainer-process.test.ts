import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { markQueued, RunFolder } from '../../src/shared/run-folder';
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
    assert.ok(
      events.some((e) => e.type === 'log' && /tfjs-node/.test(e.message)),
      'the fallback from tfjs-node is logged',
    );
    const epochs = events.filter((e) => e.type === 'epoch') as Extract<TrainerEvent, { type: 'epoch' }>[];
    assert.deepEqual(
      epochs.map((e) => e.phase),
      ['teacher', 'student-scratch', 'student'],
    );
    const kdEpoch = epochs[2];
    assert.deepEqual(Object.keys(kdEpoch.losses).sort(), ['ce', 'kd', 'total']);
    assert.ok(kdEpoch.agreement! >= 0 && kdEpoch.agreement! <= 1);
    assert.ok(kdEpoch.valAccuracy.teacher > 0.3, 'the teacher learnt something');
    const predictions = events.filter((e) => e.type === 'predictions') as Extract<TrainerEvent, { type: 'predictions' }>[];
    assert.equal(predictions.at(-1)!.samples.length, 4);
    assert.deepEqual(Object.keys(predictions.at(-1)!.samples[0].logits).sort(), ['student', 'teacher']);
    // The sample images once, before the predictions that name them by index.
    const inputs = events.filter((e) => e.type === 'predictionInputs') as Extract<TrainerEvent, { type: 'predictionInputs' }>[];
    assert.equal(inputs.length, 1);
    assert.deepEqual(
      inputs[0].samples.map((s) => s.index),
      predictions.at(-1)!.samples.map((s) => s.index),
    );
    assert.equal(inputs[0].samples[0].image!.pixels.length, 28 * 28);
    assert.ok(types.indexOf('predictionInputs') < types.indexOf('predictions'));
    // Points within each epoch came over the channel, before the epoch's event.
    const steps = events.filter((e) => e.type === 'steps') as Extract<TrainerEvent, { type: 'steps' }>[];
    assert.deepEqual([...new Set(steps.map((e) => e.phase))], ['teacher', 'student-scratch', 'student']);
    assert.ok(types.indexOf('steps') < types.indexOf('epoch'));

    for (const file of ['config.json', 'run.json', 'metrics.jsonl', 'summary.json']) assert.ok(existsSync(join(runDir, file)), file);
    for (const role of ['teacher', 'student-scratch', 'student']) {
      for (const kind of ['best', 'last'] as const) assert.ok(existsSync(join(folder.checkpointDir(role, kind), 'model.json')), `${role}/${kind}`);
    }
    const record = folder.readRecord()!;
    assert.equal(record.status, 'completed');
    assert.equal(record.backend, 'wasm');
    assert.equal(record.method, 'kd');
    assert.deepEqual([record.pid, record.host], [trainer.pid, hostname()], 'the trainer took the run over: its pid, on this machine');
    const summary = folder.readSummary()!;
    assert.deepEqual(
      summary.models.map((m) => m.role),
      ['teacher', 'student-scratch', 'student'],
    );
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

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    test(`${signal} mid-run ends the run as cancelled, with its metrics and a last checkpoint`, async () => {
      const config = tinyConfig({ teacher: { model: { arch: 'mlp', hidden: [32] }, train: { epochs: 20 } }, data: { dataset: { kind: 'builtin' }, limitTrain: 2000, limitValidation: 200 } });
      const { trainer, events, folder } = startTrainer(`signal-${signal}`, config);
      let sent = false;
      trainer.on('event', (e) => {
        if (e.type !== 'epoch' || sent) return;
        sent = true;
        trainer.kill(signal);
      });
      const exit = await trainer.done;
      assert.equal(exit.code, 0, exit.stderr);
      assert.equal(folder.readRecord()!.status, 'cancelled');
      assert.ok(events.some((e) => e.type === 'cancelled'));
      assert.ok(existsSync(join(folder.checkpointDir('teacher', 'last'), 'model.json')));
    });
  }

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

  /** A stand-in trainer: `onStart` is the body of its handler for the host's start message. */
  function fakeTrainer(name: string, onStart: string): string {
    const script = join(runsDir, `${name}.cjs`);
    writeFileSync(script, `process.on('message', (m) => { if (m.type === 'start') { ${onStart} } });\n`);
    return script;
  }

  test('the host drops a malformed event from the trainer, says so, and keeps the others', async () => {
    const script = fakeTrainer(
      'malformed',
      "process.send({ type: 'epoch', phase: 3 }); process.send({ type: 'log', level: 'info', message: 'still here' }); process.send({ type: 'cancelled' }, () => process.exit(0));",
    );
    const trainer = new TrainerProcess({ nodePath: process.execPath, trainerScript: script, config: {}, runDir: join(runsDir, 'malformed', 'run-1') });
    const events: TrainerEvent[] = [];
    let output = '';
    trainer.on('event', (e) => events.push(e));
    trainer.on('stderr', (text) => (output += text));
    trainer.start();
    const exit = await trainer.done;
    assert.deepEqual(events, [{ type: 'log', level: 'info', message: 'still here' }, { type: 'cancelled' }]);
    assert.match(output, /dropped a malformed event from the trainer "epoch": phase: Expected string, received number/);
    assert.equal(exit.ending?.type, 'cancelled');
  });

  test('the trainer refuses a malformed start, says why and exits instead of waiting for ever', async () => {
    const child = fork(trainerScript, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const messages: unknown[] = [];
    child.on('message', (m) => messages.push(m));
    child.send({ type: 'start', config: tinyConfig() });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 2);
    assert.deepEqual(messages, [{ type: 'log', level: 'error', message: 'trainer: malformed message from the host "start": runDir: Required' }]);
  });

  test('a trainer killed after Stop leaves a cancelled run, not a failed one', async () => {
    const runDir = join(runsDir, 'stopped', 'run-1');
    markQueued(new RunFolder(runDir), { method: 'kd' });
    const script = fakeTrainer('deaf', 'setInterval(() => {}, 1000);');
    const trainer = new TrainerProcess({ nodePath: process.execPath, trainerScript: script, config: {}, runDir });
    trainer.start();
    trainer.cancel();
    setTimeout(() => trainer.kill('SIGKILL'), 200);
    const exit = await trainer.done;
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.ending?.type, 'cancelled');
    assert.equal(new RunFolder(runDir).readRecord()?.status, 'cancelled');
  });
});
