import * as tf from '@tensorflow/tfjs-core';
import { TrainConfig } from '../src/shared/protocol';
import type { Distiller, StepContext, TrainBatch } from '../src/core/distill/distiller';
import { KnowledgeDistiller } from '../src/core/distill/kd';
import { ScratchTrainer } from '../src/core/distill/scratch';
import { buildModel } from '../src/core/models/zoo';
import type { ZooModel } from '../src/core/models/zoo-model';
import { createOptimizer, type TrainOptimizer } from '../src/core/train/optimizer';
import { DataParallel } from '../src/core/train/parallel/data-parallel';
import { blocksOf, type PackedOutputs } from '../src/core/train/parallel/packed';
import { planThreads } from '../src/core/train/parallel/plan';
import { aheadOutputs, TeachersAhead } from '../src/core/train/parallel/teachers-ahead';
import { trainStep } from '../src/core/train/step';
import { KD_ALPHA, KD_TEMPERATURE, threadsOf, type BenchCase, type BenchOptimizer, type CaseParams, type ParamCount, type Workload } from './cases';
import { syntheticPixels, syntheticTokens } from './synthetic';
import { measureThroughput, type BenchStep, type Throughput, type TimingOptions } from './timing';

export interface BenchData {
  /** Images [B, H, W, C]; text [B, L] token ids (as floats, as the text data sets give them). */
  x: tf.Tensor;
  y: tf.Tensor1D;
}

/** One fixed synthetic batch of a workload (synthetic.ts): pixels for images, padded token ids for text. */
export function syntheticBatch(workload: Workload, seed = 1234): BenchData {
  const { batchSize, inputShape } = workload;
  if (workload.vocabSize != null) {
    const { ids, labels } = syntheticTokens(workload, seed);
    return { x: tf.tensor2d(ids, [batchSize, inputShape[0]]), y: tf.tensor1d(labels) };
  }
  const { pixels, labels } = syntheticPixels(workload, seed);
  return { x: tf.tensor(pixels, [batchSize, ...inputShape]), y: tf.tensor1d(labels) };
}

/** The synthetic batch of each workload, made once and shared by the cases that use it. */
export class BenchDataCache {
  private readonly batches = new Map<string, BenchData>();
  get(workload: Workload): BenchData {
    const key = `${workload.inputShape.join('x')}/${workload.numClasses}/${workload.batchSize}/${workload.vocabSize ?? ''}`;
    let data = this.batches.get(key);
    if (!data) this.batches.set(key, (data = syntheticBatch(workload)));
    return data;
  }
  dispose(): void {
    for (const { x, y } of this.batches.values()) tf.dispose([x, y]);
    this.batches.clear();
  }
}

export interface PreparedStep {
  /** Returns when the step is done (a one-thread step), or a promise of it (data parallel). */
  step: BenchStep;
  dispose: () => void | Promise<void>;
  params: CaseParams;
  /** How the case's threads were used: 'one thread', 'N replicas (data parallel)', or '1 replica + teachers ahead'. */
  plan: string;
}

