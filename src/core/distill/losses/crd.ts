import * as tf from '@tensorflow/tfjs-core';

/** RepDistiller's ε in the NCE loss (`crd/criterion.py`). */
export const NCE_EPS = 1e-7;
const EPS = NCE_EPS;

/** Σ of every entry; its gradient broadcasts dy (tf.sum's builds a ones tensor on the host). */
function sumAll(x: tf.Tensor): tf.Scalar {
  const op = tf.customGrad((input) => {
    const t = input as tf.Tensor;
    return {
      value: tf.sum(t),
      gradFunc: (dy) =>
        tf.broadcastTo(
          tf.reshape(
            dy,
            t.shape.map(() => 1),
          ),
          t.shape,
        ),
    };
  });
  return op(x) as tf.Scalar;
}

/**
 * CRD's NCE loss on scores [B, K+1], column 0 the positive, with noise probability K/N per sample:
 * −(1/B)·Σ[log(s⁺/(s⁺+K/N+ε)) + Σ_k log((K/N)/(s⁻_k+K/N+ε))].
 *
 * Computed as (1/B)·[Σ_all log1p((s+ε)/c) − Σ_b log1p((s⁺+ε)/c) + Σ_b log1p((c+ε)/s⁺)], c = K/N:
 * the same terms, with no slice of the [B, K+1] matrix (on wasm a slice copies the whole input
 * back to the host); the positives come out by a product with the first unit vector.
 */
export function contrastLoss(scores: tf.Tensor2D, nData: number): tf.Scalar {
  const [batch, columns] = scores.shape;
  if (columns < 2) throw new Error(`contrastLoss: need a positive and at least one negative column, got ${columns}`);
  return tf.tidy(() => {
    const noise = (columns - 1) / nData;
    const first = new Float32Array(columns);
    first[0] = 1;
    const pos = tf.matMul(scores, tf.tensor2d(first, [columns, 1]));
    const asNoise = (s: tf.Tensor) => tf.log1p(tf.add(tf.mul(s, 1 / noise), EPS / noise));
    const noiseTerms = tf.sub(sumAll(asNoise(scores)), tf.sum(asNoise(pos)));
    const positiveTerms = tf.sum(tf.log1p(tf.div(noise + EPS, pos)));
    return tf.div(tf.add(noiseTerms, positiveTerms), batch) as tf.Scalar;
  });
}
