import type * as tf from '@tensorflow/tfjs-core';
import type { MethodName } from '../../shared/protocol';
import type { ForwardResult, ZooModel } from '../models/zoo-model';
import type { AtOptions } from './at';
import type { DistilBertOptions } from './distilbert';
import type { DkdOptions } from './dkd';
import type { FitnetOptions } from './fitnet';
import type { KdMethod, KdOptions } from './kd';
import type { MiniLmOptions } from './minilm';
import type { MultiTeacherOptions } from './multi-teacher';
import type { PkdOptions } from './pkd';
import type { SadOptions } from './sad';
import type { SrrlOptions } from './srrl';
import type { TinyBertOptions } from './tinybert';

export interface TrainBatch {
  x: tf.Tensor;
  /** Class labels, or null where the method trains without them (a transfer set). */
  y: tf.Tensor1D | null;
  /** Dataset indices of the batch's samples (CRD's memory bank reads them). */
  indices: Int32Array;
  /** The inputs are random views (train.augment): a sample's teacher logits differ from view to view. */
  augmented?: boolean;
  /** Dataset indices of the batch after this one in the epoch, where there is one (CRD draws its negatives ahead). */
  nextIndices?: Int32Array;
  /**
   * The inference-mode outputs of each of the method's `aheadTeachers()` on this batch, computed
   * ahead on another thread (train/parallel/teachers-ahead.ts); absent, the method runs its teachers itself.
   */
  teacherOutputs?: TeacherOutput[];
  /**
   * Set on a replica's shard of a data-parallel batch (train/parallel): the whole batch's sample
   * count and, where the inputs are token ids, its count of real tokens (id ≠ 0). The shards'
   * gradients are averaged weighted by their share of the samples, which gives the whole batch's
   * gradient for a loss that is a mean over samples; a loss that is a mean over the batch's real
   * tokens instead divides a shard's sum by `tokenDenominator` (DistilBERT's masked cosine).
   */
  shardOf?: { samples: number; tokens: number };
}

/**
 * What a loss averaged over a batch's real tokens divides its sum by: on a whole batch, undefined
 * (its own count); on a data-parallel shard of n of the batch's N samples, the whole batch's token
 * count T times n/N. Weighted by n/N as the coordinator weights every shard, a shard's sum over T·n/N
 * becomes its sum over T, and the shards add up to the whole batch's mean over its T tokens —
 * `distiller.py`'s normalisation, whatever tokens each shard holds.
 */
export function tokenDenominator(batch: TrainBatch): number | undefined {
  if (!batch.shardOf) return undefined;
  const { samples, tokens } = batch.shardOf;
  return tokens > 0 ? (tokens * batch.x.shape[0]) / samples : 1;
}

/** A frozen teacher's inference-mode outputs on a batch; `features` is empty unless the method asked for them. */
export type TeacherOutput = Pick<ForwardResult, 'logits' | 'embedding' | 'features'>;

/** The frozen teachers a method runs only in inference mode, on the batch's inputs, and whether it reads their feature maps (or only logits and embedding). */
export interface AheadTeachers {
  teachers: ZooModel[];
  features: boolean;
}

export interface StepContext {
  /** 0-based epoch and its count, for warm-ups and schedules inside a loss. */
  epoch: number;
  epochs: number;
}

export interface StepOutput {
  /** The trained model's logits, for training accuracy. */
  logits: tf.Tensor2D;
  /** Each weighted loss term; the optimizer minimises their sum. */
  losses: Record<string, tf.Scalar>;
}

/**
 * One method of training a model: it builds whatever extra modules it needs, then computes
 * the loss terms for a batch (mdistiller's `forward_train`).
 */
export interface Distiller {
  readonly method: MethodName;
  /** The model this method trains (the first member, where it trains several). */
  readonly student: ZooModel;
  /** Whether the method reads labels; a transfer set without labels needs false. */
  readonly usesLabels: boolean;
  /** Variables the optimizer updates: the student's and any module the method adds. */
  trainableVariables(): tf.Variable[];
  /** Every loss term of one step; a method with members gives all of theirs from one forward pass. */
  forwardTrain(batch: TrainBatch, context: StepContext): StepOutput;
  /** Set by methods that train several models together (DML's peers). */
  readonly together?: TrainedTogether;
  /** How a worker thread rebuilds this distiller around its own copies of the models; absent where a method does not train with threads > 1. */
  replicaRecipe?(): ReplicaRecipe;
  /** Why the method cannot train with threads > 1, where that is by design rather than not built yet (CRD's memory banks). */
  readonly singleThreadReason?: string;
  /**
   * The frozen teachers whose inference-mode outputs the method reads, in the order of
   * `TrainBatch.teacherOutputs`: with augmentation (no cache) another thread can compute them for
   * the next batch while this one trains.
   */
  aheadTeachers?(): AheadTeachers;
  dispose(): void;
}

/** One of several models trained together: its own optimizer, loss terms, epoch events, checkpoints and summary row. */
export interface TrainMember {
  role: string;
  model: ZooModel;
  variables(): tf.Variable[];
}

export interface TrainedTogether {
  readonly members: TrainMember[];
  /**
   * 'in-turn': within a step each member updates in order, its loss computed afresh after the
   * members before it have updated; 'joint': every member updates from one forward pass.
   */
  readonly update: 'in-turn' | 'joint';
  /** Member i's loss terms (its variables are the only ones updated from them). */
  forwardMember(i: number, batch: TrainBatch, context: StepContext): StepOutput;
  /** Every member's loss terms from one forward pass, in member order. */
  forwardAll(batch: TrainBatch, context: StepContext): StepOutput[];
}

/** A distiller's method and options, as plain data a worker thread can receive. */
export type ReplicaBuild =
  | { kind: 'supervised'; method: 'teacher' | 'scratch' }
  | { kind: 'kd'; method: KdMethod; options: KdOptions }
  | { kind: 'dkd'; options: DkdOptions }
  | { kind: 'at'; options: AtOptions }
  | { kind: 'sad'; options: SadOptions }
  | { kind: 'srrl'; options: SrrlOptions }
  | { kind: 'fitnet'; options: FitnetOptions; stage: 'joint' | 'hint' }
  | { kind: 'multi-teacher'; options: MultiTeacherOptions }
  | { kind: 'unlabeled'; temperature: number }
  | { kind: 'pkd'; options: PkdOptions }
  | { kind: 'tinybert'; options: TinyBertOptions; stage: 'intermediate' | 'prediction' }
  | { kind: 'distilbert'; options: DistilBertOptions }
  | { kind: 'minilm'; options: MiniLmOptions; stage: 'intermediate' | 'finetune' }
  | { kind: 'dml'; update: 'alternating' | 'simultaneous'; roles: string[] };

/**
 * What data-parallel training (src/core/train/parallel) needs to rebuild a distiller in a worker
 * thread: the method and its options, and its frozen teachers (none, one, or multi-teacher's
 * several; for DML, the peers after the first, which train), copied by weights as the student is. The modules a method adds (regressors,
 * connectors) are rebuilt from the options and then given the main thread's trainable values.
 */
export interface ReplicaRecipe {
  build: ReplicaBuild;
  teachers: ZooModel[];
}

export function requireLabels(batch: TrainBatch, method: string): tf.Tensor1D {
  if (!batch.y) throw new Error(`method "${method}" needs labelled batches, got a batch without labels`);
  return batch.y;
}
