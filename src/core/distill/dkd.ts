import * as tf from '@tensorflow/tfjs-core';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { AheadTeachers, ReplicaRecipe, StepContext, StepOutput, TrainBatch } from './distiller';
import { crossEntropy } from './losses';
import { dkdLoss } from './losses/dkd';

export interface DkdOptions {
  ceWeight: number;
  alpha: number;
  beta: number;
  temperature: number;
  /** Share of the run the warm-up lasts (at least one epoch), unless `warmupEpochs` is given. */
  warmupShare: number;
  /** The warm-up in epochs, in place of the share; 0 is none. */
  warmupEpochs?: number;
}

/** Epochs of the warm-up in a run of `epochs`: the explicit count, or max(1, share·epochs) (may be fractional). */
export function dkdWarmupEpochs(options: Pick<DkdOptions, 'warmupShare' | 'warmupEpochs'>, epochs: number): number {
  return options.warmupEpochs ?? Math.max(1, options.warmupShare * epochs);
}

/** mdistiller's warm-up factor min(epoch/warmup, 1), its epochs counted from 1. */
export function dkdWarmup(warmupEpochs: number, context: StepContext): number {
  return warmupEpochs > 0 ? Math.min((context.epoch + 1) / warmupEpochs, 1) : 1;
}

/**
 * Decoupled KD: ceWeight·CE + warm-up·(α·TCKD + β·NCKD), the two parts reported apart (each is
 * dkdLoss with the other's weight at 0).
 */
export class DecoupledDistiller extends BaseDistiller<'dkd'> {
  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly options: DkdOptions,
  ) {
    super('dkd', student);
  }

  forwardTrain(batch: TrainBatch, context: StepContext): StepOutput {
    const { ceWeight, alpha, beta, temperature } = this.options;
    const labels = this.labels(batch);
    const teacherLogits = batch.teacherOutputs?.[0].logits ?? this.teacher.predict(batch.x);
    const { logits } = this.student.forward(batch.x, true);
    const warm = dkdWarmup(dkdWarmupEpochs(this.options, context.epochs), context);
    return {
      logits,
      losses: {
        ce: tf.mul(crossEntropy(logits, labels), ceWeight) as tf.Scalar,
        tckd: tf.mul(dkdLoss(logits, teacherLogits, labels, { alpha, beta: 0, temperature }), warm) as tf.Scalar,
        nckd: tf.mul(dkdLoss(logits, teacherLogits, labels, { alpha: 0, beta, temperature }), warm) as tf.Scalar,
      },
    };
  }

  replicaRecipe(): ReplicaRecipe {
    return { build: { kind: 'dkd', options: this.options }, teachers: [this.teacher] };
  }

  aheadTeachers(): AheadTeachers {
    return { teachers: [this.teacher], features: false };
  }
}
