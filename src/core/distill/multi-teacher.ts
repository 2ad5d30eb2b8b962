import * as tf from '@tensorflow/tfjs-core';
import type { EnsembleAggregate } from '../../shared/methods/multi-teacher';
import { ConfigError } from '../../shared/protocol';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { AheadTeachers, ReplicaRecipe, StepOutput, TrainBatch } from './distiller';
import { crossEntropy, kdLoss } from './losses';

export interface MultiTeacherOptions {
  temperature: number;
  alpha: number;
  /** One per teacher; equal when absent. */
  weights?: number[];
  /** What is averaged; the logits (TextBrewer) when absent. */
  aggregate?: EnsembleAggregate;
}

/**
 * Logits whose softmax at T is the ensemble's soft target, so that KD against them is KD against
 * the ensemble; `weights` sum to 1. 'logits': Σ_k w_k·z_k, the weighted mean logits (TextBrewer's
 * `mean_l_T`), whose softmax(·/T) is the target. 'probabilities': T·log(Σ_k w_k·softmax(z_k/T)),
 * whose softmax at T is the weighted mean probability; the clamp keeps 0·log 0 at 0 where a
 * probability underflows.
 */
export function ensembleTargetLogits(teacherLogits: tf.Tensor2D[], weights: number[], temperature: number, aggregate: EnsembleAggregate = 'logits'): tf.Tensor2D {
  return tf.tidy(() => {
    if (aggregate === 'logits') return tf.addN(teacherLogits.map((z, k) => tf.mul(z, weights[k]))) as tf.Tensor2D;
    const mean = tf.addN(teacherLogits.map((z, k) => tf.mul(tf.softmax(tf.div(z, temperature)), weights[k])));
    return tf.mul(tf.log(tf.maximum(mean, 1e-30)), temperature) as tf.Tensor2D;
  });
}

/** Normalised teacher weights, or a config error naming `config.method.weights`. */
export function teacherWeights(weights: number[] | undefined, teachers: number): number[] {
  const given = weights ?? Array.from({ length: teachers }, () => 1);
  if (given.length !== teachers) {
    throw new ConfigError([`config.method.weights: expected ${teachers} weights, one per teacher (teacher, then method.teachers, then method.checkpoints), got ${given.length}`]);
  }
  const sum = given.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) throw new ConfigError([`config.method.weights: expected at least one weight above 0, got ${JSON.stringify(given)}`]);
  return given.map((w) => w / sum);
}

/**
 * KD from an ensemble (TextBrewer `MultiTeacherDistiller`): (1−α)·CE + α·T²·KL(p̄_t‖p_s), p̄_t =
 * softmax(Σ_k w_k·z_k / T) (the weighted mean logits, by default) or Σ_k w_k·softmax(z_k/T).
 */
export class MultiTeacherDistiller extends BaseDistiller<'multi-teacher'> {
  private readonly weights: number[];

  constructor(
    student: ZooModel,
    private readonly teachers: ZooModel[],
    private readonly options: MultiTeacherOptions,
  ) {
    super('multi-teacher', student);
    this.weights = teacherWeights(options.weights, teachers.length);
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const { alpha, temperature } = this.options;
    const target = ensembleTargetLogits(batch.teacherOutputs?.map((t) => t.logits) ?? this.teachers.map((t) => t.predict(batch.x)), this.weights, temperature, this.options.aggregate ?? 'logits');
    const { logits } = this.student.forward(batch.x, true);
    const ce = tf.mul(crossEntropy(logits, this.labels(batch)), 1 - alpha) as tf.Scalar;
    const kd = tf.mul(kdLoss(logits, target, temperature), alpha) as tf.Scalar;
    return { logits, losses: { ce, kd } };
  }

  replicaRecipe(): ReplicaRecipe {
    return { build: { kind: 'multi-teacher', options: this.options }, teachers: this.teachers };
  }

  aheadTeachers(): AheadTeachers {
    return { teachers: this.teachers, features: false };
  }
}
