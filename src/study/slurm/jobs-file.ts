// The study folder's record of what was submitted to Slurm, `slurm/jobs.json`: each submission's
// script, its sbatch calls with their job ids, and which array task trains which member into
// which run folder. Written atomically after every sbatch that succeeded, so a job id is never
// lost; paths are relative to the study folder.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../../shared/fs-atomic';

export const SLURM_DIR = 'slurm';
export const JOBS_FILE = join(SLURM_DIR, 'jobs.json');

const SlurmJob = z.object({
  jobId: z.string().regex(/^\d+$/),
  /** The array range given to sbatch (`0-4`, `5-9%2`). */
  array: z.string(),
  /** sbatch's --dependency, when the job waits for the teacher. */
  dependency: z.string().optional(),
});

const SlurmTaskEntry = z.object({
  index: z.number().int().nonnegative(),
  member: z.string().min(1),
  /** The member's attempt folder, relative to the study folder. */
  runDir: z.string().min(1),
  /** The member's config file, relative to the study folder. */
  config: z.string().min(1),
  /** The job whose array holds this task. */
  jobId: z.string().regex(/^\d+$/),
});
export type SlurmTaskEntry = z.infer<typeof SlurmTaskEntry>;

const Submission = z.object({
  number: z.number().int().positive(),
  submittedAt: z.string(),
  /** The sbatch script, relative to the study folder. */
  script: z.string(),
  jobs: z.array(SlurmJob),
  tasks: z.array(SlurmTaskEntry),
});
export type Submission = z.infer<typeof Submission>;

export const SlurmJobs = z.object({ submissions: z.array(Submission) });
export type SlurmJobs = z.infer<typeof SlurmJobs>;

/** The study's submissions, oldest first; none when it was never submitted. A damaged file is an error naming it. */
export function readJobs(studyDir: string): SlurmJobs {
  const file = join(studyDir, JOBS_FILE);
  if (!existsSync(file)) return { submissions: [] };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const parsed = SlurmJobs.safeParse(json);
  if (!parsed.success) throw new Error(`${file}: not a record of Slurm jobs (${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message})`);
  return parsed.data;
}

export function writeJobs(studyDir: string, jobs: SlurmJobs): void {
  writeJsonAtomic(join(studyDir, JOBS_FILE), jobs);
}

/** Every member's latest task: the submission that last included it wins. */
export function latestTasks(jobs: SlurmJobs): Map<string, SlurmTaskEntry> {
  const latest = new Map<string, SlurmTaskEntry>();
  for (const submission of jobs.submissions) for (const task of submission.tasks) latest.set(task.member, task);
  return latest;
}
