import * as tf from '@tensorflow/tfjs-core';

/** Mean over all elements of (a − b)²; the shapes must be equal. */
export function meanSquaredError(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  if (!tf.util.arraysEqual(a.shape, b.shape)) {
    throw new Error(`meanSquaredError: shapes differ, [${a.shape}] vs [${b.shape}]`);
  }
  return tf.tidy(() => tf.mean(tf.squaredDifference(a, b)) as tf.Scalar);
}
