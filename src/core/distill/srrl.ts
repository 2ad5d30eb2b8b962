import * as tf from '@tensorflow/tfjs-core';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { StepOutput, TrainBatch } from './distiller';
import { crossEntropy } from './losses';
import { meanSquaredError } from './losses/mse';
import { softCrossEntropy } from './losses/soft-cross-entropy';
import { srrlLoss } from './losses/srrl';
import { FeatureConnector } from './modules/connector';
import { kdTerm, type KdTermOptions } from './modules/kd-term';
import { embeddingSize } from './modules/taps';

export interface SrrlOptions extends KdTermOptions {
  alpha: number;
  beta: number;
  /** Softmax regression as L2 on the logits (the paper's choice) or soft cross-entropy. */
  sr: 'l2' | 'ce';
  seed: number;
}

/**
 * SRRL: CE + α·MSE(c(f_s), f_t) + β·SR [+ KD]. The connector c (dense + BN + ReLU) maps the
 * student's penultimate feature to the teacher's width; SR passes c(f_s) through the teacher's
 * head, whose weights are never in the optimizer's list (frozen) while gradients flow through it.
 */
export class SrrlDistiller extends BaseDistiller<'srrl'> {
  private readonly connector: FeatureConnector;

  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly options: SrrlOptions,
  ) {
    super('srrl', student);
    this.connector = this.add(new FeatureConnector([embeddingSize(student)], [embeddingSize(teacher)], { kind: 'regressor', seed: options.seed }));
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const { alpha, beta, sr } = this.options;
    const t = this.teacher.forward(batch.x, false);
    const { logits, embedding } = this.student.forward(batch.x, true);
    const connected = this.connector.connect(embedding, true) as tf.Tensor2D;
    const head = (x: tf.Tensor2D) => this.teacher.applyHead(x);
    const { featureLoss, softmaxRegressionLoss } =
      sr === 'l2'
        ? srrlLoss(connected, t.embedding, head, t.logits)
        : { featureLoss: meanSquaredError(connected, t.embedding), softmaxRegressionLoss: softCrossEntropy(head(connected), t.logits) };
    return {
      logits,
      losses: {
        ce: crossEntropy(logits, this.labels(batch)),
        feature: tf.mul(featureLoss, alpha) as tf.Scalar,
        sr: tf.mul(softmaxRegressionLoss, beta) as tf.Scalar,
        ...kdTerm(logits, t.logits, this.options),
      },
    };
  }
}
