// Runs experiments in trainer processes: a queue bounded by distill.maxParallelRuns, Stop, and
// every ending — completed, cancelled, failed, crashed — recorded in the run folder and shown.
import * as vscode from 'vscode';
import { markCancelled, markFailed, markQueued, newRunDir, RunFolder } from '../../shared/run-folder';
import type { ExperimentStore } from '../experiments/store';
import { Disposable, toDisposable } from '../lifecycle';
import type { Log } from '../log';
import type { RunStatus, TrainerEvent } from '../../shared/protocol';
import { NATIVE_BACKENDS_ENV } from '../../shared/native-backend';
import { onDidChangeSetting, readSettings } from '../settings';
import { resolveNodePath } from './node-path';
import { resolveRunConfig, runThreads } from './run-config';
import { RunJob } from './run-job';
import { TrainerProcess, type TrainerExit } from './trainer-process';

/** How long a stopped trainer gets to finish its step and write its last checkpoint. */
const STOP_GRACE_MS = 15_000;

export class Runner extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<RunJob>());
  /** A job was queued, launched, moved on or ended. */
  readonly onDidChange = this.changed.event;
  private readonly trainerEvents = this._register(new vscode.EventEmitter<{ runDir: string; event: TrainerEvent }>());
  /** Every event of every trainer this window runs, as it arrives (the dashboard draws them live). */
  readonly onTrainerEvent = this.trainerEvents.event;
  private readonly queue: RunJob[] = [];
  private readonly running = new Map<string, RunJob>();

  constructor(
    private readonly store: ExperimentStore,
    private readonly log: Log,
    private readonly trainerScript: string,
    /** Where Distill: Install Native Backend puts tfjs-node; each trainer looks there. */
    private readonly nativeBackendsDir: string,
  ) {
    super();
    this._register(onDidChangeSetting('maxParallelRuns', () => this.pump()));
    this._register(toDisposable(() => this.stopAll()));
  }

  /** Queued and running jobs, in start order. */
  get jobs(): RunJob[] {
    return [...this.running.values(), ...this.queue];
  }

  job(runDir: string): RunJob | undefined {
    return this.running.get(runDir) ?? this.queue.find((job) => job.runDir === runDir);
  }

  /**
   * Every run the extension starts comes here: the settings merge into the config and it is
   * parsed (resolveRunConfig), the Node binary is checked, the run is recorded as queued and
   * starts when a slot is free. Throws ConfigError or NodeNotFoundError.
   */
  start(input: unknown, baseDir: string): RunJob {
    const settings = readSettings();
    // The cores are shared out over the runs that will train at once, this one included.
    const config = resolveRunConfig(input, { ...settings, threads: runThreads(settings, undefined, this.jobs.length + 1) });
    resolveNodePath(settings.nodePath);
    const folder = new RunFolder(newRunDir(this.store.runsDir, config.name));
    folder.ensure();
    folder.writeConfig(config);
    markQueued(folder, { method: config.method.name });
    const job = new RunJob(folder, config, baseDir, this.store.claim(folder.dir));
    this.queue.push(job);
    this.log.info(`${job.label}: queued (${config.method.name})`);
    this.changed.fire(job);
    this.pump();
    this.store.refresh();
    return job;
  }

  /** Cancels a queued run at once; asks a running trainer to stop after its step, then kills it. */
  stop(runDir: string): boolean {
    const queued = this.queue.findIndex((job) => job.runDir === runDir);
    if (queued >= 0) {
      const [job] = this.queue.splice(queued, 1);
      markCancelled(job.folder);
      this.log.info(`${job.label}: cancelled before it started`);
      this.settle(job, 'cancelled');
      return true;
    }
    const job = this.running.get(runDir);
    if (!job?.trainer || job.stopRequested) return false;
    job.stopRequested = true;
    this.log.info(`${job.label}: stopping`);
    job.trainer.cancel();
    const trainer = job.trainer;
    const timer = setTimeout(() => {
      this.log.info(`${job.label}: the trainer did not stop within ${STOP_GRACE_MS / 1000} s; killing it`);
      trainer.kill('SIGKILL');
    }, STOP_GRACE_MS);
    void trainer.done.then(() => clearTimeout(timer));
    return true;
  }

  private stopAll(): void {
    for (const job of [...this.queue]) this.stop(job.runDir);
    // The trainers cancel at their next step; they also do so on their own when this host goes.
    for (const job of this.running.values()) job.trainer?.cancel();
  }

  private pump(): void {
    const slots = readSettings().maxParallelRuns;
    while (!this.isDisposed && this.running.size < slots && this.queue.length > 0) this.launch(this.queue.shift()!);
  }

  private launch(job: RunJob): void {
    this.running.set(job.runDir, job);
    job.state = 'running';
    let nodePath: string;
    try {
      nodePath = resolveNodePath(readSettings().nodePath);
    } catch (error) {
      markFailed(job.folder, { message: (error as Error).message });
      this.finish(job, { code: null, signal: null, stderr: '' });
      return;
    }
    const env = { ...process.env, [NATIVE_BACKENDS_ENV]: this.nativeBackendsDir };
    const trainer = new TrainerProcess({ nodePath, trainerScript: this.trainerScript, config: job.config, runDir: job.runDir, baseDir: job.baseDir, env });
    job.trainer = trainer;
    trainer.on('event', (event) => this.onEvent(job, event));
    trainer.on('stderr', (text) => this.log.trainerOutput(job.label, text));
    trainer.start();
    this.log.info(`${job.label}: started trainer pid ${trainer.pid ?? '?'} with ${nodePath}`);
    this.changed.fire(job);
    void trainer.done.then((exit) => this.finish(job, exit));
  }

  private onEvent(job: RunJob, event: TrainerEvent): void {
    this.trainerEvents.fire({ runDir: job.runDir, event });
    if (event.type === 'log') this.log.info(`${job.label}: ${event.message}`);
    if (event.type === 'started') this.log.info(`${job.label}: training on ${event.backend}: ${event.phases.join(' → ')}`);
    if (event.type === 'failed') this.log.info(`${job.label}: failed: ${event.message}`);
    if (job.progress.apply(event)) this.changed.fire(job);
    // run.json changes only at phase boundaries; the tree reads it again then.
    if (event.type === 'started' || event.type === 'epoch') this.store.scheduleRefresh();
  }

  private finish(job: RunJob, exit: TrainerExit): void {
    this.running.delete(job.runDir);
    this.log.endTrainerOutput(job.label);
    // The trainer recorded its ending, or TrainerProcess did for a trainer that died.
    const status = this.recordedStatus(job);
    this.log.info(`${job.label}: ${status}${exit.code !== null && exit.code !== 0 ? ` (exit code ${exit.code})` : ''}${exit.signal ? ` (${exit.signal})` : ''}`);
    if (status === 'failed') this.reportFailure(job, exit);
    this.settle(job, status);
    this.pump();
  }

  private recordedStatus(job: RunJob): RunStatus {
    const read = job.folder.inspectRecord();
    if (read.state === 'read') return read.value.status;
    this.log.info(`${job.label}: ${read.state === 'damaged' ? `${read.damage.path} is damaged: ${read.damage.reason}` : 'it left no record'}`);
    return 'failed';
  }

  private reportFailure(job: RunJob, exit: TrainerExit): void {
    const read = job.folder.inspectRecord();
    const message = (read.state === 'read' && read.value.error?.message) || 'unknown error';
    if (exit.stderr.trim()) this.log.info(`${job.label}: the trainer's last output is above`);
    void vscode.window.showErrorMessage(`Distill: run ${job.label} failed: ${message}`, 'Show Output').then((choice) => {
      if (choice) this.log.show();
    });
  }

  private settle(job: RunJob, status: RunStatus): void {
    job.end(status);
    this.changed.fire(job);
    this.store.refresh();
  }
}
