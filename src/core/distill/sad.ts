import * as tf from '@tensorflow/tfjs-core';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { AheadTeachers, ReplicaRecipe, StepContext, StepOutput, TrainBatch } from './distiller';
import { crossEntropy } from './losses';
import { sadLoss, type SadMapFn } from './losses/sad';
import { kdTerm, type KdTermOptions } from './modules/kd-term';
import { requireFeatureMaps } from './modules/taps';

export interface SadOptions extends KdTermOptions {
  weight: number;
  fn: SadMapFn;
  p: number;
  /** Fraction of the epochs before SAD switches on. */
  warmup: number;
}

/** Whether SAD is on in a 0-based epoch: from the first epoch at or past warmup·epochs (ENet-SAD adds it late in training). */
export function sadActive(warmup: number, context: StepContext): boolean {
  return context.epoch >= Math.ceil(warmup * context.epochs - 1e-9);
}

/**
 * Self attention distillation: CE + weight·Σ_m MSE(Ψ(G(A_m)), Ψ(G(A_{m+1}))) in the student
 * itself, the deeper map held constant, zero until the warm-up ends; a teacher adds KD when given.
 */
export class SelfAttentionDistiller extends BaseDistiller<'sad'> {
  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel | undefined,
    private readonly options: SadOptions,
  ) {
    super('sad', student);
    requireFeatureMaps(student, this.method, 2);
    if (options.kdWeight > 0 && !teacher) throw new Error('method "sad" with kdWeight > 0 needs a teacher');
  }

  forwardTrain(batch: TrainBatch, context: StepContext): StepOutput {
    const { weight, fn, p, warmup } = this.options;
    const { logits, features } = this.student.forward(batch.x, true);
    const sad = sadActive(warmup, context) ? (tf.mul(sadLoss(features as tf.Tensor4D[], { fn, p }), weight) as tf.Scalar) : tf.scalar(0);
    return {
      logits,
      losses: {
        ce: crossEntropy(logits, this.labels(batch)),
        sad,
        // kdTerm adds nothing at kdWeight 0: the teacher is not run for it.
        ...(this.kdTeacher ? kdTerm(logits, batch.teacherOutputs?.[0].logits ?? this.kdTeacher.predict(batch.x), this.options) : {}),
      },
    };
  }

  /** The teacher when it adds KD (kdWeight > 0). */
  private get kdTeacher(): ZooModel | undefined {
    return this.options.kdWeight > 0 ? this.teacher : undefined;
  }

  replicaRecipe(): ReplicaRecipe {
    // A replica needs the teacher only where it adds KD.
    return { build: { kind: 'sad', options: this.options }, teachers: this.kdTeacher ? [this.kdTeacher] : [] };
  }

  aheadTeachers(): AheadTeachers {
    return { teachers: this.kdTeacher ? [this.kdTeacher] : [], features: false };
  }
}
