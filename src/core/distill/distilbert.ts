import * as tf from '@tensorflow/tfjs-core';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { StepOutput, TrainBatch } from './distiller';
import { crossEntropy, kdLoss } from './losses';
import { cosineLoss } from './losses/cosine';
import { FeatureConnector } from './modules/connector';
import { embeddingSize } from './modules/taps';

export interface DistilBertOptions {
  temperature: number;
  alphaCe: number;
  alphaCos: number;
  alphaHard: number;
  seed: number;
}

/**
 * DistilBERT: α_ce·T²·KL(p_t‖p_s) + α_cos·(1 − cos(h_s, h_t)) + α_hard·CE, h the last hidden
 * representation (the pooled penultimate embedding); a learned linear projection maps the
 * student's to the teacher's width when they differ (DistilBERT's student shares the teacher's).
 */
export class DistilBertDistiller extends BaseDistiller<'distilbert'> {
  private readonly projection: FeatureConnector;

  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly options: DistilBertOptions,
  ) {
    super('distilbert', student);
    this.projection = this.add(new FeatureConnector([embeddingSize(student)], [embeddingSize(teacher)], { kind: 'linear', identityWhenEqual: true, seed: options.seed }));
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const { temperature, alphaCe, alphaCos, alphaHard } = this.options;
    const t = this.teacher.forward(batch.x, false);
    const { logits, embedding } = this.student.forward(batch.x, true);
    return {
      logits,
      losses: {
        kd: tf.mul(kdLoss(logits, t.logits, temperature), alphaCe) as tf.Scalar,
        cos: tf.mul(cosineLoss(this.projection.connect(embedding, true) as tf.Tensor2D, t.embedding), alphaCos) as tf.Scalar,
        ce: tf.mul(crossEntropy(logits, this.labels(batch)), alphaHard) as tf.Scalar,
      },
    };
  }
}
