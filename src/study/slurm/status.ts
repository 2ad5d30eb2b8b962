// A Slurm study's members as they stand: what the cluster says of each array task, merged with
// the member's run folder. The folder's own record wins once it is final; a task that ended
// without the run recording its ending (killed, out of time or memory, a node lost) has its run
// recorded failed or cancelled here, naming the Slurm state, so every listing agrees.
import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { isFinal, isProcessAlive, markCancelled, markFailed, RunFolder } from '../../shared/run-folder';
import type { StudyMember } from '../../shared/study/expand';
import { memberRun, readMemberRun, type MemberRun } from '../../shared/study/folder';
import type { MemberResult } from '../../shared/study/table';
import { latestTasks, SLURM_DIR, type SlurmJobs, type SlurmTaskEntry } from './jobs-file';
import { phaseOf, taskKey, type SlurmTask, type TaskPhase } from './parse';
import type { JobStates } from './query';

export interface SlurmMemberStatus {
  member: string;
  role: StudyMember['role'];
  /** The study's word: queued, running, completed, failed, cancelled, blocked (its teacher failed), missing (never submitted), … */
  status: MemberResult['status'];
  /** Its array task, `<job>_<index>`. */
  job?: string;
  /** Slurm's state of that task, when Slurm still knows it. */
  slurmState?: string;
  /** Why it waits or how it ended, in a few words. */
  detail?: string;
  /** The member's run folder (its latest attempt). */
  runDir?: string;
  /** The task's log, relative to the study folder. */
  log?: string;
  result: MemberResult;
}

const ACTIVE: TaskPhase[] = ['queued', 'running'];

/** The task of a job that Slurm reports, or the record that stands for the whole job (an array cancelled before it started). */
function slurmTaskOf(states: JobStates, task: SlurmTaskEntry): SlurmTask | undefined {
  return states.tasks.get(taskKey(task.jobId, task.index)) ?? states.tasks.get(task.jobId);
}

function resultOf(run: MemberRun | undefined): MemberResult {
  if (!run) return { status: 'missing' };
  if (run.damage) return { status: 'damaged' };
  return { status: run.record?.status ?? 'missing', summary: run.summary };
}

/**
 * Every member's status. `record` (default on) writes the ending of a run whose task ended
 * without the run recording it, so the folder says what happened.
 */
export function mergeStatus(studyDir: string, members: readonly StudyMember[], jobs: SlurmJobs, states: JobStates, record = true): SlurmMemberStatus[] {
  const latest = latestTasks(jobs);
  return members.map((member): SlurmMemberStatus => {
    const task = latest.get(member.id);
    const completedRun = memberRun(studyDir, member.id);
    const base = { member: member.id, role: member.role };
    if (!task) {
      const result = resultOf(completedRun);
      return { ...base, status: result.status, runDir: completedRun?.dir, result, detail: completedRun ? undefined : 'not submitted' };
    }
    const runDir = join(studyDir, task.runDir);
    const log = join(SLURM_DIR, String(jobs.submissions.find((s) => s.tasks.includes(task))?.number ?? ''), 'logs', `${task.jobId}_${task.index}.out`);
    const withTask = { ...base, job: `${task.jobId}_${task.index}`, runDir, log };
    const slurm = slurmTaskOf(states, task);
    // A completed attempt (this task's, or an earlier one) speaks for the member, as in the local pool.
    if (completedRun?.record?.status === 'completed') return { ...withTask, runDir: completedRun.dir, slurmState: slurm?.state, status: 'completed', result: resultOf(completedRun) };
    const run = readMemberRun(runDir);
    const phase = slurm ? phaseOf(slurm.state) : undefined;
    const detailOf = (s: SlurmTask) => [s.state, s.reason, s.exitCode && s.exitCode !== '0:0' ? `exit ${s.exitCode}` : undefined].filter(Boolean).join(', ');
    const withSlurm = { ...withTask, slurmState: slurm?.state, detail: slurm ? detailOf(slurm) : undefined };
    const recorded = run.record?.status;
    if (run.damage) return { ...withSlurm, status: 'damaged', detail: run.damage, result: { status: 'damaged' } };
    if (recorded && isFinal(recorded)) return { ...withSlurm, status: recorded, result: resultOf(run), detail: run.record?.error?.message ?? withSlurm.detail };
    if (!slurm || !phase) {
      // Slurm has forgotten the job (no accounting, past MinJobAge): the folder is all there is.
      const result = resultOf(run);
      return { ...withSlurm, status: result.status, result, detail: `Slurm no longer reports task ${withTask.job}` };
    }
    if (ACTIVE.includes(phase)) {
      const status = recorded === 'running' ? 'running' : phase;
      return { ...withSlurm, status, result: { status } };
    }
    // The task ended; the run did not record how. A student cancelled before it started because its teacher did not complete is blocked.
    const teacherTask = member.teacher ? latest.get(member.teacher) : undefined;
    const teacherRecord = teacherTask ? readMemberRun(join(studyDir, teacherTask.runDir)).record?.status : undefined;
    // (A teacher cancelled with the study leaves its students cancelled, not blocked.)
    const teacherFailed = teacherRecord === 'failed' || teacherRecord === 'interrupted';
    if (phase === 'cancelled' && !recorded && (slurm.reason === 'DependencyNeverSatisfied' || teacherFailed)) {
      return { ...withSlurm, status: 'blocked', detail: `its teacher (member ${member.teacher ?? 'teacher'}) did not complete`, result: { status: 'blocked' } };
    }
    const ending: MemberResult['status'] = phase === 'completed' ? 'failed' : phase;
    const seeLog = existsSync(join(studyDir, log)) ? ` (see ${log})` : '';
    const message = phase === 'completed' ? `Slurm task ${withTask.job} ended without the run recording an ending${seeLog}` : `Slurm task ${withTask.job} ended ${detailOf(slurm)}${seeLog}`;
    if (record && (recorded || ending === 'failed') && !mayStillRecord(run, runDir)) recordEnding(runDir, ending, message);
    const after = readMemberRun(runDir);
    // Not recorded yet (the run may still record it, or the folder is read-only): Slurm's word stands meanwhile.
    const result: MemberResult = after.record && isFinal(after.record.status) ? resultOf(after) : { status: ending };
    return { ...withSlurm, status: result.status, detail: message, result };
  });
}

