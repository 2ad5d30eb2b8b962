// The Slurm executor's API for the CLI and the extension host: open a saved study folder, then
// submit(), status(), cancel(), wait(). No TensorFlow and no vscode here (ESLint holds src/study to it).
import { basename } from 'node:path';
import { expandStudy } from '../../shared/study/expand';
import { readStudy } from '../../shared/study/folder';
import { SlurmExecutor } from './executor';

export { SlurmExecutor, type SlurmExecutorOptions, type SlurmStudyStatus } from './executor';
export { formatStatus, isSettled, tally, type SlurmMemberStatus } from './status';
export { readJobs, JOBS_FILE, SLURM_DIR, type SlurmJobs, type Submission } from './jobs-file';
export type { SubmitOutcome } from './submit';

/**
 * The executor of a saved study folder (its study.json), for a caller that has no expansion at
 * hand: `nodePath` and `cliPath` are what the tasks run on the nodes (dist/cli.js of this build),
 * `env` the Slurm commands' environment (SLURM_CONF…).
 */
export function openSlurmStudy(studyDir: string, run: { nodePath: string; cliPath: string; env?: NodeJS.ProcessEnv }): SlurmExecutor {
  const study = readStudy(studyDir);
  return new SlurmExecutor({
    studyDir,
    studyName: basename(studyDir),
    expanded: expandStudy(study, basename(studyDir)),
    options: study.slurm,
    nodePath: study.slurm?.node ?? run.nodePath,
    cliPath: run.cliPath,
    baseDir: study.baseDir ?? studyDir,
    env: run.env,
  });
}
