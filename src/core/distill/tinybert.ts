import * as tf from '@tensorflow/tfjs-core';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { StepOutput, TrainBatch } from './distiller';
import { meanSquaredError } from './losses/mse';
import { softCrossEntropy } from './losses/soft-cross-entropy';
import { FeatureConnector } from './modules/connector';
import { blockShapes } from './modules/taps';

export interface TinyBertOptions {
  temperature: number;
  seed: number;
}

/**
 * TinyBERT's layer map g: the student's first block (its "embedding" output) to the teacher's
 * first, then hidden block m (1…M−1) to teacher block round(m·(N−1)/(M−1)) — TinyBERT's uniform
 * g(m) = m·N/M counted past the embedding layer, so the last blocks meet.
 */
export function tinyBertLayerMap(studentBlocks: number, teacherBlocks: number): number[] {
  return Array.from({ length: studentBlocks }, (_, m) => (m === 0 ? 0 : Math.round((m * (teacherBlocks - 1)) / (studentBlocks - 1))));
}

/**
 * TinyBERT in two stages. 'intermediate': Σ_l MSE(W_l·h_s^l, h_t^g(l)) over the embedding (first
 * block) and the mapped hidden blocks, each W_l learned (a dense layer or 1×1 conv; maps of other
 * sizes are pooled to match). 'prediction': soft cross-entropy of the student's logits against
 * the teacher's at T, without hard labels (`task_distill.py`'s pred_distill).
 */
export class TinyBertDistiller extends BaseDistiller<'tinybert'> {
  override readonly usesLabels = false;
  private readonly layerMap: number[];
  private readonly projections: FeatureConnector[];

  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly options: TinyBertOptions,
    private readonly stage: 'intermediate' | 'prediction',
  ) {
    super('tinybert', student);
    const studentShapes = blockShapes(student);
    const teacherShapes = blockShapes(teacher);
    this.layerMap = stage === 'intermediate' ? tinyBertLayerMap(studentShapes.length, teacherShapes.length) : [];
    this.projections = this.layerMap.map((t, l) => this.add(new FeatureConnector(studentShapes[l], teacherShapes[t], { kind: 'linear', seed: options.seed + l })));
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const t = this.teacher.forward(batch.x, false);
    const { logits, features } = this.student.forward(batch.x, true);
    if (this.stage === 'prediction') return { logits, losses: { soft: softCrossEntropy(logits, t.logits, this.options.temperature) } };
    const terms = this.projections.map((p, l) => meanSquaredError(p.connect(features[l], true), p.target(t.features[this.layerMap[l]])));
    const [embedding, ...hidden] = terms;
    return { logits, losses: { embedding, ...(hidden.length ? { hidden: tf.addN(hidden) as tf.Scalar } : {}) } };
  }
}
