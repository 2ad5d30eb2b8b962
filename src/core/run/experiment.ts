import * as tf from '@tensorflow/tfjs-core';
import { isAbsolute, resolve } from 'node:path';
import {
  parseExperimentConfig,
  teacherTrainConfig,
  type ExperimentConfig,
  type ModelSummary,
  type RunSummary,
  type TrainConfig,
  type TrainerEvent,
} from '../../protocol';
import { initBackend } from '../backend/select';
import type { Split } from '../data/types';
import { createDistiller } from '../distill/registry';
import { loadModel, saveModel } from '../models/checkpoint';
import { buildModel, describeModel } from '../models/zoo';
import type { ZooModel } from '../models/zoo-model';
import { evaluateLogits, predictLogits } from '../train/evaluate';
import { measureLatencyMs } from '../train/latency';
import { RunCancelled, trainPhase, type PhaseReference } from '../train/loop';
import { versions } from '../versions';
import { prepareData, type PreparedData } from './prepare-data';
import { RunFolder } from './run-folder';

export interface RunOptions {
  runDir: string;
  /** Relative dataset and checkpoint paths resolve against this folder. */
  baseDir?: string;
  /** Every event, as it happens (the trainer forwards them to the host; the CLI draws progress). */
  onEvent?: (event: TrainerEvent) => void;
  isCancelled?: () => boolean;
}

export type RunOutcome = { status: 'completed'; summary: RunSummary } | { status: 'cancelled'; summary: RunSummary };

/** Roles of the models a method trains, in order. */
export function phasesOf(config: ExperimentConfig): string[] {
  const method = config.method.name;
  if (method === 'teacher') return ['teacher'];
  if (method === 'scratch') return ['student'];
  const teacher = config.teacher.checkpoint ? [] : ['teacher'];
  return [...teacher, ...(config.baseline ? ['student-scratch'] : []), 'student'];
}

/**
 * Runs one experiment end to end — teacher, then the from-scratch baseline, then the student
 * with the chosen method — writing the run folder as it goes, so that whatever happens to the
 * caller, the folder says what happened.
 */
