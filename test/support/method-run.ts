import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { batches } from '../../src/core/data/batches';
import { loadBuiltin } from '../../src/core/data/builtin';
import { runExperiment } from '../../src/core/run/experiment';
import { RunFolder } from '../../src/shared/run-folder';
import { ConfigError, parseExperimentConfig, type ExperimentConfigInput, type RunSummary, type TrainerEvent } from '../../src/shared/protocol';
import { configProblems } from './config-problems';
import { tinyConfig } from './tiny-config';

export { configProblems };

export type EpochEvent = Extract<TrainerEvent, { type: 'epoch' }>;

export interface MethodRun {
  events: TrainerEvent[];
  epochs: EpochEvent[];
  phases: string[];
  summary: RunSummary;
  folder: RunFolder;
}

/** A scratch folder per test file, removed afterwards. */
export function scratchDir(prefix: string): { path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `distill-${prefix}-`));
  return { path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** tinyConfig with fewer samples and a few student epochs: enough for a loss to fall, quick on WASM. */
export function methodConfig(overrides: Partial<ExperimentConfigInput>): ExperimentConfigInput {
  return tinyConfig({
    data: { dataset: { kind: 'builtin' }, limitTrain: 256, limitValidation: 100 },
    train: { epochs: 3, batchSize: 32, learningRate: 3e-3 },
    baseline: false,
    ...overrides,
  });
}

export async function runMethod(config: ExperimentConfigInput, runDir: string): Promise<MethodRun> {
  const events: TrainerEvent[] = [];
  const outcome = await runExperiment(config, { runDir, onEvent: (e) => events.push(e) });
  const started = events.find((e) => e.type === 'started') as Extract<TrainerEvent, { type: 'started' }>;
  return {
    events,
    epochs: events.filter((e): e is EpochEvent => e.type === 'epoch'),
    phases: started.phases,
    summary: outcome.summary,
    folder: new RunFolder(runDir),
  };
}

export function epochsOf(run: MethodRun, phase: string): EpochEvent[] {
  const epochs = run.epochs.filter((e) => e.phase === phase);
  assert.ok(epochs.length > 0, `no epoch events for phase "${phase}" (phases: ${[...new Set(run.epochs.map((e) => e.phase))].join(', ')})`);
  return epochs;
}

/** The phase reports exactly these terms (and total), every one finite, their sum the total, and the total falls. */
export function assertTrains(run: MethodRun, phase: string, terms: string[]): void {
  const epochs = epochsOf(run, phase);
  for (const e of epochs) {
    assert.deepEqual(Object.keys(e.losses).sort(), [...terms, 'total'].sort(), `loss terms of ${phase} epoch ${e.epoch}`);
    for (const [k, v] of Object.entries(e.losses)) assert.ok(Number.isFinite(v), `${phase} epoch ${e.epoch}: ${k} = ${v}`);
    const sum = terms.reduce((s, t) => s + e.losses[t], 0);
    assert.ok(Math.abs(sum - e.losses.total) <= 1e-4 * Math.max(1, Math.abs(sum)), `${phase} epoch ${e.epoch}: terms sum to ${sum}, total ${e.losses.total}`);
  }
  const totals = epochs.map((e) => e.losses.total);
  assert.ok(totals.at(-1)! < totals[0], `${phase}: total should fall, got ${totals.map((t) => t.toFixed(4)).join(' → ')}`);
}

/** The method config after defaults, given only its name and these fields. */
export function methodDefaults(method: Record<string, unknown>): unknown {
  return parseExperimentConfig({ method }).method;
}

export function assertProblem(input: unknown, pattern: RegExp): void {
  const problems = configProblems(input);
  assert.ok(
    problems.some((p) => pattern.test(p)),
    `no problem matched ${pattern}:\n${problems.join('\n')}`,
  );
}

/** A run whose method cannot work fails with a ConfigError naming the field, before any epoch. */
export async function assertRejectedBeforeTraining(config: ExperimentConfigInput, runDir: string, pattern: RegExp): Promise<void> {
  const events: TrainerEvent[] = [];
  await assert.rejects(runExperiment(config, { runDir, onEvent: (e) => events.push(e) }), (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
  assert.equal(events.filter((e) => e.type === 'epoch').length, 0, 'no epoch may run');
  const failed = events.find((e) => e.type === 'failed') as Extract<TrainerEvent, { type: 'failed' }> | undefined;
  assert.ok(failed && pattern.test(failed.message), 'the failed event carries the message');
}

/** The first `size` built-in training samples as one batch, for step-level checks. */
export function builtinBatch(size: number): { x: tf.Tensor; y: tf.Tensor1D; indices: Int32Array; inputShape: number[]; dispose: () => void } {
  const data = loadBuiltin();
  const batch = batches(data.train, data.inputShape, size).next().value!;
  return { x: batch.x, y: batch.y, indices: batch.indices, inputShape: data.inputShape, dispose: () => tf.dispose([batch.x, batch.y]) };
}

/** Copies of the variables' values, to compare before and after steps. */
export function snapshot(variables: tf.Variable[]): Float32Array[] {
  return variables.map((v) => v.dataSync().slice() as Float32Array);
}

export function changed(before: Float32Array[], variables: tf.Variable[]): boolean[] {
  return variables.map((v, i) => v.dataSync().some((x, j) => x !== before[i][j]));
}
