import * as tf from '@tensorflow/tfjs-core';

/** Mean over the batch of −log softmax(z)[y]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits);
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbs), 1))) as tf.Scalar;
  });
}

/** KL(p‖q) of two logit sets at temperature T, summed over classes, averaged over the batch. */
export function softKl(targetLogits: tf.Tensor2D, logits: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const logP = tf.logSoftmax(tf.div(targetLogits, temperature));
    const logQ = tf.logSoftmax(tf.div(logits, temperature));
    return tf.mean(tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), 1)) as tf.Scalar;
  });
}

/**
 * Hinton et al.'s soft-target loss: T²·KL(softmax(zt/T) ‖ softmax(zs/T)), summed over classes and
 * averaged over the batch. The T² keeps the gradient's scale independent of T.
 */
export function kdLoss(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => tf.mul(softKl(teacherLogits, studentLogits, temperature), temperature * temperature) as tf.Scalar);
}
