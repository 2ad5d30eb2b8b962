import * as tf from '@tensorflow/tfjs-core';
import { l2NormalizeRows } from './l2-normalize';
import { meanSquaredError } from './mse';

/** PKD patience loss: Σ over layers of MSE between per-sample L2-normalised hidden states. */
export function pkdLoss(hsList: tf.Tensor2D[], htList: tf.Tensor2D[]): tf.Scalar {
  if (hsList.length !== htList.length || hsList.length === 0) {
    throw new Error(`pkdLoss: need as many student as teacher layers (≥1), got ${hsList.length} and ${htList.length}`);
  }
  return tf.tidy(
    () =>
      tf.addN(hsList.map((hs, l) => meanSquaredError(l2NormalizeRows(hs), l2NormalizeRows(htList[l])))) as tf.Scalar,
  );
}
