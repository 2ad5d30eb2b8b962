// One run as the dashboard holds it. History from metrics.jsonl and live events go through
// applyEvent alike, and applying an event twice changes nothing, so a run watched from its start
// and a run opened later hold the same data.
import type { DashboardEvent, DashboardRunHistory, EpochMetrics, PredictionInput, RunRecord, RunStatus, RunSummary, StepPoint } from '../src/shared/protocol';

export type PredictionsEvent = Extract<DashboardEvent, { type: 'predictions' }>;
export type ProgressEvent = Extract<DashboardEvent, { type: 'progress' }>;

/** A point within an epoch, with where it is: x = epoch − 1 + step / steps. */
export interface PhaseStepPoint extends StepPoint {
  phase: string;
  epoch: number;
  steps: number;
}

export interface RunState {
  runDir: string;
  record?: RunRecord;
  config?: unknown;
  status: RunStatus | 'unknown';
  /** Phases (model roles) in training order: from `started`, then in order of appearance. */
  phases: string[];
  /** Epoch metrics keyed `phase#epoch`. */
  epochs: Map<string, EpochMetrics>;
  /** Points within epochs keyed `phase#epoch#step`. */
  steps: Map<string, PhaseStepPoint>;
  /** The prediction samples' inputs by validation index (sent once per run). */
  inputs: Map<number, PredictionInput>;
  /** The latest predictions of each phase. */
  predictions: Map<string, PredictionsEvent>;
  progress?: ProgressEvent;
  summary?: RunSummary;
  error?: string;
}

export function runFromHistory(history: DashboardRunHistory): RunState {
  const run: RunState = {
    runDir: history.runDir,
    record: history.record,
    config: history.config,
    status: history.record?.status ?? 'unknown',
    phases: [],
    epochs: new Map(),
    steps: new Map(),
    inputs: new Map(),
    predictions: new Map(),
    error: history.record?.error?.message,
  };
  for (const event of history.events) applyEvent(run, event);
  // run.json has the last word on a finished run (a crash leaves no terminal event).
  if (history.record) run.status = history.record.status;
  return run;
}

function notePhase(run: RunState, phase: string): void {
  if (!run.phases.includes(phase)) run.phases.push(phase);
}

export function applyEvent(run: RunState, event: DashboardEvent): void {
  switch (event.type) {
    case 'started':
      run.status = 'running';
      run.config = event.config;
      for (const phase of event.phases) notePhase(run, phase);
      return;
    case 'progress':
      notePhase(run, event.phase);
      run.progress = event;
      return;
    case 'epoch': {
      const { type: _type, ...metrics } = event;
      notePhase(run, metrics.phase);
      run.epochs.set(`${metrics.phase}#${metrics.epoch}`, metrics);
      return;
    }
    case 'steps': {
      notePhase(run, event.phase);
      const { phase, epoch, steps } = event;
      for (const point of event.points) run.steps.set(`${phase}#${epoch}#${point.step}`, { ...point, phase, epoch, steps });
      return;
    }
    case 'predictionInputs':
      for (const input of event.samples) run.inputs.set(input.index, input);
      return;
    case 'predictions': {
      notePhase(run, event.phase);
      const previous = run.predictions.get(event.phase);
      if (!previous || previous.epoch <= event.epoch) run.predictions.set(event.phase, event);
      return;
    }
    case 'finished':
      run.status = 'completed';
      run.summary = event.summary;
      run.progress = undefined;
      return;
    case 'failed':
      run.status = 'failed';
      run.error = event.message;
      run.progress = undefined;
      return;
    case 'cancelled':
      run.status = 'cancelled';
      run.progress = undefined;
      return;
  }
}

/** Each phase's epochs in order, phases in training order. */
export function epochsByPhase(run: RunState): Map<string, EpochMetrics[]> {
  const byPhase = new Map<string, EpochMetrics[]>(run.phases.map((phase) => [phase, []]));
  for (const metrics of run.epochs.values()) {
    if (!byPhase.has(metrics.phase)) byPhase.set(metrics.phase, []);
    byPhase.get(metrics.phase)!.push(metrics);
  }
  for (const list of byPhase.values()) list.sort((a, b) => a.epoch - b.epoch);
  return byPhase;
}

/** Each phase's points within epochs in order (phases with none are absent). */
export function stepsByPhase(run: RunState): Map<string, PhaseStepPoint[]> {
  const byPhase = new Map<string, PhaseStepPoint[]>();
  for (const point of run.steps.values()) {
    if (!byPhase.has(point.phase)) byPhase.set(point.phase, []);
    byPhase.get(point.phase)!.push(point);
  }
  for (const list of byPhase.values()) list.sort((a, b) => a.epoch - b.epoch || a.step - b.step);
  return byPhase;
}