export async function runExperiment(input: unknown, options: RunOptions): Promise<RunOutcome> {
  const folder = new RunFolder(options.runDir);
  folder.ensure();
  let config: ExperimentConfig;
  try {
    config = parseExperimentConfig(input);
  } catch (error) {
    const err = error as Error;
    folder.updateRecord({ status: 'failed', endedAt: new Date().toISOString(), error: { message: err.message } });
    const event: TrainerEvent = { type: 'failed', message: err.message };
    folder.appendEvent(event);
    options.onEvent?.(event);
    throw error;
  }
  folder.writeConfig(config);
  const startedAt = new Date();
  folder.updateRecord({ status: 'running', method: config.method.name, startedAt: startedAt.toISOString(), pid: process.pid, versions: versions() });

  const emit = (event: TrainerEvent) => {
    if (event.type !== 'progress') folder.appendEvent(event);
    options.onEvent?.(event);
  };
  const summary: RunSummary = { experiment: config.name, method: config.method.name, dataset: '', backend: '', seed: config.seed, wallTimeSec: 0, models: [] };
  const models: ZooModel[] = [];
  try {
    const { backend } = await initBackend(config.backend, (message) => emit({ type: 'log', level: 'info', message }));
    tf.env().set('PROD', true);
    summary.backend = backend;
    folder.updateRecord({ backend });
    emit({ type: 'started', runId: folder.id, backend, config, phases: phasesOf(config) });

    const baseDir = options.baseDir ?? process.cwd();
    const transferSpec = config.method.name === 'unlabeled' ? config.method.transfer : undefined;
    const data = await prepareData(config.data, config.seed, config.predictionSamples, baseDir, transferSpec);
    summary.dataset = data.name;
    const numClasses = data.classNames.length;
    const hooks = (role: string) => ({
      emit,
      isCancelled: () => options.isCancelled?.() ?? false,
      saveCheckpoint: async (model: ZooModel, kind: 'best' | 'last') => {
        const dir = folder.checkpointDir(role, kind);
        await saveModel(model, dir);
        return dir;
      },
    });
    const recordModel = (model: ZooModel, result: { best: { top1: number; epoch: number; top5?: number }; last: { top1: number; top5?: number; agreement?: number }; wallTimeSec: number }, teacherParams?: number) => {
      const params = model.paramCount();
      const entry: ModelSummary = {
        role: model.info.role,
        arch: describeModel(model.info.spec),
        params,
        bytes: model.sizeBytes(),
        bestValAccuracy: result.best.top1,
        bestEpoch: result.best.epoch,
        lastValAccuracy: result.last.top1,
        ...(result.last.top5 !== undefined ? { lastValTop5: result.last.top5 } : {}),
        latencyMs: measureLatencyMs(model),
        wallTimeSec: result.wallTimeSec,
        ...(teacherParams ? { compression: teacherParams / params } : {}),
        ...(result.last.agreement !== undefined ? { agreement: result.last.agreement } : {}),
      };
      summary.models.push(entry);
      folder.writeSummary({ ...summary, wallTimeSec: (Date.now() - startedAt.getTime()) / 1000 });
    };

    const trainOne = async (role: string, model: ZooModel, train: TrainConfig, trainSplit: Split, method: ExperimentConfig['method'], teacher?: ZooModel, reference?: PhaseReference) => {
      const distiller = createDistiller(method, { student: model, teacher });
      try {
        return await trainPhase(role, distiller, train, { ...data, train: trainSplit }, config.seed, hooks(role), reference);
      } finally {
        distiller.dispose();
      }
    };

    const phases = phasesOf(config);
    const modelOptions = { inputShape: data.inputShape, numClasses };
    let teacher: ZooModel | undefined;
    let reference: PhaseReference | undefined;

    if (config.method.name !== 'scratch') {
      if (config.teacher.checkpoint) {
        teacher = await loadTeacher(config.teacher.checkpoint, baseDir, data);
        models.push(teacher);
        const valLogits = predictLogits(teacher, data.validation, data.inputShape);
        const evaluation = evaluateLogits(valLogits, data.validation.y, numClasses);
        recordModel(teacher, { best: { ...evaluation, epoch: 0 }, last: evaluation, wallTimeSec: 0 });
        reference = { role: 'teacher', valLogits, valAccuracy: evaluation.top1 };
      } else {
        teacher = buildModel(config.teacher.model, { ...modelOptions, role: 'teacher', seed: config.seed });
        models.push(teacher);
        const result = await trainOne('teacher', teacher, teacherTrainConfig(config), data.train, { name: 'teacher' });
        recordModel(teacher, result);
        reference = { role: 'teacher', valLogits: result.valLogits, valAccuracy: result.last.top1 };
      }
    }

    // Both students start from the same weights (same seed), so the baseline is a fair comparison.
    const studentSeed = config.seed + 1;
    if (phases.includes('student-scratch')) {
      const scratch = buildModel(config.student.model, { ...modelOptions, role: 'student-scratch', seed: studentSeed });
      models.push(scratch);
      const result = await trainOne('student-scratch', scratch, config.train, data.train, { name: 'scratch' }, undefined, reference);
      recordModel(scratch, result, teacher?.paramCount());
    }
    if (phases.includes('student')) {
      const student = buildModel(config.student.model, { ...modelOptions, role: 'student', seed: studentSeed });
      models.push(student);
      const trainSplit = data.transfer ?? data.train;
      const result = await trainOne('student', student, config.train, trainSplit, config.method, teacher, reference);
      recordModel(student, result, teacher?.paramCount());
    }

    summary.wallTimeSec = (Date.now() - startedAt.getTime()) / 1000;
    folder.writeSummary(summary);
    folder.updateRecord({ status: 'completed', endedAt: new Date().toISOString() });
    emit({ type: 'finished', summary });
    return { status: 'completed', summary };
  } catch (error) {
    summary.wallTimeSec = (Date.now() - startedAt.getTime()) / 1000;
    if (error instanceof RunCancelled) {
      folder.updateRecord({ status: 'cancelled', endedAt: new Date().toISOString() });
      emit({ type: 'cancelled' });
      return { status: 'cancelled', summary };
    }
    const err = error as Error;
    folder.updateRecord({ status: 'failed', endedAt: new Date().toISOString(), error: { message: err.message, stack: err.stack } });
    emit({ type: 'failed', message: err.message, stack: err.stack });
    throw error;
  } finally {
    for (const model of models) model.dispose();
  }
}

async function loadTeacher(checkpoint: string, baseDir: string, data: PreparedData): Promise<ZooModel> {
  const dir = isAbsolute(checkpoint) ? checkpoint : resolve(baseDir, checkpoint);
  const teacher = await loadModel(dir);
  const expected = `[${data.inputShape}] → ${data.classNames.length} classes`;
  const found = `[${teacher.info.inputShape}] → ${teacher.info.numClasses} classes`;
  if (expected !== found) throw new Error(`teacher.checkpoint ${dir}: expected a model for ${expected}, found ${found}`);
  return teacher;
}
