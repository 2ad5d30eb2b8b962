// What the dashboard reads from the runs folder. No vscode import: unit tests use it directly.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { listRuns, RunFolder, RUN_FILES } from '../../shared/run-folder';
import type { DashboardCompareRun, DashboardEvent, DashboardRunHistory, DashboardRunItem, TrainerEvent } from '../../shared/protocol';

const DRAWN: ReadonlySet<string> = new Set<DashboardEvent['type']>(['started', 'progress', 'epoch', 'predictions', 'finished', 'failed', 'cancelled']);

/** The events the dashboard draws; checkpoints and logs stay in the run folder. */
export function isDashboardEvent(event: TrainerEvent): event is DashboardEvent {
  return DRAWN.has(event.type);
}

/** True when `runDir` is a folder strictly inside `runsDir` (the webview may only open those). */
export function isInside(runsDir: string, runDir: string): boolean {
  const rel = relative(resolve(runsDir), resolve(runDir));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

export function listRunItems(runsDir: string): DashboardRunItem[] {
  return listRuns(runsDir).flatMap((folder) => {
    const record = safely(() => folder.readRecord());
    if (!record) return [];
    return [{ runDir: folder.dir, id: folder.id, experiment: folder.experiment, status: record.status, method: record.method, createdAt: record.createdAt }];
  });
}

/**
 * A run as the dashboard first draws it. Only the latest `predictions` of each phase is kept:
 * each one repeats the sample images, and the view shows the latest anyway.
 */
export function readRunHistory(runDir: string): DashboardRunHistory {
  const folder = new RunFolder(runDir);
  const drawn = folder.readEvents().filter(isDashboardEvent).map(({ time: _time, ...event }) => event as DashboardEvent);
  const lastPredictions = new Map<string, number>();
  drawn.forEach((event, i) => {
    if (event.type === 'predictions') lastPredictions.set(event.phase, i);
  });
  const events = drawn.filter((event, i) => event.type !== 'predictions' || lastPredictions.get(event.phase) === i);
  return { runDir, record: safely(() => folder.readRecord()), config: readConfig(folder), events };
}

/** Every run that has a summary, with its resolved config (seeds of one config are grouped by the view). */
export function readCompareRuns(runsDir: string): DashboardCompareRun[] {
  return listRuns(runsDir).flatMap((folder) => {
    const summary = safely(() => folder.readSummary());
    const record = safely(() => folder.readRecord());
    if (!summary || !record) return [];
    return [{ runDir: folder.dir, id: folder.id, experiment: folder.experiment, status: record.status, config: readConfig(folder), summary }];
  });
}

function readConfig(folder: RunFolder): unknown {
  const file = folder.path(RUN_FILES.config);
  return existsSync(file) ? safely(() => JSON.parse(readFileSync(file, 'utf8'))) : undefined;
}

/** A file half-written by another process, or edited by hand, must not take the dashboard down. */
function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
