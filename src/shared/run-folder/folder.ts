// One run folder: its paths, and reading and writing every file in it but run.json's status,
// which only status.ts writes.
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RunRecord, RunSummary, type TrainerEvent } from '../protocol';
import { writeJsonAtomic } from '../fs-atomic';
import { RECORD_FILE, RUN_FILES } from './files';
import { readJsonFile, valueOf, type FileRead } from './json-file';

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

  /** For showing the record to the user; status.ts alone writes it. */
  get recordPath(): string {
    return this.path(RECORD_FILE);
  }

  checkpointDir(role: string, kind: 'best' | 'last'): string {
    return join(this.dir, RUN_FILES.checkpoints, role, kind);
  }

  ensure(): void {
    mkdirSync(this.dir, { recursive: true });
  }

  hasRecord(): boolean {
    return existsSync(this.recordPath);
  }

  /** Modification times of run.json and summary.json: they change when the run's listing does. */
  stateStamp(): string {
    const stamp = (file: string) => {
      try {
        return statSync(file).mtimeMs;
      } catch {
        return 0;
      }
    };
    return `${stamp(this.recordPath)}:${stamp(this.path(RUN_FILES.summary))}`;
  }

  writeConfig(config: unknown): void {
    writeJsonAtomic(this.path(RUN_FILES.config), config);
  }

  inspectRecord(): FileRead<RunRecord> {
    return readJsonFile(this.recordPath, RunRecord);
  }

  /** Undefined when there is no run.json yet; throws DamagedRunFile when it cannot be read. */
  readRecord(): RunRecord | undefined {
    return valueOf(this.inspectRecord());
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

  inspectSummary(): FileRead<RunSummary> {
    return readJsonFile(this.path(RUN_FILES.summary), RunSummary);
  }

  /** Undefined when there is no summary.json yet; throws DamagedRunFile when it cannot be read. */
  readSummary(): RunSummary | undefined {
    return valueOf(this.inspectSummary());
  }
}
