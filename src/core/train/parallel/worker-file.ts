import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The script a replica's worker thread runs: beside the bundle (dist/train-worker.js, next to
 * dist/cli.js and dist/trainer.js), or, running from the TypeScript sources, the boot file that
 * loads worker-main.ts through tsx.
 */
export function replicaWorkerFile(here: string = __dirname, file: string = __filename): string {
  const candidate = file.endsWith('.ts') ? join(here, 'worker-boot.cjs') : join(here, 'train-worker.js');
  if (!existsSync(candidate)) throw new Error(`data-parallel training: the worker script ${candidate} is missing`);
  return candidate;
}
