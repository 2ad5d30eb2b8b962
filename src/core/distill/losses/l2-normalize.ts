import * as tf from '@tensorflow/tfjs-core';

/** Each row divided by max(‖row‖₂, eps), as PyTorch's F.normalize (eps 1e-12). */
export function l2NormalizeRows(x: tf.Tensor2D, eps = 1e-12): tf.Tensor2D {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.square(x), 1, true));
    return tf.div(x, tf.maximum(norm, eps)) as tf.Tensor2D;
  });
}