/** How long after its last write a run whose task Slurm reports ended may still be recording its own ending (SIGTERM, then KillWait). */
export const RECORD_GRACE_MS = 60_000;

/**
 * Whether the run may yet record its ending itself: its process is alive on this machine, or
 * (owned elsewhere) it wrote within the grace period. Until then the status says what Slurm
 * says and the folder is left to the run.
 */
function mayStillRecord(run: MemberRun, runDir: string, now = Date.now()): boolean {
  const owner = run.record;
  if (!owner || owner.pid === undefined) return false;
  if (owner.host === hostname()) return isProcessAlive(owner.pid);
  try {
    // Every record write is a rename into the folder, which stamps the folder.
    return now - statSync(runDir).mtimeMs < RECORD_GRACE_MS;
  } catch {
    return false;
  }
}

/** Writes the ending a task's run did not record; a folder that cannot be written keeps its word (the status still says). */
function recordEnding(runDir: string, ending: MemberResult['status'], message: string): void {
  const folder = new RunFolder(runDir);
  try {
    folder.ensure();
    if (ending === 'cancelled') markCancelled(folder);
    else markFailed(folder, { message });
  } catch {
    // another process recorded it meanwhile, or the folder is read-only
  }
}

/** The results the study table wants, by member. */
export function resultsOf(statuses: readonly SlurmMemberStatus[]): Map<string, MemberResult> {
  return new Map(statuses.map((s) => [s.member, s.result]));
}

/** Members no transition leaves any more (completed, failed, cancelled, blocked…): the study is done when every member is. */
export const isSettled = (status: SlurmMemberStatus) => !['queued', 'running'].includes(status.status);

/** `teacher  completed  12_0  …`: one line per member, aligned. */
export function formatStatus(statuses: readonly SlurmMemberStatus[]): string {
  const rows = statuses.map((s) => [s.member, s.status, s.job ?? '—', s.detail ?? (s.runDir ? basename(s.runDir) : '')]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length), ['member', 'status', 'task'][i].length));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell))
      .join('  ')
      .trimEnd();
  return [line(['member', 'status', 'task', 'detail']), ...rows.map(line)].join('\n');
}

/** `3 completed, 1 failed, 2 queued`. */
export function tally(statuses: readonly SlurmMemberStatus[]): string {
  const counts = new Map<string, number>();
  for (const s of statuses) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  return [...counts.entries()].map(([status, n]) => `${n} ${status}`).join(', ');
}
