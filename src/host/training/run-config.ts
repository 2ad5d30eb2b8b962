// Where the settings meet a run's config, for every run the extension starts: merged here, then
// parsed once. distill.backend applies to a config that leaves the backend open — no `backend`,
// or `auto` (the dashboard form's default); a config naming tfjs-node, wasm or cpu keeps it.
// distill.threadsPerRun (as `threads`, see runThreads) applies to a config without train.threads.
import { availableParallelism } from 'node:os';
import { MAX_THREADS, parseExperimentConfig, type ExperimentConfig } from '../../shared/protocol';
import type { Settings } from '../settings';

export function resolveRunConfig(input: unknown, settings: Pick<Settings, 'backend'> & { threads?: number }): ExperimentConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return parseExperimentConfig(input);
  const { backend, train } = input as { backend?: unknown; train?: unknown };
  const merged: Record<string, unknown> = backend === undefined || backend === 'auto' ? { ...input, backend: settings.backend } : { ...input };
  const trainObject = train !== null && typeof train === 'object' && !Array.isArray(train) ? (train as Record<string, unknown>) : undefined;
  if (settings.threads !== undefined && (train === undefined || (trainObject && trainObject.threads === undefined))) merged.train = { ...trainObject, threads: settings.threads };
  return parseExperimentConfig(merged);
}

/**
 * Threads for one run: distill.threadsPerRun when set; by default (0) the cores shared out over
 * the runs that may train at once (distill.maxParallelRuns), so one run alone takes every core.
 * Resolved when the run is queued and written into its config, so a rerun uses the same count
 * (the result depends on it, not on how busy the machine is).
 */
export function runThreads(settings: Pick<Settings, 'threadsPerRun' | 'maxParallelRuns'>, cores: number = availableParallelism()): number {
  const threads = settings.threadsPerRun > 0 ? settings.threadsPerRun : Math.floor(cores / Math.max(1, settings.maxParallelRuns));
  return Math.min(MAX_THREADS, Math.max(1, threads));
}
