// Every run of a runs folder as a listing shows it: readable runs with their record and summary,
// and damaged ones (run.json or summary.json unreadable) named with the file and the reason, so
// one bad folder never hides the others.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord, RunSummary } from '../protocol';
import { RECORD_FILE } from './files';
import { RunFolder } from './folder';
import type { DamagedFile } from './json-file';

interface ListedRunBase {
  readonly folder: RunFolder;
  readonly runDir: string;
  readonly experiment: string;
  readonly id: string;
}

export interface ReadableRun extends ListedRunBase {
  readonly kind: 'run';
  readonly record: RunRecord;
  readonly summary?: RunSummary;
}

export interface DamagedRun extends ListedRunBase {
  readonly kind: 'damaged';
  readonly damage: DamagedFile;
  /** When run.json was readable and summary.json was not. */
  readonly record?: RunRecord;
}

export type ListedRun = ReadableRun | DamagedRun;

/** Every run folder under a runs folder (`<experiment>/<run>/run.json`), in path order. */
export function listRuns(runsDir: string): RunFolder[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((experiment) =>
      readdirSync(join(runsDir, experiment.name), { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(runsDir, experiment.name, e.name, RECORD_FILE)))
        .map((e) => new RunFolder(join(runsDir, experiment.name, e.name))),
    )
    .sort((a, b) => a.dir.localeCompare(b.dir));
}

/** A run folder read for a listing; undefined when its run.json has gone meanwhile. */
export function readRun(folder: RunFolder): ListedRun | undefined {
  const base = { folder, runDir: folder.dir, experiment: folder.experiment, id: folder.id };
  const record = folder.inspectRecord();
  if (record.state === 'missing') return undefined;
  if (record.state === 'damaged') return { ...base, kind: 'damaged', damage: record.damage };
  const summary = folder.inspectSummary();
  if (summary.state === 'damaged') return { ...base, kind: 'damaged', damage: summary.damage, record: record.value };
  return { ...base, kind: 'run', record: record.value, summary: summary.state === 'read' ? summary.value : undefined };
}

export function readRuns(runsDir: string): ListedRun[] {
  return listRuns(runsDir).flatMap((folder) => readRun(folder) ?? []);
}
