import * as tf from '@tensorflow/tfjs-core';

/**
 * Each row divided by max(‖row‖₂, eps), as PyTorch's F.normalize (eps 1e-12). The norm is taken as
 * sqrt(max(Σx², eps²)) — the same value — so an all-zero row (a layer whose ReLUs are all off)
 * gets a finite gradient instead of sqrt's 0/0 = NaN.
 */
export function l2NormalizeRows(x: tf.Tensor2D, eps = 1e-12): tf.Tensor2D {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(x), 1, true), eps * eps));
    return tf.div(x, norm) as tf.Tensor2D;
  });
}
