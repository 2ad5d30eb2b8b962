import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DistillApi } from '../../src/host/extension';
import type { RunNode } from '../../src/host/experiments/tree';
import type { TrainerEvent } from '../../src/shared/protocol';
import { api, longRun, note, runFromQuickPick, screenshot, tempDir, tinyRun, waitFor, waitForStatus } from './support';

/** Resolves with the first trainer event of `runDir` that `match` accepts. */
function nextEvent(distill: DistillApi, runDir: () => string | undefined, match: (event: TrainerEvent) => boolean): Promise<TrainerEvent> {
  return new Promise((resolve) => {
    const subscription = distill.runner.onTrainerEvent(({ runDir: dir, event }) => {
      if (dir === runDir() && match(event)) {
        subscription.dispose();
        resolve(event);
      }
    });
  });
}

function runNode(distill: DistillApi, runDir: string): RunNode {
  const entry = distill.store.find(runDir);
  assert.ok(entry, `${runDir} is in the store`);
  return { kind: 'run', runDir, entry };
}

describe('runs started by commands', function () {
  this.timeout(120_000);
  let distill: DistillApi;
  before(async () => {
    distill = await api();
    // These runs were written for one trainer at a time (Stop's second run waits); the default is one per core.
    await vscode.workspace.getConfiguration('distill').update('maxParallelRuns', 1, vscode.ConfigurationTarget.Workspace);
  });
  after(() => vscode.workspace.getConfiguration('distill').update('maxParallelRuns', undefined, vscode.ConfigurationTarget.Workspace));

  it('a tiny KD run started by "Run Knowledge Distillation" reaches completed, live in the tree', async () => {
    let runDir: string | undefined;
    const descriptions = new Set<string>();
    const watching = distill.runner.onDidChange(() => {
      const entry = runDir ? distill.store.find(runDir) : undefined;
      if (entry) descriptions.add(distill.tree.runDescription(entry));
    });
    const started = Date.now();
    const epoch = nextEvent(
      distill,
      () => runDir,
      (e) => e.type === 'epoch',
    );
    runDir = await vscode.commands.executeCommand<string>('distill.runKnowledgeDistillation', tinyRun('it-kd'));
    assert.ok(runDir, 'the command returns the run folder');
    assert.ok(distill.runner.job(runDir), 'the runner owns the run');
    await epoch;
    const record = await waitForStatus(distill, runDir, ['completed', 'failed', 'cancelled']);
    watching.dispose();
    note(`tiny KD run: ${((Date.now() - started) / 1000).toFixed(1)} s from the command to completed`);
    assert.equal(record.status, 'completed', record.error?.message);
    assert.equal(record.backend, 'wasm');
    const summary = distill.store.find(runDir)!.summary!;
    assert.deepEqual(
      summary.models.map((m) => m.role),
      ['teacher', 'student-scratch', 'student'],
    );
    const item = distill.tree.getTreeItem(runNode(distill, runDir));
    assert.equal(item.contextValue, 'run.completed');
    assert.match(String(item.description), /^kd · student \d+\.\d% test$/);
    assert.ok(
      [...descriptions].some((d) => /^kd · teacher · epoch 1\/1 · step \d+\/\d+ · \d+%$/.test(d)),
      `progress shown while it ran: ${[...descriptions].join(' | ')}`,
    );
    await waitFor('the runner to let the run go', () => distill.runner.jobs.length === 0);
  });

  it('New Experiment runs a config as given; Train Teacher trains the teacher alone', async () => {
    const scratch = await vscode.commands.executeCommand<string>('distill.newExperiment', tinyRun('it-new', { method: { name: 'scratch' } }));
    const teacher = await vscode.commands.executeCommand<string>('distill.trainTeacher', tinyRun('it-teacher'));
    assert.ok(scratch && teacher);
    for (const runDir of [scratch, teacher]) assert.equal((await waitForStatus(distill, runDir, ['completed', 'failed', 'cancelled'])).status, 'completed', runDir);
    assert.equal(distill.store.find(scratch)!.record.method, 'scratch');
    assert.deepEqual(
      distill.store.find(scratch)!.summary!.models.map((m) => m.role),
      ['student'],
    );
    assert.equal(distill.store.find(teacher)!.record.method, 'teacher');
    assert.deepEqual(
      distill.store.find(teacher)!.summary!.models.map((m) => m.role),
      ['teacher'],
    );
    await waitFor('the runner to let the runs go', () => distill.runner.jobs.length === 0);
  });

  it('distill.backend applies to a config that leaves the backend to it ("auto"); the trainer owns the running run', async () => {
    const settings = vscode.workspace.getConfiguration('distill');
    const previous = settings.inspect<string>('backend')?.workspaceValue;
    await settings.update('backend', 'cpu', vscode.ConfigurationTarget.Workspace);
    let runDir: string | undefined;
    try {
      const trainerPid = new Promise<number | undefined>((resolve) => {
        const subscription = distill.runner.onTrainerEvent(({ runDir: dir, event }) => {
          if (dir === runDir && event.type === 'started') {
            subscription.dispose();
            resolve(distill.runner.job(dir)?.trainer?.pid);
          }
        });
      });
      runDir = await vscode.commands.executeCommand<string>('distill.newExperiment', tinyRun('it-backend', { backend: 'auto', method: { name: 'scratch' }, baseline: false }));
      assert.ok(runDir);
      assert.equal(JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')).backend, 'cpu');
      const record = await waitForStatus(distill, runDir, ['completed', 'failed', 'cancelled']);
      assert.equal(record.status, 'completed', record.error?.message);
      assert.equal(record.backend, 'cpu');
      assert.deepEqual([record.pid, record.host], [await trainerPid, hostname()]);
    } finally {
      await settings.update('backend', previous, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('the runner to let the run go', () => distill.runner.jobs.length === 0);
  });

  it('exports the student of a completed run: best checkpoint, summary and config', async () => {
    const completed = distill.store.runs.find((entry) => entry.experiment === 'it-kd' && entry.record.status === 'completed');
    assert.ok(completed);
    const target = tempDir('distill-export-');
    const dest = await vscode.commands.executeCommand<string>('distill.exportStudent', { runDir: completed.runDir }, target);
    assert.ok(dest && dest.startsWith(target), String(dest));
    for (const file of ['model.json', 'weights.bin', 'summary.json', 'config.json']) assert.ok(existsSync(join(dest, file)), file);
    assert.equal(JSON.parse(readFileSync(join(dest, 'model.json'), 'utf8')).format, 'layers-model');
  });

  it('Stop: a queued run is cancelled at once, a running one after its current step', async () => {
    let first: string | undefined;
    const firstProgress = nextEvent(
      distill,
      () => first,
      (e) => e.type === 'progress',
    );
    first = await vscode.commands.executeCommand<string>('distill.runKnowledgeDistillation', longRun('it-stop'));
    const second = await vscode.commands.executeCommand<string>('distill.runKnowledgeDistillation', tinyRun('it-stop-queued'));
    assert.ok(first && second);
    // distill.maxParallelRuns is 1: the second waits.
    assert.equal(distill.runner.job(second)?.state, 'queued');
    assert.equal(distill.tree.getTreeItem(runNode(distill, second)).contextValue, 'run.queued');
    assert.equal(await vscode.commands.executeCommand('distill.stopRun', { runDir: second }), 1);
    assert.equal((await waitForStatus(distill, second, ['cancelled'], 5_000)).status, 'cancelled');

    await firstProgress;
    await vscode.commands.executeCommand('workbench.view.extension.distill');
    await screenshot('run-in-progress');
    const stopAsked = Date.now();
    assert.equal(await vscode.commands.executeCommand('distill.stopRun', runNode(distill, first)), 1);
    const record = await waitForStatus(distill, first, ['cancelled', 'completed', 'failed'], 30_000);
    note(`stop: ${Date.now() - stopAsked} ms from Stop to cancelled`);
    assert.equal(record.status, 'cancelled');
    assert.ok(existsSync(join(first, 'checkpoints', 'teacher', 'last', 'model.json')), 'a stopped run keeps its last checkpoint');
    await waitFor('the runner to let the runs go', () => distill.runner.jobs.length === 0);
  });

  it('a trainer that crashes makes a failed run, with its stderr in the Distill output', async () => {
    // The trainer is a real one; a preloaded module makes it die shortly after it is told to start.
    const crash = join(tempDir('distill-crash-'), 'crash.js');
    writeFileSync(crash, "process.on('message', (m) => { if (m && m.type === 'start') setTimeout(() => { throw new Error('simulated trainer crash'); }, 200); });\n");
    const saved = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `${saved ?? ''} --require ${crash}`.trim();
    let runDir: string | undefined;
    try {
      runDir = await vscode.commands.executeCommand<string>('distill.runKnowledgeDistillation', longRun('it-crash'));
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
    }
    assert.ok(runDir);
    const record = await waitForStatus(distill, runDir, ['failed', 'completed', 'cancelled'], 30_000);
    assert.equal(record.status, 'failed');
    // An uncaught exception: Node's exit code, whichever it is, and the stack on stderr.
    assert.match(record.error!.message, /^trainer process exited with code [1-9]\d*$/);
    assert.match(record.error!.stack ?? '', /simulated trainer crash/);
    assert.match(distill.log.tail(), /\[it-crash\/run-[^\]]+\] .*simulated trainer crash/);
    const item = distill.tree.getTreeItem(runNode(distill, runDir));
    assert.equal(item.contextValue, 'run.failed');
    assert.match(String(item.description), /failed: trainer process exited with code/);
  });

  it('Resume after a crash past the teacher: a new run that loads the trained teacher and trains the students', async () => {
    let crashed: string | undefined;
    const studentPhase = nextEvent(
      distill,
      () => crashed,
      (e) => e.type === 'progress' && e.phase !== 'teacher',
    );
    crashed = await vscode.commands.executeCommand<string>('distill.runKnowledgeDistillation', tinyRun('it-resume', { train: { epochs: 30, batchSize: 50 } }));
    assert.ok(crashed);
    await studentPhase;
    process.kill(distill.runner.job(crashed)!.trainer!.pid!, 'SIGKILL');
    const failed = await waitForStatus(distill, crashed, ['failed', 'completed'], 30_000);
    assert.equal(failed.status, 'failed');
    assert.match(failed.error!.message, /killed by SIGKILL/);

    const resumed = await vscode.commands.executeCommand<string>('distill.resumeRun', runNode(distill, crashed));
    assert.ok(resumed && resumed !== crashed);
    const config = JSON.parse(readFileSync(join(resumed, 'config.json'), 'utf8'));
    assert.equal(config.teacher.checkpoint, join(crashed, 'checkpoints', 'teacher', 'last'));
    // Stop the long student phases once they are under way: what matters is where it started.
    const progress = (await nextEvent(
      distill,
      () => resumed,
      (e) => e.type === 'progress',
    )) as Extract<TrainerEvent, { type: 'progress' }>;
    assert.equal(progress.phase, 'student-scratch', 'the resumed run does not train the teacher again');
    await vscode.commands.executeCommand('distill.stopRun', { runDir: resumed });
    await waitForStatus(distill, resumed, ['cancelled', 'completed'], 30_000);
    assert.match(distill.log.tail(), /resuming it-resume\/run-.* continues from the interrupted run's trained teacher/);
  });

  it('without a config, offers a choice whose first item is the built-in demo', async () => {
    const runDir = await runFromQuickPick('distill.runKnowledgeDistillation', 0, 'config-quick-pick');
    assert.ok(runDir, 'a run was started');
    assert.equal(distill.store.find(runDir)?.experiment, 'demo-kd');
    await vscode.commands.executeCommand('distill.stopRun', { runDir });
    assert.equal((await waitForStatus(distill, runDir, ['cancelled', 'failed', 'completed'], 30_000)).status, 'cancelled');
  });

  it('refuses an invalid config with the field named, and starts nothing', async () => {
    const before = distill.store.runs.length;
    const result = await vscode.commands.executeCommand('distill.runKnowledgeDistillation', { ...tinyRun('it-invalid'), train: { epochs: -2 } });
    assert.equal(result, undefined);
    assert.match(distill.log.tail(), /config\.train\.epochs: expected more than 0, got -2/);
    assert.equal(distill.store.runs.length, before);
  });

  it('refuses to start when distill.nodePath does not exist, and starts nothing', async () => {
    const config = vscode.workspace.getConfiguration('distill');
    const before = distill.store.runs.length;
    // A machine-scoped setting: only the user's own settings may choose the binary.
    const previous = config.inspect<string>('nodePath')?.globalValue;
    await config.update('nodePath', '/nonexistent/bin/node', vscode.ConfigurationTarget.Global);
    try {
      const result = await vscode.commands.executeCommand('distill.runKnowledgeDistillation', tinyRun('it-no-node'));
      assert.equal(result, undefined);
      assert.match(distill.log.tail(), /"\/nonexistent\/bin\/node" \(setting distill\.nodePath\) was not found/);
      assert.equal(distill.store.runs.length, before);
    } finally {
      await config.update('nodePath', previous, vscode.ConfigurationTarget.Global);
    }
  });
});
