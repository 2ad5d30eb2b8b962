import * as tf from '@tensorflow/tfjs-core';
import { meanSquaredError } from './mse';

/**
 * SRRL: feature loss MSE(c(f_s), f_t) and softmax-regression loss MSE(head_t(c(f_s)), z_t).
 * Gradients flow through the teacher's head into the connected feature; the caller freezes the
 * head by not optimising its weights.
 */
export function srrlLoss(
  connectedFs: tf.Tensor2D,
  ft: tf.Tensor2D,
  teacherHead: (x: tf.Tensor2D) => tf.Tensor2D,
  zt: tf.Tensor2D,
): { featureLoss: tf.Scalar; softmaxRegressionLoss: tf.Scalar } {
  return tf.tidy(() => ({
    featureLoss: meanSquaredError(connectedFs, ft),
    softmaxRegressionLoss: meanSquaredError(teacherHead(connectedFs), zt),
  }));
}
