import * as tf from '@tensorflow/tfjs-core';
import { PREDICTION_TEXT_CHARS, type EpochMetrics, type PredictionInput, type PredictionSample, type StepPoint, type TrainConfig, type TrainerEvent } from '../../shared/protocol';
import { augmentImages } from '../data/augment';
import { batches, type Batch } from '../data/batches';
import { deriveSeed } from '../data/rng';
import type { Split } from '../data/types';
import type { Distiller, TeacherOutput } from '../distill/distiller';
import type { ZooModel } from '../models/zoo-model';
import { evaluateLogits, predictLogits, type Evaluation } from './evaluate';
import { createOptimizer, type TrainOptimizer } from './optimizer';
import { disposeThreads, startThreads } from './parallel/start';
import { blocksOf, type PackedOutputs } from './parallel/packed';
import { aheadOutputs, withTeachersAhead } from './parallel/teachers-ahead';
import { learningRateAt } from './schedule';
import { trainStep, trainTogetherStep } from './step';
import { isReportStep, stepReportEvery, StepWindow } from './step-report';

export class RunCancelled extends Error {
  constructor() {
    super('run cancelled');
    this.name = 'RunCancelled';
  }
}

export interface PhaseData {
  inputShape: number[];
  classNames: string[];
  /** What the phase iterates (a transfer set for unlabeled transfer). */
  train: Split;
  /** Normalised validation inputs: every decision (the best checkpoint) is taken on them. */
  validation: Split;
  /** Normalised test inputs: evaluated once at the end, on the best-validation and the last weights. */
  test: Split;
  /** Validation inputs before normalisation, for drawing the prediction samples. */
  rawValidation: Split;
  /** Fixed validation indices shown in every `predictions` event. */
  sampleIndices: number[];
  /** A raw zero pixel after normalisation, per channel: what augmentation pads with. */
  padValue: number[];
}

export interface PhaseReference {
  role: string;
  /** The reference model's validation logits, [count × classes]. */
  valLogits: Float32Array;
  valAccuracy: number;
  /** Its test logits (at the weights it teaches with), for the students' test agreement. */
  testLogits: Float32Array;
}

export interface PhaseHooks {
  emit(event: TrainerEvent): void;
  isCancelled(): boolean;
  /** Saves the model trained under `role` (the phase's, or one member's). */
  saveCheckpoint(model: ZooModel, kind: 'best' | 'last', role: string): Promise<string>;
}

export interface PhaseResult {
  best: Evaluation & { epoch: number };
  last: Evaluation;
  /** On test: the best-validation weights (the headline figure) and the last epoch's. */
  test: { best: Evaluation; last: Evaluation };
  /** The last epoch's logits on validation and on test (what an ensemble of members averages). */
  valLogits: Float32Array;
  testLogits: Float32Array;
  wallTimeSec: number;
  /** Epochs trained: the phase's `train.epochs`. */
  epochs: number;
}

const PROGRESS_INTERVAL_MS = 100;
/** Points within epochs are sent at most this often (and at each epoch's end): fewer, fuller `steps` lines. */
const POINTS_INTERVAL_MS = 500;

/**
 * Divergence, besides a non-finite loss term: a model's total loss above DIVERGENCE_FACTOR times
 * its own start — the total of its phase's first step, taken on the initial weights, floored at 1
 * so that a start near zero (a fine-tuned model, a small unlabeled KD term) does not make the
 * bound tiny — for DIVERGENCE_STEPS steps in a row. Training lowers a loss from its start; no
 * legitimate run multiplies it by ten thousand (a lone spike is forgiven, a plateau up there is
 * not). The rule uses no absolute loss value: CRD's term starts near 10–20 and AT/FitNet terms
 * carry β up to 1000, and each run's bound scales with its own start.
 */
export const DIVERGENCE_FACTOR = 1e4;
export const DIVERGENCE_STEPS = 3;

/** Watches one model's total loss for divergence (see DIVERGENCE_FACTOR). */
class DivergenceGuard {
  private start: number | undefined;
  private above = 0;

  /** Throws when `total` completes DIVERGENCE_STEPS steps above the bound. */
  check(total: number, where: () => string): void {
    if (this.start === undefined) {
      this.start = total;
      return;
    }
    const bound = DIVERGENCE_FACTOR * Math.max(1, Math.abs(this.start));
    this.above = total > bound ? this.above + 1 : 0;
    if (this.above >= DIVERGENCE_STEPS) {
      throw new Error(
        `training diverged: total loss ${total.toPrecision(3)} at ${where()}, above ${DIVERGENCE_FACTOR}× its start (${this.start.toPrecision(3)}) for ${DIVERGENCE_STEPS} steps in a row; lower the learning rate`,
      );
    }
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function meanOf(sums: Record<string, number>, count: number): Record<string, number> {
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, count ? v / count : 0]));
}

