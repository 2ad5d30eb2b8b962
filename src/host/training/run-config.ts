// Where the settings meet a run's config, for every run the extension starts: merged here, then
// parsed once. distill.backend applies to a config that leaves the backend open — no `backend`,
// or `auto` (the dashboard form's default); a config naming tfjs-node, wasm or cpu keeps it.
// distill.threadsPerRun (as `threads`, see runThreads) applies to a config without train.threads.
// A study's base config takes the same merge (src/host/study/study-input.ts).
import { availableParallelism } from 'node:os';
import { MAX_THREADS, parseExperimentConfig, type ExperimentConfig } from '../../shared/protocol';
import type { Settings } from '../settings';

/** The most trainer processes distill.maxParallelRuns may ask for (its schema's maximum). */
export const MAX_PARALLEL_RUNS = 64;

type RunSettings = Pick<Settings, 'backend'> & { threads?: number };

/** The config with the settings merged in where it leaves them open; the input is left alone. */
export function withRunSettings(input: Readonly<Record<string, unknown>>, settings: RunSettings): Record<string, unknown> {
  const { backend, train } = input as { backend?: unknown; train?: unknown };
  const merged: Record<string, unknown> = backend === undefined || backend === 'auto' ? { ...input, backend: settings.backend } : { ...input };
  const trainObject = train !== null && typeof train === 'object' && !Array.isArray(train) ? (train as Record<string, unknown>) : undefined;
  if (settings.threads !== undefined && (train === undefined || (trainObject && trainObject.threads === undefined))) merged.train = { ...trainObject, threads: settings.threads };
  return merged;
}

export function resolveRunConfig(input: unknown, settings: RunSettings): ExperimentConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return parseExperimentConfig(input);
  return parseExperimentConfig(withRunSettings(input as Record<string, unknown>, settings));
}

/**
 * distill.maxParallelRuns as a count of trainer processes: a whole number from 1 as given; 0 (the
 * default), or anything below 1, is the machine's cores — one trainer per core.
 */
export function parallelRuns(setting: number, cores: number = availableParallelism()): number {
  const count = Number.isFinite(setting) && Math.floor(setting) >= 1 ? Math.floor(setting) : cores;
  return Math.min(MAX_PARALLEL_RUNS, Math.max(1, count));
}

/**
 * Threads for one run: distill.threadsPerRun when set; by default (0) the cores shared out over
 * the runs that will train at once — `together` of them (this one included), never more than
 * distill.maxParallelRuns — so one run alone takes every core, and a pool of runs one core each.
 * Resolved when the run is queued and written into its config, so a rerun uses the same count
 * (the result depends on it, not on how busy the machine is).
 */
export function runThreads(settings: Pick<Settings, 'threadsPerRun' | 'maxParallelRuns'>, cores: number = availableParallelism(), together: number = settings.maxParallelRuns): number {
  const sharing = Math.max(1, Math.min(settings.maxParallelRuns, together));
  const threads = settings.threadsPerRun > 0 ? settings.threadsPerRun : Math.floor(cores / sharing);
  return Math.min(MAX_THREADS, Math.max(1, threads));
}
