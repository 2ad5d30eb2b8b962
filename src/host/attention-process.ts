// `distill-lab attention` as a child process of the extension host, for the attention view's samples
// the run did not store: run with the Node of distill.nodePath (as trainers are), its stderr kept,
// stopped after a timeout. The host itself never loads TensorFlow.
import { spawn } from 'node:child_process';

export interface AttentionProcessOptions {
  nodePath: string;
  /** dist/cli.js of the extension. */
  cliScript: string;
  /** Relative dataset paths of the run's config resolve against it, as they did for the run. */
  baseDir: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Loading the data set again and one forward pass per model: seconds; a minute is generous. */
const TIMEOUT_MS = 120_000;

/** Resolves once the file is written; rejects with the CLI's own error line (it names what was wrong). */
export function runAttentionProcess(options: AttentionProcessOptions, runDir: string, sample: number, out: string): Promise<void> {
  const args = [options.cliScript, 'attention', runDir, '--sample', String(sample), '--out', out, '--base-dir', options.baseDir];
  return new Promise((resolve, reject) => {
    const child = spawn(options.nodePath, args, { env: options.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'], timeout: options.timeoutMs ?? TIMEOUT_MS, windowsHide: true });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
    child.on('error', (error) => reject(new Error(`distill-lab attention could not start with ${options.nodePath}: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const said = /^error: (.*)$/m.exec(stderr)?.[1] ?? stderr.trim().split('\n').at(-1);
      const how = signal ? `was stopped by ${signal}${signal === 'SIGTERM' ? ' (it took longer than the timeout)' : ''}` : `exited with code ${code}`;
      reject(new Error(said ? said : `distill-lab attention ${how}`));
    });
  });
}
