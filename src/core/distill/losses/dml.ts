import * as tf from '@tensorflow/tfjs-core';
import { softKl } from '../losses';
import { stopGradient } from './stop-gradient';

/** Deep mutual learning, peer i: Σ_{j≠i} KL(p_j ‖ p_i)/(K−1) at T = 1, the other peers held constant. */
export function dmlLoss(logits: tf.Tensor2D[], i: number): tf.Scalar {
  const k = logits.length;
  if (k < 2) throw new Error(`dmlLoss: need at least 2 peers, got ${k}`);
  if (!Number.isInteger(i) || i < 0 || i >= k) throw new Error(`dmlLoss: peer index ${i} outside [0, ${k})`);
  return tf.tidy(() => {
    const terms = logits.filter((_, j) => j !== i).map((zj) => softKl(stopGradient(zj), logits[i], 1));
    return tf.div(tf.addN(terms), k - 1) as tf.Scalar;
  });
}
