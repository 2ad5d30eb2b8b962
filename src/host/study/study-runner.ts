// Runs studies from this window with the CLI's executors (executions.ts): by default the local
// pool, at most distill.maxParallelRuns trainer processes at once, spawned with distill.nodePath
// as single runs' are; with distill.studyExecutor "slurm", an sbatch array on the cluster, watched
// until every member settled. A failed member never stops the others; Stop cancels the running
// members and starts no more (scancel on Slurm); a study run again (resume) trains only its
// members without a completed run. A local study is locked while it runs
// (src/shared/study/folder.ts), so the CLI cannot train it at the same time.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { NATIVE_BACKENDS_ENV } from '../../shared/native-backend';
import type { StudyConfig, TrainerEvent } from '../../shared/protocol';
import { expandStudy, type StudyMember } from '../../shared/study/expand';
import { claimStudyDir, readStudy, writeStudy } from '../../shared/study/folder';
import type { MemberResult } from '../../shared/study/table';
import type { StudyOutcome } from '../../study/local-executor';
import type { ExperimentStore } from '../experiments/store';
import { Disposable, toDisposable, type IDisposable } from '../lifecycle';
import type { Log } from '../log';
import { readSettings } from '../settings';
import { resolveNodePath } from '../training/node-path';
import { RunProgress } from '../training/run-progress';
import type { StudyActivity } from './member-view';
import { localExecution, slurmExecution, submittedToSlurm, type ExecutionHooks, type ExecutionSpec, type StudyExecution } from './executions';
import { prepareStudy } from './study-input';

/** How long stopped members get to finish their step and record it before they are killed. */
const STOP_GRACE_MS = 15_000;

/** A study this window runs now. */
export class ActiveStudy implements StudyActivity {
  /** Members started in this call: their run folder. */
  readonly started = new Map<string, string>();
  /** How members settled in this call (skipped ones included): completed, failed, blocked… */
  readonly settled = new Map<string, MemberResult['status'] | 'skipped'>();
  /** Live progress of the members training now, by run folder. */
  readonly progress = new Map<string, RunProgress>();
  stopRequested = false;
  readonly startedAt = Date.now();
  readonly done: Promise<StudyOutcome | undefined>;
  private settle!: (outcome: StudyOutcome | undefined) => void;

