// How a study's members train, whichever executor runs them (DESIGN §7; the caller never branches
// on which one): the local pool of trainer processes (src/study/local-executor.ts), or a Slurm
// array (src/study/slurm/), submitted and then watched until every member settled. Both report
// each member's start and ending to the study runner, which shows them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StudyConfig, TrainerEvent } from '../../shared/protocol';
import type { ExpandedStudy, StudyMember } from '../../shared/study/expand';
import { lockStudy } from '../../shared/study/folder';
import type { MemberResult } from '../../shared/study/table';
import { LocalExecutor, type StudyOutcome } from '../../study/local-executor';
import { SlurmExecutor } from '../../study/slurm/executor';
import { JOBS_FILE } from '../../study/slurm/jobs-file';

export type StudyExecutorName = 'local' | 'slurm';

/** One run of a study's executor: started by run(), stopped by stop() (kill(): at once). */
export interface StudyExecution {
  readonly executor: StudyExecutorName;
  run(): Promise<StudyOutcome>;
  stop(): void;
  kill(): void;
}

export interface ExecutionHooks {
  onStart(member: StudyMember, runDir: string): void;
  onEvent(member: StudyMember, event: TrainerEvent): void;
  onOutput(member: StudyMember, text: string): void;
  onEnd(member: StudyMember, status: MemberResult['status'] | 'skipped', runDir?: string): void;
  log(text: string): void;
}

export interface ExecutionSpec {
  studyDir: string;
  studyName: string;
  study: StudyConfig;
  expanded: ExpandedStudy;
  parallel: number;
  nodePath: string;
  trainerScript: string;
  cliScript: string;
  env: NodeJS.ProcessEnv;
}

/** A study submitted to Slurm once stays there: its jobs.json says so. */
export const submittedToSlurm = (studyDir: string) => existsSync(join(studyDir, JOBS_FILE));

/** The local pool; the study stays locked while it runs. */
export function localExecution(spec: ExecutionSpec, hooks: ExecutionHooks): StudyExecution {
  // Refused, naming the holder, when the CLI or another window runs this study now.
  const unlock = lockStudy(spec.studyDir);
  const byId = new Map(spec.expanded.members.map((m) => [m.id, m]));
  const executor = new LocalExecutor({
    studyDir: spec.studyDir,
    expanded: spec.expanded,
    parallel: spec.parallel,
    baseDir: spec.study.baseDir ?? spec.studyDir,
    nodePath: spec.nodePath,
    trainerScript: spec.trainerScript,
    env: spec.env,
    onStart: hooks.onStart,
    onEvent: hooks.onEvent,
    onOutput: hooks.onOutput,
    onEnd: (member, result, runDir) => hooks.onEnd(member, result.status, runDir),
    onSkip: (member, why) => {
      if (why !== 'completed already') hooks.log(`${member.id}: not run: ${why}`);
      hooks.onEnd(byId.get(member.id)!, why === 'completed already' ? 'completed' : 'skipped');
    },
  });
  return {
    executor: 'local',
    run: () => executor.run().finally(unlock),
    stop: () => executor.stop(),
    kill: () => executor.kill(),
  };
}

/** How often a Slurm study is asked about; DISTILL_SLURM_POLL_MS overrides it (as for the CLI's --wait). */
const pollMs = () => Number(process.env.DISTILL_SLURM_POLL_MS) || 5000;

/**
 * A Slurm array: the members without a completed, queued or running run are submitted (the study
 * locked meanwhile, as the CLI does), then Slurm and the run folders are asked until every member
 * settled. Stop is scancel; the watch goes on until the cancelled tasks are recorded.
 */
export function slurmExecution(spec: ExecutionSpec, hooks: ExecutionHooks): StudyExecution {
  const executor = new SlurmExecutor({
    studyDir: spec.studyDir,
    studyName: spec.studyName,
    expanded: spec.expanded,
    options: spec.study.slurm,
    nodePath: spec.study.slurm?.node ?? spec.nodePath,
    cliPath: spec.cliScript,
    baseDir: spec.study.baseDir ?? spec.studyDir,
    env: spec.env,
  });
  const watching = new AbortController();
  let stopped = false;
  const byId = new Map(spec.expanded.members.map((m) => [m.id, m]));
  const run = async (): Promise<StudyOutcome> => {
    const unlock = lockStudy(spec.studyDir);
    let submitted;
    try {
      submitted = await executor.submit();
    } finally {
      unlock();
    }
    const ran = submitted.submission?.tasks.map((task) => task.member) ?? [];
    if (submitted.submission)
      hooks.log(
        `submitted ${ran.length} members to Slurm: ${submitted.submission.jobs.map((job) => `job ${job.jobId} (tasks ${job.array})`).join(', ')}; script ${join(spec.studyDir, submitted.submission.script)}`,
      );
    const started = new Set<string>();
    const status = await executor.wait({
      intervalMs: pollMs(),
      signal: watching.signal,
      onChange: (member) => {
        const studyMember = byId.get(member.member);
        if (!studyMember) return;
        if (member.status === 'running' && member.runDir && !started.has(member.member)) {
          started.add(member.member);
          hooks.onStart(studyMember, member.runDir);
        } else if (member.status !== 'queued' && member.status !== 'running') {
          hooks.onEnd(studyMember, ran.includes(member.member) || member.status !== 'completed' ? member.status : 'completed', member.runDir);
        }
        if (member.detail && member.status !== 'completed') hooks.log(`${member.member}: ${member.status} (${member.detail})`);
      },
    });
    return { results: status.results, ran, stopped };
  };
  return {
    executor: 'slurm',
    run,
    stop: () => {
      stopped = true;
      executor.cancel().then(
        (jobs) => hooks.log(jobs.length ? `scancel ${jobs.join(' ')}` : 'no job of the study is queued or running'),
        (error: unknown) => {
          hooks.log(`scancel failed: ${(error as Error).message}; no longer watching the study`);
          watching.abort();
        },
      );
    },
    kill: () => watching.abort(),
  };
}
