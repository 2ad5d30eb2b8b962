// The files of a run folder (DESIGN §5) and where a new run's folder goes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** run.json is not listed here: status.ts alone writes it, and RunFolder reads it. */
export const RUN_FILES = {
  config: 'config.json',
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  checkpoints: 'checkpoints',
} as const;

export const RECORD_FILE = 'run.json';

/** The files whose change changes what a run looks like in a listing (the tree watches them). */
export function isRunStateFile(name: string): boolean {
  return name === RECORD_FILE || name === RUN_FILES.summary;
}

/** `<runsDir>/<experiment>/<run id>`; the id sorts by start time. */
export function newRunDir(runsDir: string, experiment: string, now = new Date()): string {
  const safe = experiment.replace(/[^A-Za-z0-9._-]+/g, '-') || 'experiment';
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let dir = join(runsDir, safe, `run-${stamp}`);
  for (let n = 2; existsSync(dir); n++) dir = join(runsDir, safe, `run-${stamp}-${n}`);
  return dir;
}
