import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../shared/protocol';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { ReplicaRecipe, StepOutput, TrainBatch } from './distiller';
import { crossEntropy, kdLoss } from './losses';
import { attentionDistributionKl, valueRelationKl } from './losses/minilm';
import { requireSameHeads } from './losses/tinybert';
import { bothTransformers, sequenceOf } from './modules/sequence';
import { fieldOf } from './modules/taps';

export interface MiniLmOptions {
  attentionWeight: number;
  valueWeight: number;
  relationHeads?: number;
  kdWeight: number;
  temperature: number;
}

const headsOf = (model: ZooModel) => (model.info.spec.arch === 'transformer' ? model.info.spec.heads : 0);

/**
 * MiniLM in two stages. 'intermediate': the last layers' self-attention — attention KL on the
 * scaled scores (the additive mask in them is re-applied, so padded keys take no probability) and
 * value-relation KL — each averaged over heads and real query tokens per sample, then the batch
 * (losses/minilm.ts); no labels. 'finetune': CE with the labels, plus kdWeight·T²·KL when above 0.
 */
export class MiniLmDistiller extends BaseDistiller<'minilm'> {
  override readonly usesLabels: boolean;

  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly options: MiniLmOptions,
    private readonly stage: 'intermediate' | 'finetune',
  ) {
    super('minilm', student);
    this.usesLabels = stage === 'finetune';
    if (!bothTransformers('minilm', student, teacher)) {
      throw new ConfigError([`${fieldOf(student)}: method "minilm" distils a transformer's self-attention; both models must be transformers, the student is ${student.info.spec.arch}`]);
    }
    if (stage === 'intermediate') {
      const [s, t] = [headsOf(student), headsOf(teacher)];
      try {
        if (options.attentionWeight > 0) requireSameHeads('MiniLM attention transfer', s, t, ', or set method.attentionWeight to 0 and method.relationHeads (MiniLM-v2)');
        if (options.valueWeight > 0 && options.relationHeads === undefined) requireSameHeads('MiniLM value-relation transfer', s, t, ', or set method.relationHeads (MiniLM-v2)');
      } catch (error) {
        throw new ConfigError([`config.student.model: ${(error as Error).message}`]);
      }
    }
  }

  replicaRecipe(): ReplicaRecipe {
    return { build: { kind: 'minilm', options: this.options, stage: this.stage }, teachers: [this.teacher] };
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const { attentionWeight, valueWeight, relationHeads, kdWeight, temperature } = this.options;
    const t = this.teacher.forward(batch.x, false);
    const s = this.student.forward(batch.x, true);
    if (this.stage === 'finetune') {
      const losses: Record<string, tf.Scalar> = { ce: crossEntropy(s.logits, this.labels(batch)) };
      if (kdWeight > 0) losses.kd = tf.mul(kdLoss(s.logits, t.logits, temperature), kdWeight) as tf.Scalar;
      return { logits: s.logits, losses };
    }
    const ss = sequenceOf(s, this.student);
    const ts = sequenceOf(t, this.teacher);
    const last = <T>(xs: T[]) => xs[xs.length - 1];
    const losses: Record<string, tf.Scalar> = {};
    if (attentionWeight > 0) losses.attention = tf.mul(attentionDistributionKl(last(ss.scores), last(ts.scores), ss.mask), attentionWeight) as tf.Scalar;
    if (valueWeight > 0) losses.value = tf.mul(valueRelationKl(last(ss.values), last(ts.values), ss.mask, relationHeads), valueWeight) as tf.Scalar;
    return { logits: s.logits, losses };
  }
}
