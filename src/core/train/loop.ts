import * as tf from '@tensorflow/tfjs-core';
import type { EpochMetrics, PredictionSample, TrainConfig, TrainerEvent } from '../../protocol';
import { batches } from '../data/batches';
import type { Split } from '../data/types';
import type { Distiller } from '../distill/distiller';
import type { ZooModel } from '../models/zoo-model';
import { evaluateLogits, predictLogits, type Evaluation } from './evaluate';
import { createOptimizer } from './optimizer';
import { learningRateAt } from './schedule';
import { trainStep } from './step';

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
  /** Normalised validation inputs. */
  validation: Split;
  /** Validation inputs before normalisation, for drawing the prediction samples. */
  rawValidation: Split;
  /** Fixed validation indices shown in every `predictions` event. */
  sampleIndices: number[];
}

export interface PhaseReference {
  role: string;
  /** The reference model's validation logits, [count × classes]. */
  valLogits: Float32Array;
  valAccuracy: number;
}

export interface PhaseHooks {
  emit(event: TrainerEvent): void;
  isCancelled(): boolean;
  saveCheckpoint(model: ZooModel, kind: 'best' | 'last'): Promise<string>;
}

export interface PhaseResult {
  best: Evaluation & { epoch: number };
  last: Evaluation;
  valLogits: Float32Array;
  wallTimeSec: number;
}

const PROGRESS_INTERVAL_MS = 100;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function meanOf(sums: Record<string, number>, count: number): Record<string, number> {
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, count ? v / count : 0]));
}

function samplePixels(raw: Split, inputShape: number[], index: number): PredictionSample['image'] {
  if (inputShape.length !== 3) return undefined;
  const [height, width, channels] = inputShape;
  const size = height * width * channels;
  return { width, height, channels, pixels: Array.from(raw.x.subarray(index * size, (index + 1) * size), (v) => Math.round(v * 1000) / 1000) };
}

function predictionSamples(data: PhaseData, role: string, logits: Float32Array, reference: PhaseReference | undefined, classes: number): PredictionSample[] {
  const row = (source: Float32Array, i: number) => Array.from(source.subarray(i * classes, (i + 1) * classes));
  return data.sampleIndices.map((index) => ({
    index,
    label: data.validation.y[index],
    image: samplePixels(data.rawValidation, data.inputShape, index),
    logits: { ...(reference ? { [reference.role]: row(reference.valLogits, index) } : {}), [role]: row(logits, index) },
  }));
}

/**
 * The one training loop every method uses: epochs of steps from the distiller, evaluation on
 * validation, events, and best/last checkpoints. Cancellation is honoured between steps.
 */
export async function trainPhase(
  phase: string,
  distiller: Distiller,
  config: TrainConfig,
  data: PhaseData,
  seed: number,
  hooks: PhaseHooks,
  reference?: PhaseReference,
): Promise<PhaseResult> {
  const started = Date.now();
  const model = distiller.student;
  const classes = model.info.numClasses;
  const { optimizer, setLearningRate } = createOptimizer(config);
  let best: PhaseResult['best'] = { top1: -1, epoch: -1 };
  let last: Evaluation = { top1: 0 };
  let valLogits: Float32Array = new Float32Array(0);
  let epoch = 0;
  try {
    for (; epoch < config.epochs; epoch++) {
      const epochStart = Date.now();
      const learningRate = learningRateAt(config, epoch);
      setLearningRate(learningRate);
      const sums: Record<string, number> = {};
      let seen = 0;
      let correct = 0;
      let stepsDone = 0;
      const stepsPerEpoch = Math.min(Math.ceil(data.train.count / config.batchSize), config.maxStepsPerEpoch ?? Infinity);
      let lastProgress = 0;
      for (const batch of batches(data.train, data.inputShape, config.batchSize, { shuffleSeed: seed * 100003 + epoch })) {
        try {
          if (hooks.isCancelled()) throw new RunCancelled();
          const step = trainStep(
            distiller,
            optimizer,
            { x: batch.x, y: distiller.usesLabels ? batch.y : null, indices: batch.indices },
            batch.y,
            { epoch, epochs: config.epochs },
            config.weightDecay,
          );
          for (const [k, v] of Object.entries(step.losses)) {
            if (!Number.isFinite(v)) throw new Error(`loss term "${k}" became ${v} at epoch ${epoch + 1}, step ${stepsDone + 1} of ${phase}`);
            sums[k] = (sums[k] ?? 0) + v * batch.size;
          }
          seen += batch.size;
          correct += step.correct;
        } finally {
          tf.dispose([batch.x, batch.y]);
        }
        stepsDone++;
        const now = Date.now();
        if (now - lastProgress >= PROGRESS_INTERVAL_MS || stepsDone === stepsPerEpoch) {
          lastProgress = now;
          hooks.emit({ type: 'progress', phase, epoch: epoch + 1, epochs: config.epochs, step: stepsDone, steps: stepsPerEpoch, losses: meanOf(sums, seen) });
        }
        await yieldToEventLoop();
        if (stepsDone >= stepsPerEpoch) break;
      }

      valLogits = predictLogits(model, data.validation, data.inputShape);
      last = evaluateLogits(valLogits, data.validation.y, classes, reference?.valLogits);
      const metrics: EpochMetrics = {
        phase,
        epoch: epoch + 1,
        epochs: config.epochs,
        losses: meanOf(sums, seen),
        trainAccuracy: { [phase]: seen ? correct / seen : 0 },
        valAccuracy: { [phase]: last.top1, ...(reference ? { [reference.role]: reference.valAccuracy } : {}) },
        ...(last.top5 !== undefined ? { valTop5: { [phase]: last.top5 } } : {}),
        ...(last.agreement !== undefined ? { agreement: last.agreement, valKl: last.kl } : {}),
        learningRate,
        seconds: (Date.now() - epochStart) / 1000,
      };
      hooks.emit({ type: 'epoch', ...metrics });
      hooks.emit({ type: 'predictions', phase, epoch: epoch + 1, classNames: data.classNames, samples: predictionSamples(data, phase, valLogits, reference, classes) });
      if (last.top1 > best.top1) {
        best = { ...last, epoch: epoch + 1 };
        hooks.emit({ type: 'checkpoint', phase, epoch: epoch + 1, kind: 'best', path: await hooks.saveCheckpoint(model, 'best') });
      }
      hooks.emit({ type: 'checkpoint', phase, epoch: epoch + 1, kind: 'last', path: await hooks.saveCheckpoint(model, 'last') });
    }
  } catch (error) {
    // A cancelled phase keeps what it learnt so far, as its last checkpoint.
    if (error instanceof RunCancelled) {
      hooks.emit({ type: 'checkpoint', phase, epoch: epoch + 1, kind: 'last', path: await hooks.saveCheckpoint(model, 'last') });
    }
    throw error;
  } finally {
    optimizer.dispose();
  }
  return { best, last, valLogits, wallTimeSec: (Date.now() - started) / 1000 };
}
