// The local executor of a study (DESIGN §7): a pool of trainer processes, at most `parallel` at
// once, each training one member into its own run folder inside the study's. A member that fails
// never stops the others (only those that need its checkpoint wait in vain and are reported
// blocked); stop() cancels every running member, which records itself cancelled; a second run
// of the same study trains only the members without a completed run. No TensorFlow here: the
// trainers import it, in their own processes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isOwnerGone, markInterrupted, RunFolder } from '../shared/run-folder';
import type { TrainerEvent } from '../shared/protocol';
import { withTeacherCheckpoint, type ExpandedStudy, type StudyMember } from '../shared/study/expand';
import { claimAttemptDir, memberRun } from '../shared/study/folder';
import type { MemberResult } from '../shared/study/table';
import { TrainerProcess } from './trainer-process';

export interface LocalExecutorOptions {
  studyDir: string;
  expanded: ExpandedStudy;
  /** Trainer processes at once (at least 1). */
  parallel: number;
  /** Relative dataset and checkpoint paths of the members' configs resolve against it. */
  baseDir: string;
  nodePath: string;
  trainerScript: string;
  env?: NodeJS.ProcessEnv;
  onStart?(member: StudyMember, runDir: string): void;
  onEvent?(member: StudyMember, event: TrainerEvent): void;
  /** What a member's trainer writes on stdout and stderr, as it comes (the extension's output channel shows it). */
  onOutput?(member: StudyMember, text: string): void;
  onEnd?(member: StudyMember, result: MemberResult, runDir: string): void;
  /** A member that will not run: completed already, running elsewhere, or blocked by its teacher. */
  onSkip?(member: StudyMember, why: string): void;
}

export interface StudyOutcome {
  /** Every member's result: what its run folder says, or `blocked`. */
  results: Map<string, MemberResult>;
  /** Members trained in this call. */
  ran: string[];
  stopped: boolean;
}

/** Where a completed teacher member's last weights are: the students learn from them, as RepDistiller's load the teacher's last epoch. */
export function teacherCheckpointOf(runDir: string): string {
  return join(runDir, 'checkpoints', 'teacher', 'last');
}

export class LocalExecutor {
  private stopRequested = false;
  private readonly running = new Map<string, TrainerProcess>();

  constructor(private readonly options: LocalExecutorOptions) {}

  /** Cancels every running member (each records itself cancelled) and starts no more. */
  stop(): void {
    this.stopRequested = true;
    for (const trainer of this.running.values()) trainer.cancel();
  }

  /** Ends every running trainer at once (a second Ctrl-C); they are recorded cancelled. */
  kill(): void {
    this.stopRequested = true;
    for (const trainer of this.running.values()) {
      trainer.cancel();
      trainer.kill('SIGKILL');
    }
  }

  get stopped(): boolean {
    return this.stopRequested;
  }

  async run(): Promise<StudyOutcome> {
    const { expanded } = this.options;
    const results = new Map<string, MemberResult>();
    const pending: StudyMember[] = [];
    for (const member of expanded.members) {
      const state = this.settledState(member);
      if (state.status === 'completed') {
        this.options.onSkip?.(member, 'completed already');
      } else if (state.status === 'running' || state.status === 'queued') {
        // Its owner is alive: another process trains it now.
        this.options.onSkip?.(member, `${state.status} in another process`);
      } else {
        pending.push(member);
      }
      results.set(member.id, state);
    }
    const ran: string[] = [];
    const active = new Set<Promise<void>>();
    const parallel = Math.max(1, Math.floor(this.options.parallel));
    while (!this.stopRequested) {
      // The next member whose teacher (if any) has completed; a member whose teacher cannot complete any more is blocked.
      for (const member of [...pending]) {
        const teacher = member.teacher ? results.get(member.teacher) : undefined;
        if (teacher && teacher.status !== 'completed' && !pending.some((m) => m.id === member.teacher) && !this.running.has(member.teacher!)) {
          pending.splice(pending.indexOf(member), 1);
          results.set(member.id, { status: 'blocked' });
          this.options.onSkip?.(member, `its teacher (member ${member.teacher}) did not complete`);
        }
      }
      const ready = pending.find((member) => !member.teacher || results.get(member.teacher)?.status === 'completed');
      if (ready && this.running.size < parallel) {
        pending.splice(pending.indexOf(ready), 1);
        ran.push(ready.id);
        const job = this.start(ready, results).finally(() => active.delete(job));
        active.add(job);
        continue;
      }
      if (active.size === 0) break;
      await Promise.race(active);
    }
    await Promise.all(active);
    return { results, ran, stopped: this.stopRequested };
  }

  /** A member's state on disk; a run whose owner died is recorded interrupted, so it runs again. */
  private settledState(member: StudyMember): MemberResult {
    const run = memberRun(this.options.studyDir, member.id);
    if (!run) return { status: 'missing' };
    if (run.damage || !run.record) return { status: run.damage ? 'damaged' : 'missing' };
    if (isOwnerGone(run.record)) {
      try {
        markInterrupted(new RunFolder(run.dir), `the process that ran it (pid ${run.record.pid}) ended without recording an ending`);
      } catch {
        // the folder cannot be written: it runs again in a new folder all the same
      }
      return { status: 'interrupted' };
    }
    return { status: run.record.status, summary: run.summary };
  }

  private async start(member: StudyMember, results: Map<string, MemberResult>): Promise<void> {
    const { studyDir } = this.options;
    let config = member.config;
    if (member.teacher) {
      const teacherRun = memberRun(studyDir, member.teacher)!;
      const checkpoint = teacherCheckpointOf(teacherRun.dir);
      if (!existsSync(join(checkpoint, 'model.json'))) {
        results.set(member.id, { status: 'blocked' });
        this.options.onSkip?.(member, `its teacher's checkpoint ${checkpoint} is missing`);
        return;
      }
      config = withTeacherCheckpoint(config, checkpoint);
    }
    const runDir = claimAttemptDir(studyDir, member.id);
    const trainer = new TrainerProcess({
      nodePath: this.options.nodePath,
      trainerScript: this.options.trainerScript,
      config,
      runDir,
      baseDir: this.options.baseDir,
      env: this.options.env,
      detached: true,
    });
    this.running.set(member.id, trainer);
    trainer.on('event', (event) => this.options.onEvent?.(member, event));
    trainer.on('stderr', (text) => this.options.onOutput?.(member, text));
    this.options.onStart?.(member, runDir);
    trainer.start();
    // Stop may have come between the decision to start and the spawn.
    if (this.stopRequested) trainer.cancel();
    await trainer.done;
    this.running.delete(member.id);
    const folder = new RunFolder(runDir);
    let result: MemberResult;
    try {
      const record = folder.readRecord();
      result = { status: record?.status ?? 'failed', summary: folder.readSummary() };
    } catch {
      result = { status: 'damaged' };
    }
    results.set(member.id, result);
    this.options.onEnd?.(member, result, runDir);
  }
}
