import * as tf from '@tensorflow/tfjs-core';
import { kdLoss } from '../losses';

export interface KdTermOptions {
  kdWeight: number;
  temperature: number;
}

/** The KD term a feature method may add, kdWeight·T²·KL(p_t‖p_s), as `{ kd }`; nothing when the weight is 0. */
export function kdTerm(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, options: KdTermOptions): Record<string, tf.Scalar> {
  if (options.kdWeight === 0) return {};
  return { kd: tf.mul(kdLoss(studentLogits, teacherLogits, options.temperature), options.kdWeight) as tf.Scalar };
}
