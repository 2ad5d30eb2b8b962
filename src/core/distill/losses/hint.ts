import type * as tf from '@tensorflow/tfjs-core';
import { meanSquaredError } from './mse';

/** FitNets hint loss: MSE between the regressed student hint and the teacher's feature. */
export function hintLoss(regressed: tf.Tensor, ft: tf.Tensor): tf.Scalar {
  return meanSquaredError(regressed, ft);
}
