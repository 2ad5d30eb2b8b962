import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../shared/protocol';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { AheadTeachers, ReplicaRecipe, StepOutput, TrainBatch } from './distiller';
import { crossEntropy } from './losses';
import { srrlLoss } from './losses/srrl';
import { ConvConnector, FeatureConnector } from './modules/connector';
import { kdTerm, type KdTermOptions } from './modules/kd-term';
import { blockShapes, embeddingSize } from './modules/taps';

export type SrrlConnector = 'auto' | 'conv' | 'dense';

export interface SrrlOptions extends KdTermOptions {
  alpha: number;
  beta: number;
  /** Softmax regression as L2 on the logits (the paper's choice) or soft cross-entropy. */
  sr: 'l2' | 'ce';
  /** 'conv' (KD_SRRL), 'dense' (SimKD), or 'auto' (the default: conv where the models allow it). */
  connector?: SrrlConnector;
  seed: number;
}

/** Whether the model's embedding is the global average of its last feature map (resnet; cnn without +fc). */
function poolsLastMap(model: ZooModel): boolean {
  const { spec } = model.info;
  return spec.arch === 'resnet' || (spec.arch === 'cnn' && spec.dense === 0);
}

/** The connector a run uses: 'auto' resolved, 'conv' refused (naming the field) where the models cannot take it. */
export function srrlConnectorKind(student: ZooModel, teacher: ZooModel, requested: SrrlConnector = 'auto'): 'conv' | 'dense' {
  const studentMap = blockShapes(student).at(-1)?.length === 3;
  const teacherPools = poolsLastMap(teacher);
  if (requested === 'auto') return studentMap && teacherPools ? 'conv' : 'dense';
  if (requested === 'conv' && !studentMap) {
    throw new ConfigError([
      `config.method.connector: "conv" (KD_SRRL) acts on the student's last feature map, and config.student.model (${student.info.spec.arch}) has none; use "dense" (SimKD) or "auto"`,
    ]);
  }
  if (requested === 'conv' && !teacherPools) {
    throw new ConfigError([
      `config.method.connector: "conv" (KD_SRRL) sends the connected map through the teacher's global average pooling and head, and config.teacher.model (${teacher.info.spec.arch}${teacher.info.spec.arch === 'cnn' ? ' with +fc' : ''}) does not pool its last map; use "dense" (SimKD) or "auto"`,
    ]);
  }
  return requested;
}

/**
 * SRRL: CE + α·MSE(c(f_s), f_t) + β·SR [+ KD], SR passing the connected feature through the
 * teacher's head, whose weights are never in the optimizer's list (frozen) while gradients flow
 * through it.
 *
 * 'conv' (KD_SRRL's official code): c = 1×1 conv + BN + ReLU on the student's last feature map,
 * to the teacher's channels; the feature term compares the per-channel spatial means of c(f_s)
 * and of the teacher's last map (its `statm_loss`), and SR = MSE(head_t(GAP(c(f_s))), z_t), GAP
 * being the teacher's own pooling. Both act after pooling, so the two maps may differ in size.
 * 'dense' (SimKD's `SRRL`): c = dense + BN + ReLU on the student's pooled embedding, compared with
 * the teacher's embedding, SR = MSE(head_t(c(pool(f_s))), z_t).
 */
export class SrrlDistiller extends BaseDistiller<'srrl'> {
  /** The connector in use, 'auto' resolved. */
  readonly connectorKind: 'conv' | 'dense';
  private readonly connector: ConvConnector | FeatureConnector;

  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly options: SrrlOptions,
  ) {
    super('srrl', student);
    this.connectorKind = srrlConnectorKind(student, teacher, options.connector);
    this.connector =
      this.connectorKind === 'conv'
        ? this.add(new ConvConnector(blockShapes(student).at(-1)!, embeddingSize(teacher), options.seed))
        : this.add(new FeatureConnector([embeddingSize(student)], [embeddingSize(teacher)], { kind: 'regressor', seed: options.seed }));
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const { alpha, beta, sr } = this.options;
    const t = batch.teacherOutputs?.[0] ?? this.teacher.forward(batch.x, false);
    const { logits, embedding, features } = this.student.forward(batch.x, true);
    // conv: the connected map, pooled by the loss as the teacher pools its own (t.embedding = GAP of its last map).
    const connected = this.connector.connect(this.connectorKind === 'conv' ? features[features.length - 1] : embedding, true);
    const head = (x: tf.Tensor2D) => this.teacher.applyHead(x);
    const { featureLoss, softmaxRegressionLoss } = srrlLoss(connected, t.embedding, head, t.logits, sr);
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

  replicaRecipe(): ReplicaRecipe {
    return { build: { kind: 'srrl', options: this.options }, teachers: [this.teacher] };
  }
  aheadTeachers(): AheadTeachers {
    return { teachers: [this.teacher], features: false };
  }
}
