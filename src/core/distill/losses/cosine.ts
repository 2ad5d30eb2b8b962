import * as tf from '@tensorflow/tfjs-core';
import { l2NormalizeRows } from './l2-normalize';

/** DistilBERT's cosine loss: mean over the batch of 1 − cos(hs, ht). */
export function cosineLoss(hs: tf.Tensor2D, ht: tf.Tensor2D): tf.Scalar {
  if (!tf.util.arraysEqual(hs.shape, ht.shape)) {
    throw new Error(`cosineLoss: shapes differ, [${hs.shape}] vs [${ht.shape}]`);
  }
  return tf.tidy(() => {
    const cos = tf.sum(tf.mul(l2NormalizeRows(hs, 1e-8), l2NormalizeRows(ht, 1e-8)), 1);
    return tf.mean(tf.sub(1, cos)) as tf.Scalar;
  });
}