function trainConfigFor(optimizer: BenchOptimizer, batchSize: number): TrainConfig {
  return TrainConfig.parse(
    optimizer.kind === 'adam'
      ? { batchSize, optimizer: { kind: 'adam' }, learningRate: optimizer.learningRate }
      : { batchSize, optimizer: { kind: 'sgd', momentum: optimizer.momentum }, learningRate: optimizer.learningRate, weightDecay: optimizer.weightDecay },
  );
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Trainable weights and the rest (batch-norm moving statistics), as PyTorch counts parameters and buffers. */
export function paramCount(model: ZooModel): ParamCount {
  const trainable = model.net.trainableWeights.reduce((sum, w) => sum + size(w.shape as number[]), 0);
  return { trainable, nonTrainable: model.paramCount() - trainable };
}

/** A case's models, distiller and optimiser, built as the engine builds them, with its fixed batch. */
interface CaseParts {
  distiller: Distiller;
  optimizer: TrainOptimizer;
  config: TrainConfig;
  batch: TrainBatch;
  context: StepContext;
  params: CaseParams;
  dispose: () => void;
}

function buildCase(benchCase: BenchCase, data: BenchData): CaseParts {
  const { inputShape, numClasses, batchSize, vocabSize } = benchCase.workload;
  if (data.x.shape[0] !== batchSize || data.x.shape.slice(1).join() !== inputShape.join()) {
    throw new Error(`bench case ${benchCase.id}: batch of shape [${data.x.shape}] does not fit its workload [${batchSize},${inputShape}]`);
  }
  const models: ZooModel[] = [];
  const build = (spec: BenchCase['model'], role: string, seed: number) => {
    const model = buildModel(spec, { inputShape, numClasses, role, seed, vocabSize });
    models.push(model);
    return model;
  };
  const model = build(benchCase.model, benchCase.role, 1);
  if (benchCase.kind === 'kd' && !benchCase.teacher) throw new Error(`bench case ${benchCase.id}: KD needs a teacher`);
  const teacher = benchCase.kind === 'kd' && benchCase.teacher ? build(benchCase.teacher, 'teacher', 2) : undefined;
  // Counted as built, before a method could freeze anything.
  const params: CaseParams = { model: paramCount(model), teacher: teacher ? paramCount(teacher) : null };
  let distiller: Distiller;
  if (teacher) {
    distiller = new KnowledgeDistiller(model, teacher, { temperature: KD_TEMPERATURE, alpha: KD_ALPHA, cacheTeacherLogits: false });
  } else {
    distiller = new ScratchTrainer(model, 'scratch');
  }
  const config = trainConfigFor(benchCase.optimizer, batchSize);
  const optimizer = createOptimizer(config);
  const batch: TrainBatch = { x: data.x, y: data.y, indices: Int32Array.from({ length: batchSize }, (_, i) => i) };
  const context: StepContext = { epoch: 0, epochs: 1 };
  const dispose = () => {
    distiller.dispose();
    optimizer.dispose();
    for (const m of models) m.dispose();
  };
  return { distiller, optimizer, config, batch, context, params, dispose };
}

/** The engine's own training step (trainStep with the case's optimiser) for one case on one thread, on a fixed batch. */
export function prepareStep(benchCase: BenchCase, data: BenchData): PreparedStep {
  if (threadsOf(benchCase) !== 1) throw new Error(`bench case ${benchCase.id}: ${threadsOf(benchCase)} threads need prepareCaseStep`);
  const { distiller, optimizer, config, batch, context, params, dispose } = buildCase(benchCase, data);
  return { step: () => void trainStep(distiller, optimizer.optimizer, batch, data.y, context, config.weightDecay), dispose, params, plan: 'one thread' };
}

/**
 * The case's step on its threads: one thread as prepareStep; more as a run shares them out
 * (src/core/train/parallel): data-parallel replicas, and, for KD with augmentation where the plan
 * says so, the teacher on a thread of its own, each step sending it the next batch (here the same
 * fixed batch) before training on this one.
 */
export async function prepareCaseStep(benchCase: BenchCase, data: BenchData): Promise<PreparedStep> {
  const threads = threadsOf(benchCase);
  if (threads === 1) return prepareStep(benchCase, data);
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`bench case ${benchCase.id}: data-parallel threads run on the wasm and cpu backends, not ${backend}`);
  const parts = buildCase(benchCase, data);
  const aheadTeachers = benchCase.augment ? parts.distiller.aheadTeachers?.() : undefined;
  const plan = planThreads(threads, parts.distiller.student, aheadTeachers?.teachers ?? []);
  let parallel: DataParallel | undefined;
  let ahead: TeachersAhead | undefined;
  const dispose = async () => {
    await Promise.all([parallel?.dispose(), ahead?.dispose()]);
    parts.dispose();
  };
  try {
    if (aheadTeachers && plan.teachersAhead) ahead = await TeachersAhead.start(aheadTeachers, backend);
    if (plan.replicas >= 2) parallel = await DataParallel.start(parts.distiller, parts.optimizer, { ...parts.config, threads: plan.replicas }, { threads: plan.replicas, backend });
  } catch (error) {
    await dispose();
    throw error;
  }
  let next: Promise<PackedOutputs> | undefined = ahead?.compute(parts.batch.x);
  const step = async () => {
    const current = next;
    next = ahead?.compute(parts.batch.x);
    const teacherOutputs = current && (await aheadOutputs(current));
    const batch = { ...parts.batch, teacherOutputs };
    try {
      if (parallel) await parallel.step(batch, data.y, parts.context);
      else trainStep(parts.distiller, parts.optimizer.optimizer, batch, data.y, parts.context, parts.config.weightDecay);
    } finally {
      tf.dispose(teacherOutputs?.flatMap(blocksOf) ?? []);
    }
  };
  const replicas = `${plan.replicas} replica${plan.replicas > 1 ? 's' : ''}`;
  return { step, dispose, params: parts.params, plan: plan.teachersAhead ? `${replicas} + teachers ahead` : `${replicas} (data parallel)` };
}

export interface TfjsCaseResult extends Throughput {
  id: string;
  /** How the threads were used (PreparedStep.plan). */
  plan: string;
  /** The engine's parameter counts of the case's models. */
  params: CaseParams;
  /** Tensors left behind by the case (should be 0). */
  leakedTensors: number;
}

/** A case the engine could not build or step; `params` when the models were built. */
export interface TfjsCaseError {
  id: string;
  params: CaseParams | null;
  error: string;
}

export function isTfjsCaseError(r: TfjsCaseResult | TfjsCaseError): r is TfjsCaseError {
  return 'error' in r && typeof r.error === 'string';
}

/** Times one case. An error (building the models, a step) is returned, not thrown, so the other cases still run. */
export async function benchTfjsCase(benchCase: BenchCase, timing: Omit<TimingOptions, 'batchSize'>, data: BenchData): Promise<TfjsCaseResult | TfjsCaseError> {
  const before = tf.memory().numTensors;
  let prepared: PreparedStep;
  try {
    prepared = await prepareCaseStep(benchCase, data);
  } catch (error) {
    return { id: benchCase.id, params: null, error: error instanceof Error ? error.message : String(error) };
  }
  let result: Throughput;
  try {
    result = await measureThroughput(prepared.step, { ...timing, batchSize: benchCase.workload.batchSize });
  } catch (error) {
    return { id: benchCase.id, params: prepared.params, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await prepared.dispose();
  }
  return { id: benchCase.id, ...result, params: prepared.params, plan: prepared.plan, leakedTensors: tf.memory().numTensors - before };
}