function samplePixels(raw: Split, inputShape: number[], index: number): PredictionInput['image'] {
  if (inputShape.length !== 3) return undefined;
  const [height, width, channels] = inputShape;
  const size = height * width * channels;
  return { width, height, channels, pixels: Array.from(raw.x.subarray(index * size, (index + 1) * size), (v) => Math.round(v * 1000) / 1000) };
}

/** The message's start, cut at PREDICTION_TEXT_CHARS characters (an ellipsis says it was cut; a surrogate pair is never split). */
export function messageStart(text: string, limit = PREDICTION_TEXT_CHARS): string {
  const chars = Array.from(text);
  return chars.length <= limit ? text : `${chars.slice(0, limit).join('')}…`;
}

/** The WordPiece strings of a token row's non-padded positions (id ≠ PAD 0), in order. */
export function rowTokens(ids: Float32Array, vocabulary: readonly string[]): string[] {
  const tokens: string[] = [];
  for (const id of ids) if (id !== 0) tokens.push(vocabulary[id] ?? `#${id}`);
  return tokens;
}

/** What predictionInputs reads of a text set: its vocabulary and the validation messages. */
export interface PredictionText {
  tokens: readonly string[];
  texts: { validation?: readonly string[] };
}

/** The fixed samples' inputs, sent once per run (`predictionInputs`); every `predictions` event names them by index. */
export function predictionInputs(data: Pick<PhaseData, 'sampleIndices' | 'validation' | 'rawValidation' | 'inputShape'> & { text?: PredictionText }): PredictionInput[] {
  const { text } = data;
  const length = data.inputShape.reduce((a, b) => a * b, 1);
  return data.sampleIndices.map((index) => {
    const input: PredictionInput = { index, label: data.validation.y[index], image: samplePixels(data.rawValidation, data.inputShape, index) };
    if (!text) return input;
    const message = text.texts.validation?.[index];
    return {
      ...input,
      ...(message === undefined ? {} : { text: messageStart(message) }),
      tokens: rowTokens(data.validation.x.subarray(index * length, (index + 1) * length), text.tokens),
    };
  });
}

export function predictionSamples(data: PhaseData, role: string, logits: Float32Array, reference: PhaseReference | undefined, classes: number): PredictionSample[] {
  // 8 significant digits: a float32 to within one unit in the last place, at half the characters of its float64 printing.
  const row = (source: Float32Array, i: number) => Array.from(source.subarray(i * classes, (i + 1) * classes), (v) => Number(v.toPrecision(8)));
  return data.sampleIndices.map((index) => ({
    index,
    label: data.validation.y[index],
    logits: { ...(reference ? { [reference.role]: row(reference.valLogits, index) } : {}), [role]: row(logits, index) },
  }));
}

/** One model a phase trains, with its optimizer and what the epoch has gathered. */
interface Track {
  role: string;
  model: ZooModel;
  optimizer: TrainOptimizer;
  sums: Record<string, number>;
  seen: number;
  correct: number;
  best: PhaseResult['best'];
  last: Evaluation;
  valLogits: Float32Array;
  /** A copy of the best-validation weights, for the test evaluation at the end. */
  bestWeights?: tf.Tensor[];
  divergence: DivergenceGuard;
  /** The steps since the last point, and the points not sent yet. */
  window: StepWindow;
  points: StepPoint[];
}

/**
 * The one training loop every method uses: epochs of steps from the distiller, evaluation on
 * validation, events, and best/last checkpoints. Cancellation is honoured between steps. A method
 * that trains several models together (DML) gives each its own optimizer, epoch events,
 * checkpoints and result, under its member role; otherwise the one model trains under `phase`.
 */
