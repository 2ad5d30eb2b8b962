// What the dashboard shows of the runs folder: the run list and the comparison come from the
// store's listing (the one the tree shows), a run's history from its folder. No vscode import:
// unit tests use it directly.
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { RunFolder, RUN_FILES, type ListedRun } from '../../shared/run-folder';
import type { DashboardCompareRun, DashboardEvent, DashboardRunHistory, DashboardRunItem, TrainerEvent } from '../../shared/protocol';

const DRAWN: ReadonlySet<string> = new Set<DashboardEvent['type']>(['started', 'progress', 'steps', 'epoch', 'predictionInputs', 'predictions', 'finished', 'failed', 'cancelled']);

/** The events the dashboard draws; checkpoints and logs stay in the run folder. */
export function isDashboardEvent(event: TrainerEvent): event is DashboardEvent {
  return DRAWN.has(event.type);
}

export function listRunItems(runs: readonly ListedRun[]): DashboardRunItem[] {
  return runs.map((run) => {
    const item = { runDir: run.runDir, id: run.id, experiment: run.experiment, method: run.record?.method ?? '?', createdAt: run.record?.createdAt ?? '' };
    if (run.kind === 'run') return { ...item, status: run.record.status };
    return { ...item, status: 'damaged', damage: `${basename(run.damage.path)}: ${run.damage.reason}` };
  });
}

/**
 * A run as the dashboard first draws it. Only the latest `predictions` of each phase is kept:
 * the view shows the latest anyway (and in runs written before `predictionInputs`, each one
 * repeats the sample images).
 */
export function readRunHistory(runDir: string): DashboardRunHistory {
  const folder = new RunFolder(runDir);
  const drawn = folder
    .readEvents()
    .filter(isDashboardEvent)
    .map(({ time: _time, ...event }) => event as DashboardEvent);
  const lastPredictions = new Map<string, number>();
  drawn.forEach((event, i) => {
    if (event.type === 'predictions') lastPredictions.set(event.phase, i);
  });
  const events = drawn.filter((event, i) => event.type !== 'predictions' || lastPredictions.get(event.phase) === i);
  const record = folder.inspectRecord();
  return { runDir, record: record.state === 'read' ? record.value : undefined, config: readConfig(folder), events };
}

/** Every readable run that has a summary, with its resolved config (seeds of one config are grouped by the view). */
export function readCompareRuns(runs: readonly ListedRun[]): DashboardCompareRun[] {
  return runs.flatMap((run) => {
    if (run.kind !== 'run' || !run.summary) return [];
    return [{ runDir: run.runDir, id: run.id, experiment: run.experiment, status: run.record.status, config: readConfig(run.folder), summary: run.summary }];
  });
}

/** config.json is the engine's own output; one edited by hand must not take the dashboard down. */
function readConfig(folder: RunFolder): unknown {
  const file = folder.path(RUN_FILES.config);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
