import * as tf from '@tensorflow/tfjs-core';
import type { LayerStrategy } from '../../shared/protocol';
import { ConfigError } from '../../shared/protocol';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { ReplicaRecipe, StepOutput, TrainBatch } from './distiller';
import { crossEntropy, kdLoss } from './losses';
import { pkdLoss, pkdTransformerLayers } from './losses/pkd';
import { FeatureConnector } from './modules/connector';
import { bothTransformers, sequenceOf } from './modules/sequence';
import { blockShapes, mapBlocks } from './modules/taps';

export interface PkdOptions {
  alpha: number;
  beta: number;
  temperature: number;
  strategy: LayerStrategy;
  studentLayers?: number[];
  seed: number;
}

/** A transformer's [CLS] vector per layer: [hidden] each. */
function clsShapes(model: ZooModel): number[][] {
  const spec = model.info.spec;
  return spec.arch === 'transformer' ? Array.from({ length: spec.layers }, () => [spec.hidden]) : [];
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
 * a width and need none). On transformers the states are each layer's [CLS] vector and the layers
 * PKD-BERT's (pkdTransformerLayers: the student's all but the last, the teacher's skip or last).
 */
export class PatientDistiller extends BaseDistiller<'pkd'> {
  private readonly text: boolean;
  private readonly studentLayers: number[];
  private readonly teacherLayers: number[];
  private readonly projections: FeatureConnector[];

  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly options: PkdOptions,
  ) {
    super('pkd', student);
    this.text = bothTransformers('pkd', student, teacher);
    const studentShapes = this.text ? clsShapes(student) : blockShapes(student);
    const teacherShapes = this.text ? clsShapes(teacher) : blockShapes(teacher);
    if (this.text && !options.studentLayers) {
      let layers: { student: number[]; teacher: number[] };
      try {
        layers = pkdTransformerLayers(studentShapes.length, teacherShapes.length, options.strategy);
      } catch (error) {
        throw new ConfigError([`config.student.model: ${(error as Error).message}`]);
      }
      this.studentLayers = layers.student;
      this.teacherLayers = layers.teacher;
      this.projections = this.connectors(studentShapes, teacherShapes, options.seed);
      return;
    }
    this.studentLayers = options.studentLayers ?? defaultStudentLayers(studentShapes.length);
    const outside = this.studentLayers.filter((l) => l >= studentShapes.length);
    if (outside.length) {
      throw new ConfigError([`config.method.studentLayers: expected block indices below ${studentShapes.length} (the student's blocks), got ${JSON.stringify(options.studentLayers)}`]);
    }
    this.teacherLayers = mapBlocks(this.studentLayers, studentShapes.length, teacherShapes.length, options.strategy);
    this.projections = this.connectors(studentShapes, teacherShapes, options.seed);
  }

  private connectors(studentShapes: number[][], teacherShapes: number[][], seed: number): FeatureConnector[] {
    return this.studentLayers.map((l, i) =>
      this.add(new FeatureConnector(studentShapes[l], teacherShapes[this.teacherLayers[i]], { kind: 'linear', pool: true, identityWhenEqual: true, seed: seed + i })),
    );
  }

  replicaRecipe(): ReplicaRecipe {
    return { build: { kind: 'pkd', options: this.options }, teachers: [this.teacher] };
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const { alpha, beta, temperature } = this.options;
    const t = this.teacher.forward(batch.x, false);
    const s = this.student.forward(batch.x, true);
    const logits = s.logits;
    const studentStates = this.text ? sequenceOf(s, this.student).cls : s.features;
    const teacherStates = this.text ? sequenceOf(t, this.teacher).cls : t.features;
    const hs = this.projections.map((p, i) => p.connect(studentStates[this.studentLayers[i]], true) as tf.Tensor2D);
    const ht = this.projections.map((p, i) => p.target(teacherStates[this.teacherLayers[i]]) as tf.Tensor2D);
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
