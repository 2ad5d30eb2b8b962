import * as tf from '@tensorflow/tfjs-core';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { AheadTeachers, ReplicaRecipe, StepOutput, TrainBatch } from './distiller';
import { crossEntropy, kdLoss } from './losses';
import { TeacherLogits } from './teacher-logits';

export interface KdOptions {
  temperature: number;
  alpha: number;
  /** Reuse each sample's teacher logits across epochs (default); off, the teacher runs every step. */
  cacheTeacherLogits?: boolean;
  /**
   * Born-again's 'paper' targets: the teacher's probabilities at T=1 only, no label term
   * (α=1, T=1; `temperature` and `alpha` are then unused). Default 'kd'.
   */
  targets?: 'kd' | 'paper';
}

/** The methods whose student learns by plain KD: KD itself, each born-again generation, FitNets' second stage. */
export type KdMethod = 'kd' | 'born-again' | 'fitnet';

/** Hinton KD: (1−α)·CE + α·T²·KL(p_t‖p_s); the teacher is frozen and runs in inference mode. */
export class KnowledgeDistiller extends BaseDistiller<KdMethod> {
  private readonly teacherLogits?: TeacherLogits;

  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly options: KdOptions,
    method: KdMethod = 'kd',
  ) {
    super(method, student);
    if (options.cacheTeacherLogits !== false) this.teacherLogits = new TeacherLogits(teacher);
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const { alpha, temperature } = this.options;
    const teacherLogits = batch.teacherOutputs?.[0].logits ?? this.teacherLogits?.forBatch(batch.x, batch.indices, batch.augmented) ?? this.teacher.predict(batch.x);
    const { logits } = this.student.forward(batch.x, true);
    // KL(p_t‖p_s) at T=1 (T² = 1), and no cross-entropy term at all.
    if (this.options.targets === 'paper') return { logits, losses: { kd: kdLoss(logits, teacherLogits, 1) } };
    const ce = tf.mul(crossEntropy(logits, this.labels(batch)), 1 - alpha) as tf.Scalar;
    const kd = tf.mul(kdLoss(logits, teacherLogits, temperature), alpha) as tf.Scalar;
    return { logits, losses: { ce, kd } };
  }

  replicaRecipe(): ReplicaRecipe {
    return { build: { kind: 'kd', method: this.method, options: this.options }, teachers: [this.teacher] };
  }

  aheadTeachers(): AheadTeachers {
    return { teachers: [this.teacher], features: false };
  }
}
