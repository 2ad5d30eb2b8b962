// The Slurm executor of a study (DESIGN §7), for the CLI and the extension host alike: submit the
// members that need a run as an sbatch array, tell each member's status from Slurm and its run
// folder, cancel with scancel. Every call reads the study folder afresh, so any process (the one
// that submitted, a later `--status`, the extension) sees the same study.
import type { SlurmOptions } from '../../shared/protocol';
import type { ExpandedStudy } from '../../shared/study/expand';
import { studyRows, type MemberResult, type StudyRow } from '../../shared/study/table';
import { activeJobs, cancelJobs } from './cancel';
import type { SlurmCommands } from './commands';
import { readJobs } from './jobs-file';
import { queryJobs, type SlurmSource } from './query';
import { isSettled, mergeStatus, resultsOf, type SlurmMemberStatus } from './status';
import { submitStudy, type SubmitOutcome } from './submit';

export interface SlurmExecutorOptions {
  studyDir: string;
  /** The study's folder name (its experiment). */
  studyName: string;
  expanded: ExpandedStudy;
  /** The study's `slurm` options (partition, time, …); none: the cluster's defaults. */
  options?: SlurmOptions;
  /** The Node binary and the `distill-lab` CLI bundle (dist/cli.js) the tasks run, as the nodes see them. */
  nodePath: string;
  cliPath: string;
  /** Relative dataset and checkpoint paths of the members' configs resolve against it. */
  baseDir: string;
  /** The environment of the Slurm commands (SLURM_CONF picks a cluster); the tasks inherit it (sbatch's default --export=ALL). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export interface SlurmStudyStatus {
  members: SlurmMemberStatus[];
  /** Which of Slurm's commands answered (sacct, squeue, scontrol, jobcomp). */
  sources: SlurmSource[];
  /** Every member settled: none queued or running. */
  settled: boolean;
  results: Map<string, MemberResult>;
}

const DEFAULT_OPTIONS: SlurmOptions = { extra: [], setup: [] };

export class SlurmExecutor {
  constructor(private readonly config: SlurmExecutorOptions) {}

  private get commands(): SlurmCommands {
    return { env: this.config.env, timeoutMs: this.config.timeoutMs };
  }

  /** Each member's status now; runs whose task ended unrecorded are recorded failed or cancelled. */
  async status(): Promise<SlurmStudyStatus> {
    const { studyDir, expanded } = this.config;
    const jobs = readJobs(studyDir);
    const jobIds = jobs.submissions.flatMap((s) => s.jobs.map((j) => j.jobId));
    const states = await queryJobs(jobIds, this.commands);
    const members = mergeStatus(studyDir, expanded.members, jobs, states);
    return { members, sources: states.sources, settled: members.every(isSettled), results: resultsOf(members) };
  }

  /** Submits every member without a completed, queued or running run (all of them the first time). */
  async submit(): Promise<SubmitOutcome> {
    const current = (await this.status()).members;
    return submitStudy({
      studyDir: this.config.studyDir,
      studyName: this.config.studyName,
      members: this.config.expanded.members,
      current,
      options: this.config.options ?? DEFAULT_OPTIONS,
      nodePath: this.config.nodePath,
      cliPath: this.config.cliPath,
      baseDir: this.config.baseDir,
      commands: this.commands,
    });
  }

  /** scancel on the study's jobs that have a member queued or running; returns their ids. */
  async cancel(): Promise<string[]> {
    const jobs = readJobs(this.config.studyDir);
    return cancelJobs(activeJobs(jobs, (await this.status()).members), this.commands);
  }

  /** Polls the status until every member settled (or `signal` aborts), calling `onChange` with each member whose status changed. */
  async wait(options: { intervalMs?: number; signal?: AbortSignal; onChange?: (member: SlurmMemberStatus) => void } = {}): Promise<SlurmStudyStatus> {
    const seen = new Map<string, string>();
    for (;;) {
      const status = await this.status();
      for (const member of status.members) {
        if (seen.get(member.member) !== member.status) options.onChange?.(member);
        seen.set(member.member, member.status);
      }
      if (status.settled || options.signal?.aborted) return status;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 5000));
    }
  }

  /** The study table from a status. */
  rows(status: SlurmStudyStatus): StudyRow[] {
    return studyRows(this.config.expanded.members, status.results);
  }
}
