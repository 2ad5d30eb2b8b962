import * as tf from '@tensorflow/tfjs-core';
import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError, parseExperimentConfig, runStartModelProblems, teacherTrainConfig, type ExperimentConfig, type RunSummary, type TrainerEvent } from '../../shared/protocol';
import { initBackend } from '../backend/select';
import type { Distiller } from '../distill/distiller';
import { createDistiller } from '../distill/registry';
import { loadModel, saveModel } from '../models/checkpoint';
import { buildModel } from '../models/zoo';
import type { ZooModel } from '../models/zoo-model';
import { predictionInputs, RunCancelled, trainModels, type PhaseHooks } from '../train/loop';
import { versions } from '../versions';
import { phasesOf, planFor } from './plans';
import type { PlanContext } from './plans/plan';
import { modelRow } from './plans/rows';
import { assertFits } from './memory-check';
import { storeKnowledge } from './knowledge-store';
import { prepareData, type PreparedData } from './prepare-data';
import { markCancelled, markCompleted, markFailed, markQueued, markRunning, recordBackend, RunFolder } from '../../shared/run-folder';

export { phasesOf };

export interface RunOptions {
  runDir: string;
  /** Relative dataset and checkpoint paths resolve against this folder. */
  baseDir?: string;
  /** Every event, as it happens (the trainer forwards them to the host; the CLI draws progress). */
  onEvent?: (event: TrainerEvent) => void;
  isCancelled?: () => boolean;
}

export type RunOutcome = { status: 'completed'; summary: RunSummary } | { status: 'cancelled'; summary: RunSummary };

/**
 * Runs one experiment end to end — by default teacher, then the from-scratch baseline, then the
 * student with the chosen method; methods that train more models follow their own plan
 * (`plans/`) — writing the run folder as it goes, so that whatever happens to the caller, the
 * folder says what happened.
 */
