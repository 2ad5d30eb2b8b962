import * as tf from '@tensorflow/tfjs-core';
import { meanSquaredError } from './mse';
import { softCrossEntropy } from './soft-cross-entropy';

/** Global average pooling of an NHWC map to [B, C]; a [B, D] vector passes through. */
function gap(x: tf.Tensor): tf.Tensor2D {
  return (x.rank === 4 ? tf.mean(x, [1, 2]) : x) as tf.Tensor2D;
}

/**
 * SRRL: feature loss MSE(GAP(c(f_s)), GAP(f_t)) and softmax-regression loss
 * MSE(head_t(GAP(c(f_s))), z_t) (or, with `sr` 'ce', the soft cross-entropy of the same logits).
 * Maps [B, H, W, C] are pooled first, as in KD_SRRL: its feature term (`statm_loss`) compares
 * the per-channel spatial means of the connected student map and the teacher's map, and its SR
 * term sends the connected map through the teacher's own average pooling and fc. The two maps
 * may differ in H×W. Vectors [B, C] (SimKD's pooled connector) are compared as they are.
 * Gradients flow through the teacher's head into the connected feature; the caller freezes the
 * head by not optimising its weights.
 */
export function srrlLoss(
  connectedFs: tf.Tensor,
  ft: tf.Tensor,
  teacherHead: (x: tf.Tensor2D) => tf.Tensor2D,
  zt: tf.Tensor2D,
  sr: 'l2' | 'ce' = 'l2',
): { featureLoss: tf.Scalar; softmaxRegressionLoss: tf.Scalar } {
  return tf.tidy(() => {
    const fs = gap(connectedFs);
    const target = gap(ft);
    const zs = teacherHead(fs);
    return {
      featureLoss: meanSquaredError(fs, target),
      softmaxRegressionLoss: sr === 'l2' ? meanSquaredError(zs, zt) : softCrossEntropy(zs, zt),
    };
  });
}
