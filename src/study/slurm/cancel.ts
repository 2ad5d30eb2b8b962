// Stops a Slurm study: scancel on every job of its submissions that still has a queued or running
// task. Slurm sends the running tasks SIGTERM, on which `distill-lab run` cancels after its
// current step and records the run cancelled; queued tasks are dropped (their status says so).
import { runSlurmOrThrow, type SlurmCommands } from './commands';
import type { SlurmJobs } from './jobs-file';
import type { SlurmMemberStatus } from './status';

/** The job ids to cancel: those with a member queued or running. */
export function activeJobs(jobs: SlurmJobs, statuses: readonly SlurmMemberStatus[]): string[] {
  const active = new Set(statuses.filter((s) => s.status === 'queued' || s.status === 'running').map((s) => s.job?.split('_')[0]));
  return jobs.submissions.flatMap((s) => s.jobs.map((j) => j.jobId)).filter((id) => active.has(id));
}

/** scancel on these jobs (all their tasks); returns them. */
export async function cancelJobs(jobIds: string[], commands?: SlurmCommands): Promise<string[]> {
  if (jobIds.length) await runSlurmOrThrow('scancel', jobIds, commands);
  return jobIds;
}
