// The files of a run folder (DESIGN §5) and where a new run's folder goes.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** run.json is not listed here: status.ts alone writes it, and RunFolder reads it. */
export const RUN_FILES = {
  config: 'config.json',
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  checkpoints: 'checkpoints',
} as const;

export const RECORD_FILE = 'run.json';

/** Where `distill-lab attention` caches one validation sample's attention maps (the knowledge folder), relative to the run folder. */
export function attentionSampleFile(sample: number): string {
  return `${RUN_FILES.checkpoints}/attention-on-request/sample-${sample}.json`;
}

/** The files whose change changes what a run looks like in a listing (the tree watches them). */
export function isRunStateFile(name: string): boolean {
  return name === RECORD_FILE || name === RUN_FILES.summary;
}

/**
 * Claims a new run's folder, `<runsDir>/<experiment>/<run id>`, and returns it; the id sorts by
 * start time. The folder is created here with a non-recursive mkdir, which fails when it exists,
 * so two runs started in the same millisecond (by this process or another) never share one:
 * the second takes the next suffix.
 */
export function newRunDir(runsDir: string, experiment: string, now = new Date()): string {
  const safe = experiment.replace(/[^A-Za-z0-9._-]+/g, '-') || 'experiment';
  // The schema refuses these names; a caller that skipped it must not leave the runs folder either.
  if (/^\.+$/.test(safe)) throw new Error(`config.name: expected one folder name, got ${JSON.stringify(experiment)}`);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const parent = join(runsDir, safe);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (error) {
    throw new Error(`cannot create the run folder under ${parent}: ${(error as Error).message}`);
  }
  for (let n = 1; ; n++) {
    const dir = join(parent, n === 1 ? `run-${stamp}` : `run-${stamp}-${n}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create the run folder ${dir}: ${(error as Error).message}`);
    }
  }
}
