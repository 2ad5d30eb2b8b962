// Runs Slurm's client commands (sbatch, squeue, scontrol, sacct, scancel) as the user would, with
// the environment given (SLURM_CONF picks the cluster), and says plainly when one is missing.
import { execFile } from 'node:child_process';

export interface SlurmOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SlurmCommands {
  env?: NodeJS.ProcessEnv;
  /** Each command's limit; a controller that does not answer ends it. */
  timeoutMs?: number;
}

/** Runs `command args…`; a non-zero exit is returned, not thrown. A command that cannot start is an error naming it. */
export function runSlurm(command: string, args: string[], options: SlurmCommands = {}): Promise<SlurmOutput> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 2 ** 20, encoding: 'utf8' }, (error, stdout, stderr) => {
      const failure = error as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean }) | null;
      if (failure && failure.code === 'ENOENT') {
        reject(new Error(`${command} not found: the Slurm executor runs Slurm's client commands (${command}, squeue, scancel…), so it runs on a cluster's login node where they are on PATH`));
        return;
      }
      if (failure && failure.killed) {
        reject(new Error(`${command} ${args.join(' ')} did not answer within ${(options.timeoutMs ?? 60_000) / 1000} s`));
        return;
      }
      resolve({ code: failure ? (typeof failure.code === 'number' ? failure.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Like runSlurm, but a non-zero exit is an error with the command's own words. */
export async function runSlurmOrThrow(command: string, args: string[], options: SlurmCommands = {}): Promise<string> {
  const out = await runSlurm(command, args, options);
  if (out.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${out.code}): ${(out.stderr || out.stdout).trim() || 'no message'}`);
  return out.stdout;
}