  constructor(
    readonly studyDir: string,
    readonly members: readonly StudyMember[],
    readonly parallel: number,
  ) {
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  get name(): string {
    return basename(this.studyDir);
  }

  /** Members training now. */
  get running(): number {
    return [...this.started.keys()].filter((id) => !this.settled.has(id)).length;
  }

  count(status: MemberResult['status'] | 'skipped'): number {
    return [...this.settled.values()].filter((s) => s === status).length;
  }

  /** "3/7 done, 2 running, 1 failed · kd-s1: student · epoch 1/1 · 40%" for the notification. */
  describe(): string {
    const done = this.count('completed');
    const failed = this.settled.size - done;
    const parts = [`${done}/${this.members.length} done`];
    if (this.running) parts.push(`${this.running} running`);
    if (failed) parts.push(`${failed} failed or skipped`);
    const live = [...this.started].find(([id, runDir]) => !this.settled.has(id) && this.progress.has(runDir));
    return live ? `${parts.join(', ')} · ${live[0]}: ${this.progress.get(live[1])!.describe()}` : parts.join(', ');
  }

  /** @internal */
  end(outcome: StudyOutcome | undefined): void {
    this.settle(outcome);
  }
}

export class StudyRunner extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<ActiveStudy>());
  /** A study started, a member started or ended, or a study ended. */
  readonly onDidChange = this.changed.event;
  private readonly trainerEvents = this._register(new vscode.EventEmitter<{ studyDir: string; runDir: string; event: TrainerEvent }>());
  /** Every event of every member's trainer, as it arrives. */
  readonly onTrainerEvent = this.trainerEvents.event;
  private readonly active = new Map<string, { study: ActiveStudy; execution: StudyExecution }>();

  constructor(
    private readonly store: ExperimentStore,
    private readonly log: Log,
    private readonly trainerScript: string,
    /** The CLI bundle (dist/cli.js) a Slurm study's tasks run. */
    private readonly cliScript: string,
    /** Where Distill: Install Native Backend puts tfjs-node; each trainer looks there. */
    private readonly nativeBackendsDir: string,
  ) {
    super();
    this._register(toDisposable(() => this.stopAll()));
  }

  /** The studies running in this window, in start order. */
  get studies(): ActiveStudy[] {
    return [...this.active.values()].map((a) => a.study);
  }

  study(studyDir: string): ActiveStudy | undefined {
    return this.active.get(studyDir)?.study;
  }

  /**
   * Starts a new study from its config (a StudyConfigInput): checked first — a bad field or a bad
   * member's config is a StudyError and leaves nothing behind — then saved as study.json in a
   * folder of its own under the runs folder, and run. `baseDir`: where relative paths resolve
   * when the study names none.
   */
  start(input: unknown, baseDir: string): ActiveStudy {
    const settings = readSettings();
    const study = prepareStudy(input, settings, baseDir);
    resolveNodePath(settings.nodePath);
    const studyDir = claimStudyDir(this.store.runsDir, study.name);
    writeStudy(studyDir, study);
    this.log.info(`study ${basename(studyDir)}: saved ${studyDir}/study.json`);
    return this.run(studyDir, study);
  }

  /** Runs a saved study again: only its members without a completed run train. */
  resume(studyDir: string): ActiveStudy {
    if (this.active.has(studyDir)) throw new Error(`the study ${basename(studyDir)} is running already`);
    return this.run(studyDir, readStudy(studyDir));
  }

  /** Cancels the study's running members (each records itself cancelled) and starts no more. */
  stop(studyDir: string): boolean {
    const active = this.active.get(studyDir);
    if (!active || active.study.stopRequested) return false;
    active.study.stopRequested = true;
    this.log.info(`study ${active.study.name}: stopping`);
    active.execution.stop();
    const timer = setTimeout(() => {
      this.log.info(`study ${active.study.name}: members did not stop within ${STOP_GRACE_MS / 1000} s; killing them`);
      active.execution.kill();
    }, STOP_GRACE_MS);
    void active.study.done.finally(() => clearTimeout(timer));
    this.changed.fire(active.study);
    return true;
  }

  private stopAll(): void {
    // Local trainers cancel at their next step (they also do when this host goes); a Slurm study keeps running on the cluster.
    for (const { execution } of this.active.values()) if (execution.executor === 'local') execution.stop();
  }

  private run(studyDir: string, config: StudyConfig): ActiveStudy {
    const settings = readSettings();
    const nodePath = resolveNodePath(settings.nodePath);
    const expanded = expandStudy(config, basename(studyDir));
    const study = new ActiveStudy(studyDir, expanded.members, settings.maxParallelRuns);
    const claims = new Map<string, IDisposable>();
    const label = (member: StudyMember) => `${study.name}/${member.id}`;
    const hooks: ExecutionHooks = {
      onStart: (member, runDir) => {
        claims.set(runDir, this.store.claim(runDir));
        study.started.set(member.id, runDir);
        study.progress.set(runDir, new RunProgress());
        this.log.info(`${label(member)}: started (${member.role} ${member.method}, seed ${member.seed}) in ${runDir}`);
        this.changed.fire(study);
        this.store.scheduleRefresh();
      },
      onEvent: (member, event) => {
        const runDir = study.started.get(member.id);
        if (!runDir) return;
        this.trainerEvents.fire({ studyDir, runDir, event });
        if (event.type === 'failed') this.log.info(`${label(member)}: failed: ${event.message}`);
        if (study.progress.get(runDir)?.apply(event)) this.changed.fire(study);
        if (event.type === 'started' || event.type === 'epoch') this.store.scheduleRefresh();
      },
      onOutput: (member, text) => this.log.trainerOutput(label(member), text),
      onEnd: (member, status, runDir) => {
        if (runDir) {
          this.log.endTrainerOutput(label(member));
          claims.get(runDir)?.dispose();
          claims.delete(runDir);
          study.progress.delete(runDir);
          // A member seen only once it ended (a Slurm task between two polls): its folder speaks for it.
          if (!study.started.has(member.id) && status !== 'completed') study.started.set(member.id, runDir);
        }
        study.settled.set(member.id, status);
        if (runDir) this.log.info(`${label(member)}: ${status}`);
        this.changed.fire(study);
        this.store.refresh();
      },
      log: (text) => this.log.info(`study ${study.name}: ${text}`),
    };
    const spec: ExecutionSpec = {
      studyDir,
      studyName: study.name,
      study: config,
      expanded,
      parallel: settings.maxParallelRuns,
      nodePath,
      trainerScript: this.trainerScript,
      cliScript: this.cliScript,
      env: { ...process.env, [NATIVE_BACKENDS_ENV]: this.nativeBackendsDir },
    };
    const useSlurm = settings.studyExecutor === 'slurm' || submittedToSlurm(studyDir);
    const execution = useSlurm ? slurmExecution(spec, hooks) : localExecution(spec, hooks);
    this.active.set(studyDir, { study, execution });
    this.log.info(
      `study ${study.name}: ${expanded.members.length} members, ${execution.executor === 'slurm' ? `on Slurm${settings.studyExecutor === 'slurm' ? '' : ' (it was submitted there before)'}` : `at most ${settings.maxParallelRuns} trainers at once`}`,
    );
    void execution
      .run()
      .then(
        (outcome) => outcome,
        (error: unknown) => {
          this.log.info(`study ${study.name}: ${error instanceof Error && error.stack ? error.stack : String(error)}`);
          void vscode.window.showErrorMessage(`Distill: study ${study.name} stopped: ${(error as Error).message}`);
          return undefined;
        },
      )
      .then((outcome) => {
        for (const claim of claims.values()) claim.dispose();
        this.active.delete(studyDir);
        this.log.info(`study ${study.name}: ended${outcome ? ` (${outcome.ran.length} trained in ${((Date.now() - study.startedAt) / 1000).toFixed(1)} s${outcome.stopped ? ', stopped' : ''})` : ''}`);
        study.end(outcome);
        this.changed.fire(study);
        this.store.refresh();
      });
    this.changed.fire(study);
    this.store.refresh();
    return study;
  }
}
