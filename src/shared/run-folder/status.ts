// run.json is written here and nowhere else (test/unit/run-folder-writers.test.ts holds the rest
// of src/ to it). Which process makes which transition:
//
//   (none)   → queued       the extension host, when it accepts a run (Runner.start)
//   queued   → running      the process that trains it (runExperiment: the trainer, or the CLI,
//                           which queues a fresh folder itself first); it records its pid and host
//   running  → completed | failed | cancelled     that same process, as the run ends
//   (none)   → failed       that same process, when the config is rejected before anyone queued it
//   queued   → cancelled    the host, when Stop comes before the trainer was launched
//   queued   → failed       the host, when the trainer cannot be launched
//   queued | running → failed | cancelled         the host, when its trainer died without recording
//                                                  an ending (cancelled when Stop had been asked)
//   queued | running → interrupted                 whoever lists the runs (the tree's store), when
//                                                  the recorded owner process is gone
//
// completed, failed, cancelled and interrupted are final: resuming a run makes a new run.
import { writeJsonAtomic } from '../fs-atomic';
import type { RunRecord, RunStatus } from '../protocol';
import type { RunFolder } from './folder';
import { currentOwner } from './owner';

const NEXT: Record<RunStatus | 'none', readonly RunStatus[]> = {
  none: ['queued', 'failed'],
  queued: ['running', 'cancelled', 'failed', 'interrupted'],
  running: ['completed', 'failed', 'cancelled', 'interrupted'],
  completed: [],
  failed: [],
  cancelled: [],
  interrupted: [],
};

export function canBecome(from: RunStatus | undefined, to: RunStatus): boolean {
  return NEXT[from ?? 'none'].includes(to);
}

/** A status no transition leaves. */
export function isFinal(status: RunStatus): boolean {
  return NEXT[status].length === 0;
}

export class IllegalTransition extends Error {
  constructor(
    readonly path: string,
    readonly from: RunStatus | undefined,
    readonly to: RunStatus,
  ) {
    super(`${path}: ${from ? `a ${from} run` : 'a run with no record'} cannot become ${to}`);
    this.name = 'IllegalTransition';
  }
}

type RecordFields = Partial<Omit<RunRecord, 'id' | 'experiment' | 'status'>>;

function transition(folder: RunFolder, to: RunStatus, fields: RecordFields): RunRecord {
  const current = folder.readRecord();
  if (!canBecome(current?.status, to)) throw new IllegalTransition(folder.recordPath, current?.status, to);
  const base = current ?? { id: folder.id, experiment: folder.experiment, createdAt: now() };
  const next: RunRecord = { ...base, ...fields, status: to };
  writeJsonAtomic(folder.recordPath, next);
  return next;
}

const now = () => new Date().toISOString();

export function markQueued(folder: RunFolder, fields: { method: RunRecord['method'] }): RunRecord {
  return transition(folder, 'queued', { method: fields.method, createdAt: now(), ...currentOwner() });
}

/** This process takes the run over: its pid and host become the record's owner. */
export function markRunning(folder: RunFolder, fields: { versions?: Record<string, string> } = {}): RunRecord {
  return transition(folder, 'running', { startedAt: now(), ...currentOwner(), ...fields });
}

/** The backend a running run ended up on; no change of status. */
export function recordBackend(folder: RunFolder, backend: string): RunRecord {
  const current = folder.readRecord();
  if (current?.status !== 'running') throw new Error(`${folder.recordPath}: the backend is recorded while the run is running, not ${current?.status ?? 'before it has a record'}`);
  const next: RunRecord = { ...current, backend };
  writeJsonAtomic(folder.recordPath, next);
  return next;
}

export function markCompleted(folder: RunFolder): RunRecord {
  return transition(folder, 'completed', { endedAt: now() });
}

export function markFailed(folder: RunFolder, error: { message: string; stack?: string }): RunRecord {
  return transition(folder, 'failed', { endedAt: now(), error: { message: error.message, ...(error.stack ? { stack: error.stack } : {}) } });
}

export function markCancelled(folder: RunFolder): RunRecord {
  return transition(folder, 'cancelled', { endedAt: now() });
}

export function markInterrupted(folder: RunFolder, reason: string): RunRecord {
  return transition(folder, 'interrupted', { error: { message: reason } });
}