export async function trainModels(
  phase: string,
  distiller: Distiller,
  config: TrainConfig,
  data: PhaseData,
  seed: number,
  hooks: PhaseHooks,
  reference?: PhaseReference,
): Promise<Map<string, PhaseResult>> {
  const started = Date.now();
  const classes = distiller.student.info.numClasses;
  if (config.augment && data.inputShape.length !== 3)
    throw new Error(`train.augment: expected image inputs [height, width, channels], got inputs of [${data.inputShape.join(', ')}]; remove train.augment for this data set`);
  const augment = config.augment && { ...config.augment, padValue: data.padValue };
  const together = distiller.together;
  const members = together?.members ?? [{ role: phase, model: distiller.student }];
  const tracks: Track[] = members.map(({ role, model }) => ({
    role,
    model,
    optimizer: createOptimizer(config),
    sums: {},
    seen: 0,
    correct: 0,
    best: { top1: -1, epoch: -1 },
    last: { top1: 0 },
    valLogits: new Float32Array(0),
    divergence: new DivergenceGuard(),
    window: new StepWindow(),
    points: [],
  }));
  const saveCheckpoints = async (epoch: number, kind: 'best' | 'last', which: Track[]) => {
    await parallel?.synchronize();
    for (const track of which) {
      hooks.emit({ type: 'checkpoint', phase: track.role, epoch, kind, path: await hooks.saveCheckpoint(track.model, kind, track.role) });
    }
  };
  // train.threads > 1: every step shared out over worker threads, and/or the teachers run a batch ahead on one (src/core/train/parallel).
  const threads = await startThreads(distiller, together ? tracks.map((t) => t.optimizer) : tracks[0].optimizer, config, phase, hooks.emit, { augmented: augment !== undefined });
  const { parallel, ahead } = threads;
  let epoch = 0;
  let epochSteps = 0;
  /** The points gathered since the last call, one `steps` event per model. */
  const sendPoints = () => {
    for (const track of tracks) {
      if (track.points.length) hooks.emit({ type: 'steps', phase: track.role, epoch: epoch + 1, epochs: config.epochs, steps: epochSteps, points: track.points });
      track.points = [];
    }
  };
  try {
    for (; epoch < config.epochs; epoch++) {
      const epochStart = Date.now();
      const learningRate = learningRateAt(config, epoch);
      for (const track of tracks) {
        track.optimizer.setLearningRate(learningRate);
        parallel?.setLearningRate(learningRate);
        Object.assign(track, { sums: {}, seen: 0, correct: 0, window: new StepWindow(), points: [] });
      }
      let stepsDone = 0;
      const stepsPerEpoch = Math.min(Math.ceil(data.train.count / config.batchSize), config.maxStepsPerEpoch ?? Infinity);
      const reportEvery = stepReportEvery(stepsPerEpoch);
      epochSteps = stepsPerEpoch;
      let lastProgress = 0;
      let lastPoints = Date.now();
      const shuffleSeed = seed * 100003 + epoch;
      const transform = augment ? (x: Float32Array, n: number, batchIndex: number) => augmentImages(x, n, data.inputShape, augment, deriveSeed(shuffleSeed, batchIndex)) : undefined;
      const epochBatches: Iterable<Batch & { teacherOutputs?: Promise<PackedOutputs> }> = batches(data.train, data.inputShape, config.batchSize, { shuffleSeed, transform });
      for (const batch of ahead ? withTeachersAhead(epochBatches, ahead, (b) => tf.dispose([b.x, b.y])) : epochBatches) {
        let teacherOutputs: TeacherOutput[] | undefined;
        try {
          if (hooks.isCancelled()) throw new RunCancelled();
          if (batch.teacherOutputs) teacherOutputs = await aheadOutputs(batch.teacherOutputs);
          const trainBatch = { x: batch.x, y: distiller.usesLabels ? batch.y : null, indices: batch.indices, nextIndices: batch.next, augmented: augment !== undefined, teacherOutputs };
          const context = { epoch, epochs: config.epochs };
          const optimizers = tracks.map((t) => t.optimizer.optimizer);
          const results = together
            ? parallel
              ? await parallel.stepTogether(trainBatch, batch.y, context)
              : trainTogetherStep(distiller, optimizers, trainBatch, batch.y, context, config.weightDecay)
            : [parallel ? await parallel.step(trainBatch, batch.y, context) : trainStep(distiller, optimizers[0], trainBatch, batch.y, context, config.weightDecay)];
          results.forEach((step, i) => {
            const track = tracks[i];
            const where = () => `epoch ${epoch + 1}, step ${stepsDone + 1} of ${track.role}`;
            for (const [k, v] of Object.entries(step.losses)) {
              if (!Number.isFinite(v)) throw new Error(`loss term "${k}" became ${v} at ${where()}`);
              track.sums[k] = (track.sums[k] ?? 0) + v * batch.size;
            }
            if (step.losses.total !== undefined) track.divergence.check(step.losses.total, where);
            track.seen += batch.size;
            track.correct += step.correct;
            track.window.add(step.losses, batch.size, step.correct);
          });
        } finally {
          tf.dispose([batch.x, batch.y, ...(teacherOutputs?.flatMap(blocksOf) ?? [])]);
        }
        stepsDone++;
        if (isReportStep(stepsDone, reportEvery, stepsPerEpoch)) {
          for (const track of tracks) {
            const point = track.window.take(stepsDone);
            if (point) track.points.push(point);
          }
        }
        const now = Date.now();
        if (now - lastPoints >= POINTS_INTERVAL_MS || stepsDone === stepsPerEpoch) {
          lastPoints = now;
          sendPoints();
        }
        if (now - lastProgress >= PROGRESS_INTERVAL_MS || stepsDone === stepsPerEpoch) {
          lastProgress = now;
          for (const track of tracks) {
            hooks.emit({ type: 'progress', phase: track.role, epoch: epoch + 1, epochs: config.epochs, step: stepsDone, steps: stepsPerEpoch, losses: meanOf(track.sums, track.seen) });
          }
        }
        await yieldToEventLoop();
        if (stepsDone >= stepsPerEpoch) break;
      }

      await parallel?.synchronize();
      for (const track of tracks) {
        const { role } = track;
        track.valLogits = predictLogits(track.model, data.validation, data.inputShape);
        const last = evaluateLogits(track.valLogits, data.validation.y, classes, reference?.valLogits);
        track.last = last;
        const metrics: EpochMetrics = {
          phase: role,
          epoch: epoch + 1,
          epochs: config.epochs,
          losses: meanOf(track.sums, track.seen),
          trainAccuracy: { [role]: track.seen ? track.correct / track.seen : 0 },
          valAccuracy: { [role]: last.top1, ...(reference ? { [reference.role]: reference.valAccuracy } : {}) },
          ...(last.top5 !== undefined ? { valTop5: { [role]: last.top5 } } : {}),
          ...(last.agreement !== undefined ? { agreement: last.agreement, valKl: last.kl } : {}),
          learningRate,
          seconds: (Date.now() - epochStart) / 1000,
        };
        hooks.emit({ type: 'epoch', ...metrics });
        hooks.emit({ type: 'predictions', phase: role, epoch: epoch + 1, classNames: data.classNames, samples: predictionSamples(data, role, track.valLogits, reference, classes) });
        if (last.top1 > track.best.top1) {
          track.best = { ...last, epoch: epoch + 1 };
          tf.dispose(track.bestWeights);
          track.bestWeights = track.model.net.getWeights().map((w) => w.clone());
          await saveCheckpoints(epoch + 1, 'best', [track]);
        }
      }
      await saveCheckpoints(epoch + 1, 'last', tracks);
    }
  } catch (error) {
    // A cancelled phase keeps what it learnt so far, as its last checkpoint, and its curves up to there.
    if (error instanceof RunCancelled) {
      sendPoints();
      await saveCheckpoints(epoch + 1, 'last', tracks);
    }
    throw error;
  } finally {
    for (const track of tracks) track.optimizer.dispose();
    await disposeThreads(threads);
  }
  const wallTimeSec = (Date.now() - started) / 1000;
  const results = new Map<string, PhaseResult>();
  for (const track of tracks) {
    // When the last epoch was the best, its weights are the model's own: nothing to swap in.
    const bestWeights = track.best.epoch === config.epochs ? undefined : track.bestWeights;
    const { test, testLogits } = evaluateTest(track.model, data, bestWeights, reference);
    tf.dispose(track.bestWeights);
    results.set(track.role, { best: track.best, last: track.last, test, valLogits: track.valLogits, testLogits, wallTimeSec, epochs: config.epochs });
  }
  return results;
}

/** Test accuracy of the last weights and, swapped in for the evaluation, of the best-validation ones. */
function evaluateTest(model: ZooModel, data: PhaseData, bestWeights: tf.Tensor[] | undefined, reference?: PhaseReference): Pick<PhaseResult, 'test' | 'testLogits'> {
  const classes = model.info.numClasses;
  const evaluate = (logits: Float32Array) => evaluateLogits(logits, data.test.y, classes, reference?.testLogits);
  const testLogits = predictLogits(model, data.test, data.inputShape);
  const last = evaluate(testLogits);
  if (!bestWeights) return { test: { best: last, last }, testLogits };
  const lastWeights = model.net.getWeights().map((w) => w.clone());
  try {
    model.net.setWeights(bestWeights);
    return { test: { best: evaluate(predictLogits(model, data.test, data.inputShape)), last }, testLogits };
  } finally {
    model.net.setWeights(lastWeights);
    tf.dispose(lastWeights);
  }
}

/** Trains the distiller's one model under `phase` (see trainModels). */
export async function trainPhase(...args: Parameters<typeof trainModels>): Promise<PhaseResult> {
  const results = await trainModels(...args);
  return results.get(args[0])!;
}
