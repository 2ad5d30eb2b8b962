import * as tf from '@tensorflow/tfjs-core';

/**
 * Soft cross-entropy −Σ_c softmax(zt/T)_c · log softmax(zs/T)_c, summed over classes and averaged
 * over the batch (TinyBERT's `soft_cross_entropy` also averages over classes: a constant factor).
 */
export function softCrossEntropy(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature = 1): tf.Scalar {
  return tf.tidy(() => {
    const target = tf.softmax(tf.div(teacherLogits, temperature));
    const logQ = tf.logSoftmax(tf.div(studentLogits, temperature));
    return tf.neg(tf.mean(tf.sum(tf.mul(target, logQ), 1))) as tf.Scalar;
  });
}
