import * as tf from '@tensorflow/tfjs-core';
import type { LayerStrategy } from '../../shared/protocol';
import { ConfigError } from '../../shared/protocol';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { StepOutput, TrainBatch } from './distiller';
import { crossEntropy, kdLoss } from './losses';
import { pkdLoss } from './losses/pkd';
import { FeatureConnector } from './modules/connector';
import { blockShapes, mapBlocks } from './modules/taps';

export interface PkdOptions {
  alpha: number;
  beta: number;
  temperature: number;
  strategy: LayerStrategy;
  studentLayers?: number[];
  seed: number;
}

/** PKD's default: every student block but the last (KD covers the output), or the only one. */
function defaultStudentLayers(count: number): number[] {
  return count === 1 ? [0] : Array.from({ length: count - 1 }, (_, i) => i);
}

/**
 * Patient KD: (1−α)·CE + α·T²·KL + β·mean_l MSE(n(h_s^l), n(h_t^m(l))) — the MSE over the
 * stacked layers, as PKD-BERT's `patience_loss` — n the per-sample L2 normalisation. Hidden
 * representations are block outputs, feature maps pooled to vectors; where a student and a
 * teacher width differ a learned linear projection maps one to the other (PKD-BERT's models share
 * a width and need none).
 */
export class PatientDistiller extends BaseDistiller<'pkd'> {
  private readonly studentLayers: number[];
  private readonly teacherLayers: number[];
  private readonly projections: FeatureConnector[];

  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly options: PkdOptions,
  ) {
    super('pkd', student);
    const studentShapes = blockShapes(student);
    const teacherShapes = blockShapes(teacher);
    this.studentLayers = options.studentLayers ?? defaultStudentLayers(studentShapes.length);
    const outside = this.studentLayers.filter((l) => l >= studentShapes.length);
    if (outside.length) {
      throw new ConfigError([`config.method.studentLayers: expected block indices below ${studentShapes.length} (the student's blocks), got ${JSON.stringify(options.studentLayers)}`]);
    }
    this.teacherLayers = mapBlocks(this.studentLayers, studentShapes.length, teacherShapes.length, options.strategy);
    this.projections = this.studentLayers.map((l, i) =>
      this.add(new FeatureConnector(studentShapes[l], teacherShapes[this.teacherLayers[i]], { kind: 'linear', pool: true, identityWhenEqual: true, seed: options.seed + i })),
    );
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const { alpha, beta, temperature } = this.options;
    const t = this.teacher.forward(batch.x, false);
    const { logits, features } = this.student.forward(batch.x, true);
    const hs = this.projections.map((p, i) => p.connect(features[this.studentLayers[i]], true) as tf.Tensor2D);
    const ht = this.projections.map((p, i) => p.target(t.features[this.teacherLayers[i]]) as tf.Tensor2D);
    return {
      logits,
      losses: {
        ce: tf.mul(crossEntropy(logits, this.labels(batch)), 1 - alpha) as tf.Scalar,
        kd: tf.mul(kdLoss(logits, t.logits, temperature), alpha) as tf.Scalar,
        pkd: tf.mul(pkdLoss(hs, ht), beta) as tf.Scalar,
      },
    };
  }
}
