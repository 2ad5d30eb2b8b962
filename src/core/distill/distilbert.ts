import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../shared/protocol';
import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import { initFromTeacher, initMismatch } from './distilbert-init';
import { tokenDenominator, type ReplicaRecipe, type StepOutput, type TrainBatch } from './distiller';
import { crossEntropy, kdLoss } from './losses';
import { cosineLoss } from './losses/cosine';
import { distilBertTerms } from './losses/distilbert';
import { FeatureConnector } from './modules/connector';
import { bothTransformers, sequenceOf } from './modules/sequence';
import { embeddingSize } from './modules/taps';
import { SharedProjection } from './tinybert';

export interface DistilBertOptions {
  temperature: number;
  alphaCe: number;
  alphaCos: number;
  alphaHard: number;
  /** Transformers: start the student from every other teacher layer; by default when the widths match. */
  initFromTeacher?: boolean;
  seed: number;
}

const hiddenSize = (model: ZooModel) => (model.info.spec.arch === 'transformer' ? model.info.spec.hidden : 0);

/**
 * DistilBERT: α_ce·T²·KL(p_t‖p_s) + α_cos·(1 − cos(h_s, h_t)) + α_hard·CE. On image models h is the
 * last hidden representation (the pooled penultimate embedding); on transformers, as `distiller.py`,
 * the last layer's hidden states of every non-padded token (maskedCosineLoss), and the student may
 * start from every other teacher layer (`initFromTeacher`), copied before its first step — the
 * teacher is trained by then. A learned linear projection maps the student's width to the
 * teacher's where they differ (DistilBERT's student shares the teacher's).
 */
export class DistilBertDistiller extends BaseDistiller<'distilbert'> {
  private readonly text: boolean;
  private readonly projection?: FeatureConnector;
  private readonly tokenProjection?: SharedProjection;
  private pendingInit: boolean;

  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly options: DistilBertOptions,
  ) {
    super('distilbert', student);
    this.text = bothTransformers('distilbert', student, teacher);
    this.pendingInit = false;
    if (this.text) {
      const mismatch = initMismatch(student, teacher);
      if (options.initFromTeacher === true && mismatch) {
        throw new ConfigError([`config.method.initFromTeacher: the student starts from the teacher's layers only when their widths match and the student is no deeper; ${mismatch}`]);
      }
      this.pendingInit = (options.initFromTeacher ?? true) && !mismatch;
      const [ws, wt] = [hiddenSize(student), hiddenSize(teacher)];
      if (ws !== wt) this.tokenProjection = this.add(new SharedProjection(ws, wt, options.seed));
    } else {
      if (options.initFromTeacher) throw new ConfigError([`config.method.initFromTeacher: starting from the teacher's layers needs transformers; the student is ${student.info.spec.arch}`]);
      this.projection = this.add(new FeatureConnector([embeddingSize(student)], [embeddingSize(teacher)], { kind: 'linear', identityWhenEqual: true, seed: options.seed }));
    }
  }

  private initPending(): void {
    if (this.pendingInit) {
      initFromTeacher(this.student, this.teacher);
      this.pendingInit = false;
    }
  }

  /** Replicas start from the main thread's student, so the teacher's layers are copied here first (the teacher is trained by the time threads start) and not again in a replica. */
  replicaRecipe(): ReplicaRecipe {
    this.initPending();
    return { build: { kind: 'distilbert', options: { ...this.options, initFromTeacher: false } }, teachers: [this.teacher] };
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    this.initPending();
    const { temperature, alphaCe, alphaCos, alphaHard } = this.options;
    const t = this.teacher.forward(batch.x, false);
    const s = this.student.forward(batch.x, true);
    if (this.text) {
      const ss = sequenceOf(s, this.student);
      const ts = sequenceOf(t, this.teacher);
      const last = ss.hidden[ss.hidden.length - 1];
      const hidden = (this.tokenProjection ? this.tokenProjection.apply(last, true) : last) as tf.Tensor3D;
      const terms = distilBertTerms(
        { logits: s.logits, hidden },
        { logits: t.logits, hidden: ts.hidden[ts.hidden.length - 1] },
        this.labels(batch),
        ss.mask,
        { temperature, alphaCe, alphaCos, alphaHard },
        tokenDenominator(batch),
      );
      return { logits: s.logits, losses: { kd: terms.kd, cos: terms.cos, ce: terms.ce } };
    }
    return {
      logits: s.logits,
      losses: {
        kd: tf.mul(kdLoss(s.logits, t.logits, temperature), alphaCe) as tf.Scalar,
        cos: tf.mul(cosineLoss(this.projection!.connect(s.embedding, true) as tf.Tensor2D, t.embedding), alphaCos) as tf.Scalar,
        ce: tf.mul(crossEntropy(s.logits, this.labels(batch)), alphaHard) as tf.Scalar,
      },
    };
  }
}
