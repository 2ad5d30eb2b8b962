import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../shared/protocol';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { AheadTeachers, ReplicaRecipe, StepOutput, TrainBatch } from './distiller';
import { crossEntropy } from './losses';
import { attentionTransferLoss } from './losses/attention';
import { kdTerm, type KdTermOptions } from './modules/kd-term';
import { mapBlocks, requireFeatureMaps } from './modules/taps';

export interface AtOptions extends KdTermOptions {
  beta: number;
  p: number;
}

/** Whether attentionTransferLoss can pool one map's spatial size to the other's. */
function poolable([ha, wa]: number[], [hb, wb]: number[]): boolean {
  const divides = (big: number, small: number) => big % small === 0;
  return (ha >= hb && wa >= wb && divides(ha, hb) && divides(wa, wb)) || (hb >= ha && wb >= wa && divides(hb, ha) && divides(wb, wa));
}

/**
 * Attention transfer: CE + β·Σ_j mean((a(A_s^j) − a(A_t^j))²) [+ KD] over paired blocks. Blocks
 * pair one to one when the counts agree (RepDistiller's stage groups), otherwise each student block
 * goes to the teacher block at the same relative depth.
 */
export class AttentionTransfer extends BaseDistiller<'at'> {
  private readonly teacherBlocks: number[];

  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly options: AtOptions,
  ) {
    super('at', student);
    const studentShapes = requireFeatureMaps(student, this.method);
    const teacherShapes = requireFeatureMaps(teacher, this.method);
    const studentBlocks = studentShapes.map((_, i) => i);
    this.teacherBlocks = mapBlocks(studentBlocks, studentShapes.length, teacherShapes.length, 'skip');
    studentBlocks.forEach((s) => {
      const [ss, ts] = [studentShapes[s], teacherShapes[this.teacherBlocks[s]]];
      if (!poolable(ss, ts)) {
        throw new ConfigError([
          `config.student.model: method "at" pairs student block ${s + 1} (${ss[0]}×${ss[1]}) with teacher block ${this.teacherBlocks[s] + 1} (${ts[0]}×${ts[1]}), whose spatial sizes do not divide`,
        ]);
      }
    });
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const { beta, p } = this.options;
    const t = batch.teacherOutputs?.[0] ?? this.teacher.forward(batch.x, false);
    const { logits, features } = this.student.forward(batch.x, true);
    const pairs = features.map((fs, s) => attentionTransferLoss(fs as tf.Tensor4D, t.features[this.teacherBlocks[s]] as tf.Tensor4D, p));
    return {
      logits,
      losses: {
        ce: crossEntropy(logits, this.labels(batch)),
        at: tf.mul(tf.addN(pairs), beta) as tf.Scalar,
        ...kdTerm(logits, t.logits, this.options),
      },
    };
  }

  replicaRecipe(): ReplicaRecipe {
    return { build: { kind: 'at', options: this.options }, teachers: [this.teacher] };
  }
  aheadTeachers(): AheadTeachers {
    return { teachers: [this.teacher], features: true };
  }
}
