import * as tf from '@tensorflow/tfjs-core';

const EPS = 1e-7;

/**
 * CRD's NCE loss on scores [B, K+1], column 0 the positive, with noise probability K/N per sample:
 * −(1/B)·Σ[log(s⁺/(s⁺+K/N+ε)) + Σ_k log((K/N)/(s⁻_k+K/N+ε))].
 */
export function contrastLoss(scores: tf.Tensor2D, nData: number): tf.Scalar {
  const [batch, columns] = scores.shape;
  if (columns < 2) throw new Error(`contrastLoss: need a positive and at least one negative column, got ${columns}`);
  return tf.tidy(() => {
    const noise = (columns - 1) / nData;
    const pos = tf.slice(scores, [0, 0], [batch, 1]);
    const neg = tf.slice(scores, [0, 1], [batch, columns - 1]);
    const logD1 = tf.log(tf.div(pos, tf.add(pos, noise + EPS)));
    const logD0 = tf.log(tf.div(noise, tf.add(neg, noise + EPS)));
    return tf.div(tf.neg(tf.add(tf.sum(logD1), tf.sum(logD0))), batch) as tf.Scalar;
  });
}
