import * as tf from '@tensorflow/tfjs-core';

/**
 * How the soft cross-entropy is reduced: 'batchmean' sums over classes and averages over the batch;
 * 'mean' averages over batch × classes, as TinyBERT's `soft_cross_entropy` in `task_distill.py`
 * (`(-targets_prob * student_likelihood).mean()`).
 */
export type SoftCrossEntropyReduction = 'batchmean' | 'mean';

/** Soft cross-entropy −softmax(zt/T)_c · log softmax(zs/T)_c, reduced over batch and classes as `reduction` says. */
export function softCrossEntropy(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature = 1, reduction: SoftCrossEntropyReduction = 'batchmean'): tf.Scalar {
  return tf.tidy(() => {
    const target = tf.softmax(tf.div(teacherLogits, temperature));
    const logQ = tf.logSoftmax(tf.div(studentLogits, temperature));
    const terms = tf.mul(target, logQ);
    return tf.neg(reduction === 'mean' ? tf.mean(terms) : tf.mean(tf.sum(terms, 1))) as tf.Scalar;
  });
}
