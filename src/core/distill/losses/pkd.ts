import * as tf from '@tensorflow/tfjs-core';
import { l2NormalizeRows } from './l2-normalize';
import { meanSquaredError } from './mse';

/**
 * PKD patience loss, as PKD-BERT's `patience_loss` with normalised patience: the MSE between the
 * per-sample L2-normalised student and teacher states stacked over layers, i.e. the mean over the
 * layers of their per-layer MSEs (`F.mse_loss` over [B, L, D]). Layers of different widths, which
 * cannot be stacked, each count once in that mean.
 */
export function pkdLoss(hsList: tf.Tensor2D[], htList: tf.Tensor2D[]): tf.Scalar {
  if (hsList.length !== htList.length || hsList.length === 0) {
    throw new Error(`pkdLoss: need as many student as teacher layers (≥1), got ${hsList.length} and ${htList.length}`);
  }
  return tf.tidy(() => {
    const perLayer = hsList.map((hs, l) => meanSquaredError(l2NormalizeRows(hs), l2NormalizeRows(htList[l])));
    return tf.div(tf.addN(perLayer), perLayer.length) as tf.Scalar;
  });
}
