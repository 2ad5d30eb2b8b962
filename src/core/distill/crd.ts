import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../shared/protocol';
import type { ZooModel } from '../models/zoo-model';
import { ContrastMemory } from './contrast-memory';
import { BaseDistiller } from './base';
import type { AheadTeachers, StepOutput, TrainBatch } from './distiller';
import { crossEntropy } from './losses';
import { EmbedHead } from './modules/embed-head';
import { kdTerm, type KdTermOptions } from './modules/kd-term';
import { embeddingSize } from './modules/taps';
import { TeacherOutputs } from './teacher-logits';

export interface CrdOptions extends KdTermOptions {
  beta: number;
  featDim: number;
  nceK: number;
  nceT: number;
  nceMomentum: number;
}

export interface CrdData {
  /** Samples in the training split: the memory banks' rows, indexed by the batches' `indices`. */
  nData: number;
  /** The class of every training sample: negatives are drawn from other classes, as RepDistiller's CIFAR100InstanceSample does. */
  labels?: Int32Array;
  seed: number;
}

/**
 * CRD: CE + β·(L_nce(student → teacher memory) + L_nce(teacher → student memory)) [+ KD]. Embed
 * heads (Linear(d→featDim) + L2 norm) on both penultimate features are trained with the student;
 * the memory banks move by momentum, with K = min(nceK, N−1) negatives drawn per sample.
 */
export class ContrastiveDistiller extends BaseDistiller<'crd'> {
  private readonly embedStudent: EmbedHead;
  private readonly embedTeacher: EmbedHead;
  readonly memory: ContrastMemory;
  /** Replicas refused; with augmentation a second thread can still run the teacher a batch ahead (it reads the batch only). */
  readonly singleThreadReason =
    'its memory banks move with every sample of the batch and its normaliser Z is fixed from the first batch, so replicas that each see a share of the batch would hold different banks (with train.augment, a second thread runs its teacher a batch ahead instead)';
  /** The frozen teacher's logits and embedding per sample, computed once when there is no augmentation. */
  private readonly teacherCache: TeacherOutputs;

  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly options: CrdOptions,
    data: CrdData,
  ) {
    super('crd', student);
    if (data.nData < 2) throw new ConfigError([`config.data.limitTrain: method "crd" needs at least 2 training samples, got ${data.nData}`]);
    this.embedStudent = this.add(new EmbedHead(embeddingSize(student), options.featDim, data.seed));
    this.embedTeacher = this.add(new EmbedHead(embeddingSize(teacher), options.featDim, data.seed + 1));
    this.memory = this.add(
      new ContrastMemory({
        featDim: options.featDim,
        nData: data.nData,
        k: Math.min(options.nceK, data.nData - 1),
        temperature: options.nceT,
        momentum: options.nceMomentum,
        seed: data.seed,
        labels: data.labels,
        drawOnWorker: true,
      }),
    );
    this.teacherCache = new TeacherOutputs(teacher);
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const t = batch.teacherOutputs?.[0] ?? this.teacherCache.forBatch(batch.x, batch.indices, batch.augmented);
    const { logits, embedding } = this.student.forward(batch.x, true);
    const vS = this.embedStudent.apply(embedding);
    const vT = this.embedTeacher.apply(t.embedding);
    const { lossS, lossT } = this.memory.nceLosses(vS, vT, batch.indices, { next: batch.nextIndices });
    const crd = tf.mul(tf.add(lossS, lossT), this.options.beta) as tf.Scalar;
    return {
      logits,
      losses: { ce: crossEntropy(logits, this.labels(batch)), crd, ...kdTerm(logits, t.logits, this.options) },
    };
  }

  aheadTeachers(): AheadTeachers {
    return { teachers: [this.teacher], features: false };
  }
}