export async function runExperiment(input: unknown, options: RunOptions): Promise<RunOutcome> {
  const folder = new RunFolder(options.runDir);
  folder.ensure();
  let config: ExperimentConfig;
  try {
    config = parseExperimentConfig(input);
    const problems = runStartModelProblems(config);
    if (problems.length > 0) throw new ConfigError(problems);
  } catch (error) {
    const err = error as Error;
    const unwritten = attempt(() => markFailed(folder, { message: err.message }));
    const event: TrainerEvent = { type: 'failed', message: `${err.message}${unrecorded(unwritten)}` };
    attempt(() => folder.appendEvent(event));
    options.onEvent?.(event);
    throw error;
  }
  folder.writeConfig(config);
  const startedAt = new Date();
  // The extension's runner queued it already; the CLI and tests hand over a fresh folder.
  if (!folder.hasRecord()) markQueued(folder, { method: config.method.name });
  markRunning(folder, { versions: versions() });

  const emit = (event: TrainerEvent) => {
    if (event.type !== 'progress') folder.appendEvent(event);
    options.onEvent?.(event);
  };
  const summary: RunSummary = { experiment: config.name, method: config.method.name, dataset: '', backend: '', seed: config.seed, wallTimeSec: 0, models: [] };
  const models: ZooModel[] = [];
  const distillers: Distiller[] = [];
  const own = (model: ZooModel) => (models.push(model), model);
  const ensembleLogits = new Map<string, Float32Array>();
  try {
    const { backend, label } = await initBackend(config.backend, (message) => emit({ type: 'log', level: 'info', message }));
    tf.env().set('PROD', true);
    summary.backend = label;
    recordBackend(folder, label);
    emit({ type: 'started', runId: folder.id, backend: label, config, phases: phasesOf(config) });

    const baseDir = options.baseDir ?? process.cwd();
    const transferSpec = config.method.name === 'unlabeled' ? config.method.transfer : undefined;
    const data = await prepareData(config.data, config.predictionSamples, baseDir, transferSpec);
    for (const warning of data.warnings) emit({ type: 'log', level: 'warn', message: `data: ${warning}` });
    // Once per run: each epoch's predictions name these samples by index instead of repeating them.
    if (data.sampleIndices.length) emit({ type: 'predictionInputs', samples: predictionInputs(data) });
    summary.dataset = data.name;
    const hooks: PhaseHooks = {
      emit,
      isCancelled: () => options.isCancelled?.() ?? false,
      saveCheckpoint: async (model, kind, role) => {
        const dir = folder.checkpointDir(role, kind);
        try {
          await saveModel(model, dir);
        } catch (error) {
          removeOwnTempDirs(dir);
          throw new Error(`checkpoint ${dir} cannot be written: ${(error as Error).message}`, { cause: error });
        }
        return dir;
      },
    };
    const modelOptions = { inputShape: data.inputShape, numClasses: data.classNames.length, vocabSize: data.text?.vocabSize };
    const context: PlanContext = {
      config,
      data,
      emit,
      build: (spec, role, seed) => {
        assertFits(spec, role, modelOptions, Math.max(config.train.batchSize, teacherTrainConfig(config).batchSize), backend);
        return own(buildModel(spec, { ...modelOptions, role, seed }));
      },
      load: async (checkpoint, field) => own(await loadChecked(checkpoint, field, baseDir, data)),
      distiller: (method, parts) => {
        const distiller = createDistiller(method, { seed: config.seed, ...parts });
        distillers.push(distiller);
        return distiller;
      },
      train: async (phase, distiller, train, { reference, trainSplit, teacherParams } = {}) => {
        const results = await trainModels(phase, distiller, train, { ...data, train: trainSplit ?? data.train }, config.seed, hooks, reference);
        for (const member of distiller.together?.members ?? [{ role: phase, model: distiller.student }]) {
          context.record(modelRow(member.role, member.model, results.get(member.role)!, teacherParams));
        }
        return results;
      },
      record: (row) => {
        summary.models.push(row);
        folder.writeSummary({ ...summary, wallTimeSec: (Date.now() - startedAt.getTime()) / 1000 });
      },
      keepValidationLogits: (role, logits) => ensembleLogits.set(role, logits),
    };
    await planFor(config.method).run(context);
    // The views' files come after training: a failure here costs the views, never the run.
    try {
      summary.knowledge = await storeKnowledge(folder, data, summary.models, models, config.seed, ensembleLogits);
    } catch (error) {
      emit({ type: 'log', level: 'warn', message: `the knowledge views' files could not be stored: ${(error as Error).message}` });
    }

    summary.wallTimeSec = (Date.now() - startedAt.getTime()) / 1000;
    folder.writeSummary(summary);
    markCompleted(folder);
    emit({ type: 'finished', summary });
    return { status: 'completed', summary };
  } catch (error) {
    summary.wallTimeSec = (Date.now() - startedAt.getTime()) / 1000;
    if (error instanceof RunCancelled) {
      markCancelled(folder);
      emit({ type: 'cancelled' });
      return { status: 'cancelled', summary };
    }
    // The failure may be the run folder itself (it cannot be written): it is still told.
    const err = error as Error;
    const unwritten = attempt(() => markFailed(folder, { message: err.message, stack: err.stack }));
    const event: TrainerEvent = { type: 'failed', message: `${err.message}${unrecorded(unwritten)}`, stack: err.stack };
    attempt(() => folder.appendEvent(event));
    options.onEvent?.(event);
    throw error;
  } finally {
    for (const distiller of distillers) distiller.dispose();
    for (const model of models) model.dispose();
  }
}

/** Runs `write`; the error it threw, if any. */
function attempt(write: () => unknown): Error | undefined {
  try {
    write();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

const unrecorded = (error: Error | undefined) => (error ? ` (and the run's record could not say so: ${error.message})` : '');

/** A checkpoint save that failed half way leaves no `<dir>.tmp-<pid>-…` folder of this process behind. */
function removeOwnTempDirs(dir: string): void {
  const prefix = `${basename(dir)}.tmp-${process.pid}-`;
  try {
    for (const name of readdirSync(dirname(dir))) if (name.startsWith(prefix)) rmSync(join(dirname(dir), name), { recursive: true, force: true });
  } catch {
    // the folder cannot be read: nothing of ours can be found in it
  }
}

async function loadChecked(checkpoint: string, field: string, baseDir: string, data: PreparedData): Promise<ZooModel> {
  const dir = isAbsolute(checkpoint) ? checkpoint : resolve(baseDir, checkpoint);
  const teacher = await loadModel(dir);
  const expected = `[${data.inputShape}] → ${data.classNames.length} classes`;
  const found = `[${teacher.info.inputShape}] → ${teacher.info.numClasses} classes`;
  if (expected !== found) throw new Error(`${field} ${dir}: expected a model for ${expected}, found ${found}`);
  return teacher;
}
