// The run folder on disk (DESIGN §5). No TensorFlow here: the extension host reads it too.
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { RunRecord, RunSummary, TrainerEvent } from './protocol';
import { writeJsonAtomic } from './fs-atomic';

export const RUN_FILES = {
  config: 'config.json',
  record: 'run.json',
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  checkpoints: 'checkpoints',
} as const;

/** `<runsDir>/<experiment>/<run id>`; the id sorts by start time. */
export function newRunDir(runsDir: string, experiment: string, now = new Date()): string {
  const safe = experiment.replace(/[^A-Za-z0-9._-]+/g, '-') || 'experiment';
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let dir = join(runsDir, safe, `run-${stamp}`);
  for (let n = 2; existsSync(dir); n++) dir = join(runsDir, safe, `run-${stamp}-${n}`);
  return dir;
}

export class RunFolder {
  constructor(readonly dir: string) {}

  get id(): string {
    return basename(this.dir);
  }

  get experiment(): string {
    return basename(dirname(this.dir));
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  checkpointDir(role: string, kind: 'best' | 'last'): string {
    return join(this.dir, RUN_FILES.checkpoints, role, kind);
  }

  ensure(): void {
    mkdirSync(this.dir, { recursive: true });
  }

  writeConfig(config: unknown): void {
    writeJsonAtomic(this.path(RUN_FILES.config), config);
  }

  readRecord(): RunRecord | undefined {
    return readJson<RunRecord>(this.path(RUN_FILES.record));
  }

  /** Merges into run.json (atomically). */
  updateRecord(patch: Partial<RunRecord>): RunRecord {
    const current = this.readRecord();
    const next = { ...(current ?? { id: this.id, experiment: this.experiment, status: 'queued', method: 'kd', createdAt: new Date().toISOString() }), ...patch } as RunRecord;
    writeJsonAtomic(this.path(RUN_FILES.record), next);
    return next;
  }

  /** One event a line; appends are never rewritten, so a crash keeps every finished line. */
  appendEvent(event: TrainerEvent): void {
    appendFileSync(this.path(RUN_FILES.metrics), `${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
  }

  readEvents(): (TrainerEvent & { time: string })[] {
    const file = this.path(RUN_FILES.metrics);
    if (!existsSync(file)) return [];
    // A line cut short by a crash mid-write is skipped, not fatal.
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .flatMap((line) => {
        try {
          return [JSON.parse(line)];
        } catch {
          return [];
        }
      });
  }

  writeSummary(summary: RunSummary): void {
    writeJsonAtomic(this.path(RUN_FILES.summary), summary);
  }

  readSummary(): RunSummary | undefined {
    return readJson<RunSummary>(this.path(RUN_FILES.summary));
  }
}

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Every run folder under a runs folder (`<experiment>/<run>/run.json`). */
export function listRuns(runsDir: string): RunFolder[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((experiment) =>
      readdirSync(join(runsDir, experiment.name), { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(runsDir, experiment.name, e.name, RUN_FILES.record)))
        .map((e) => new RunFolder(join(runsDir, experiment.name, e.name))),
    )
    .sort((a, b) => a.dir.localeCompare(b.dir));
}
