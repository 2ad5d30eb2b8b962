import type * as tf from '@tensorflow/tfjs-core';
import type { MethodName } from '../../protocol';
import type { ZooModel } from '../models/zoo-model';

export interface TrainBatch {
  x: tf.Tensor;
  /** Class labels, or null where the method trains without them (a transfer set). */
  y: tf.Tensor1D | null;
  /** Dataset indices of the batch's samples (CRD's memory bank reads them). */
  indices: Int32Array;
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
  /** The model this method trains. */
  readonly student: ZooModel;
  /** Whether the method reads labels; a transfer set without labels needs false. */
  readonly usesLabels: boolean;
  /** Variables the optimizer updates: the student's and any module the method adds. */
  trainableVariables(): tf.Variable[];
  forwardTrain(batch: TrainBatch, context: StepContext): StepOutput;
  dispose(): void;
}

export function requireLabels(batch: TrainBatch, method: string): tf.Tensor1D {
  if (!batch.y) throw new Error(`method "${method}" needs labelled batches, got a batch without labels`);
  return batch.y;
}
