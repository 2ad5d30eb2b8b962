import * as tf from '@tensorflow/tfjs-core';
import { l2NormalizeRows } from './l2-normalize';

/** Zagoruyko & Komodakis' attention map: L2-normalised flatten(mean_c |f|^p), shape [B, H·W]. */
export function attentionMap(f: tf.Tensor4D, p: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, h, w] = f.shape;
    const map = tf.mean(tf.pow(tf.abs(f), p), 3);
    return l2NormalizeRows(tf.reshape(map, [b, h * w]));
  });
}

function integerFactor(big: number, small: number, what: string): number {
  const factor = big / small;
  if (!Number.isInteger(factor)) {
    throw new Error(`attentionTransferLoss: ${what} ${big} is not an integer multiple of ${small}; cannot pool to match`);
  }
  return factor;
}

/** Average-pools the larger of two NHWC feature maps down to the smaller's spatial size. */
function poolToMatch(a: tf.Tensor4D, b: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  const [, ha, wa] = a.shape;
  const [, hb, wb] = b.shape;
  if (ha === hb && wa === wb) return [a, b];
  const pool = (x: tf.Tensor4D, fh: number, fw: number) => tf.avgPool(x, [fh, fw], [fh, fw], 'valid');
  if (ha >= hb && wa >= wb) return [pool(a, integerFactor(ha, hb, 'height'), integerFactor(wa, wb, 'width')), b];
  if (hb >= ha && wb >= wa) return [a, pool(b, integerFactor(hb, ha, 'height'), integerFactor(wb, wa, 'width'))];
  throw new Error(`attentionTransferLoss: spatial sizes ${ha}×${wa} and ${hb}×${wb} are not ordered; cannot pool to match`);
}

/** AT loss for one pair of blocks: mean of (a(f_s) − a(f_t))² after pooling to the smaller size. */
export function attentionTransferLoss(fs: tf.Tensor4D, ft: tf.Tensor4D, p: number): tf.Scalar {
  if (fs.shape[0] !== ft.shape[0]) {
    throw new Error(`attentionTransferLoss: batch sizes differ, ${fs.shape[0]} vs ${ft.shape[0]}`);
  }
  return tf.tidy(() => {
    const [s, t] = poolToMatch(fs, ft);
    return tf.mean(tf.squaredDifference(attentionMap(s, p), attentionMap(t, p))) as tf.Scalar;
  });
}
