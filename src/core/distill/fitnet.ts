import * as tf from '@tensorflow/tfjs-core';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { AheadTeachers, ReplicaRecipe, StepOutput, TrainBatch } from './distiller';
import { crossEntropy } from './losses';
import { hintLoss } from './losses/hint';
import { FeatureConnector } from './modules/connector';
import { kdTerm, type KdTermOptions } from './modules/kd-term';
import { blockIndex, blockShapes } from './modules/taps';

export interface FitnetOptions extends KdTermOptions {
  beta: number;
  hintLayer?: number;
  guidedLayer?: number;
  seed: number;
}

/**
 * FitNets: a regressor (1×1 conv or dense, + BN + ReLU, RepDistiller's `ConvReg`) maps the
 * student's guided block to the teacher's hint block. 'joint' trains CE + β·hint [+ KD] in one
 * stage (RepDistiller); 'hint' is the paper's first stage, the hint loss alone, which reaches only
 * the student's blocks up to the guided one (the second stage is plain KD).
 */
export class FitnetDistiller extends BaseDistiller<'fitnet'> {
  override readonly usesLabels: boolean;
  private readonly regressor: FeatureConnector;
  private readonly hintLayer: number;
  private readonly guidedLayer: number;

  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly options: FitnetOptions,
    private readonly stage: 'joint' | 'hint' = 'joint',
  ) {
    super('fitnet', student);
    this.usesLabels = stage === 'joint';
    this.hintLayer = blockIndex(options.hintLayer, teacher, 'config.method.hintLayer');
    this.guidedLayer = blockIndex(options.guidedLayer, student, 'config.method.guidedLayer');
    this.regressor = this.add(
      new FeatureConnector(blockShapes(student)[this.guidedLayer], blockShapes(teacher)[this.hintLayer], {
        kind: 'regressor',
        seed: options.seed,
      }),
    );
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const t = batch.teacherOutputs?.[0] ?? this.teacher.forward(batch.x, false);
    const { logits, features } = this.student.forward(batch.x, true);
    const hint = hintLoss(this.regressor.connect(features[this.guidedLayer], true), this.regressor.target(t.features[this.hintLayer]));
    if (this.stage === 'hint') return { logits, losses: { hint } };
    return {
      logits,
      losses: {
        ce: crossEntropy(logits, this.labels(batch)),
        hint: tf.mul(hint, this.options.beta) as tf.Scalar,
        ...kdTerm(logits, t.logits, this.options),
      },
    };
  }

  replicaRecipe(): ReplicaRecipe {
    return { build: { kind: 'fitnet', options: this.options, stage: this.stage }, teachers: [this.teacher] };
  }
  aheadTeachers(): AheadTeachers {
    return { teachers: [this.teacher], features: true };
  }
}
