// `distill-lab study … --executor slurm [--wait]`, `study --status FOLDER` and `study --cancel
// FOLDER`: a study submitted to a Slurm cluster as an sbatch array, its members' status from
// Slurm and their run folders, and scancel.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { StudyConfig } from '../shared/protocol';
import type { ExpandedStudy } from '../shared/study/expand';
import { lockStudy } from '../shared/study/folder';
import { formatStudyTable } from '../shared/study/table';
import { SlurmExecutor, type SlurmStudyStatus } from '../study/slurm/executor';
import { JOBS_FILE } from '../study/slurm/jobs-file';
import { formatStatus, tally } from '../study/slurm/status';

export const SLURM_STUDY_OPTIONS = {
  /** `local` (default: a pool of trainer processes here) or `slurm` (an sbatch array on the cluster). */
  executor: { type: 'string' },
  /** With --executor slurm: poll until every member settled, then print the table. */
  wait: { type: 'boolean' },
  status: { type: 'boolean' },
  cancel: { type: 'boolean' },
} as const;

export interface SlurmStudyArgs {
  executor: 'local' | 'slurm';
  wait: boolean;
  status: boolean;
  cancel: boolean;
}

/** How often --wait asks Slurm; DISTILL_SLURM_POLL_MS overrides it (the tests poll faster). */
const pollMs = () => Number(process.env.DISTILL_SLURM_POLL_MS) || 5000;

/** The CLI bundle the tasks run: this one (dist/cli.js), or dist/cli.js when the CLI runs from its sources. */
function cliBundle(): string {
  const candidates = [join(__dirname, 'cli.js'), join(__dirname, '..', '..', 'dist', 'cli.js')];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`the CLI bundle is not built (looked for ${candidates.join(', ')}): npm run build`);
  return found;
}

const say = (text: string) => {
  try {
    process.stderr.write(`${text}\n`);
  } catch {
    // nobody to tell
  }
};

function report(status: SlurmStudyStatus, executor: SlurmExecutor, studyDir: string): void {
  const sources = status.sources.length ? ` (from ${status.sources.join(', ')} and the run folders)` : ' (from the run folders)';
  process.stdout.write(`${formatStatus(status.members)}\n\n${status.members.length} members: ${tally(status.members)}${sources}\n`);
  if (status.settled) process.stdout.write(`\n${formatStudyTable(executor.rows(status), 'table')}\n`);
  process.stdout.write(`study folder: ${studyDir}\n`);
}

export async function slurmStudyCommand(args: SlurmStudyArgs, studyDir: string, study: StudyConfig, expanded: ExpandedStudy): Promise<number> {
  const executor = new SlurmExecutor({
    studyDir,
    studyName: basename(studyDir),
    expanded,
    options: study.slurm,
    nodePath: study.slurm?.node ?? process.execPath,
    cliPath: cliBundle(),
    baseDir: study.baseDir ?? studyDir,
  });
  if (args.status) {
    report(await executor.status(), executor, studyDir);
    return 0;
  }
  if (args.cancel) {
    if (!existsSync(join(studyDir, JOBS_FILE))) throw new Error(`--cancel: the study ${studyDir} was never submitted to Slurm (no ${JOBS_FILE}); a local study stops with Ctrl-C`);
    const cancelled = await executor.cancel();
    process.stdout.write(
      cancelled.length
        ? `scancel ${cancelled.join(' ')}: queued members are dropped, running ones record themselves cancelled after their current step\n`
        : 'no job of the study is queued or running\n',
    );
    return 0;
  }
  const unlock = lockStudy(studyDir);
  let submitted;
  try {
    submitted = await executor.submit();
  } finally {
    unlock();
  }
  for (const { member, why } of submitted.skipped) say(`· ${member}: ${why}`);
  const submission = submitted.submission;
  if (!submission) {
    process.stdout.write(`nothing to submit: every member is completed, queued or running\nstudy folder: ${studyDir}\n`);
  } else {
    const jobs = submission.jobs.map((job) => `job ${job.jobId} (tasks ${job.array}${job.dependency ? `, after ${job.dependency}` : ''})`).join(', ');
    process.stdout.write(
      `submitted ${submission.tasks.length} members of ${studyDir} to Slurm: ${jobs}\nscript: ${join(studyDir, submission.script)}\nstatus: distill-lab study --status ${studyDir}\nstop:   distill-lab study --cancel ${studyDir}\n`,
    );
  }
  if (!args.wait) return 0;
  say('waiting for every member to end (Ctrl-C stops the waiting, not the jobs; --cancel stops them)');
  const status = await executor.wait({ intervalMs: pollMs(), onChange: (member) => say(`${member.member}: ${member.status}${member.detail ? ` (${member.detail})` : ''}`) });
  report(status, executor, studyDir);
  return status.members.every((member) => member.status === 'completed') ? 0 : 1;
}
