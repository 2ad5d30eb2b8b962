import * as tf from '@tensorflow/tfjs-core';
import { kdLoss } from '../losses';

export interface DkdOptions {
  alpha: number;
  beta: number;
  temperature: number;
}

/** [p_gt, Σ_{c≠gt} p_c] per sample. */
function binaryProbs(probs: tf.Tensor2D, gtMask: tf.Tensor2D): tf.Tensor2D {
  const gt = tf.sum(tf.mul(probs, gtMask), 1, true);
  const other = tf.sum(tf.mul(probs, tf.sub(1, gtMask)), 1, true);
  return tf.concat([gt, other], 1) as tf.Tensor2D;
}

/**
 * Decoupled KD (mdistiller `dkd_loss`): α·TCKD + β·NCKD, each a KL summed over classes, divided by
 * the batch size and scaled by T². NCKD masks the ground-truth class by subtracting 1000 from its
 * logit/T. The warm-up factor is the caller's.
 */
export function dkdLoss(zs: tf.Tensor2D, zt: tf.Tensor2D, labels: tf.Tensor1D, options: DkdOptions): tf.Scalar {
  const { alpha, beta, temperature: t } = options;
  return tf.tidy(() => {
    const [batch, classes] = zs.shape;
    const gtMask = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), classes), 'float32') as tf.Tensor2D;
    const bs = binaryProbs(tf.softmax(tf.div<tf.Tensor2D>(zs, t)), gtMask);
    const bt = binaryProbs(tf.softmax(tf.div<tf.Tensor2D>(zt, t)), gtMask);
    // bt·log bt with 0·log 0 = 0 (PyTorch's kl_div); the clamp only matters where bt underflows to 0.
    const btLogBt = tf.mul(bt, tf.log(tf.maximum(bt, 1e-30)));
    const tckd = tf.div(tf.mul(tf.sum(tf.sub(btLogBt, tf.mul(bt, tf.log(bs)))), t * t), batch);
    // zt − 1000·T·gt, divided by T inside kdLoss, is zt/T − 1000·gt as in mdistiller.
    const mask = tf.mul(gtMask, 1000 * t);
    const nckd = kdLoss(tf.sub(zs, mask), tf.sub(zt, mask), t);
    return tf.add(tf.mul(tckd, alpha), tf.mul(nckd, beta)) as tf.Scalar;
  });
}
