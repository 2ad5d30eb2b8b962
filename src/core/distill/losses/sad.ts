import * as tf from '@tensorflow/tfjs-core';
import { meanSquaredError } from './mse';
import { stopGradient } from './stop-gradient';

export type SadMapFn = 'sum' | 'sum-p' | 'max-p';
export interface SadOptions {
  fn: SadMapFn;
  p: number;
}

/** SAD's G over channels of |A|: Σ_c|A_c|, Σ_c|A_c|^p or max_c|A_c|^p, shape [B, H, W]. */
export function sadAttentionMap(f: tf.Tensor4D, options: SadOptions): tf.Tensor3D {
  const { fn, p } = options;
  return tf.tidy(() => {
    const a = tf.abs(f);
    switch (fn) {
      case 'sum':
        return tf.sum(a, 3) as tf.Tensor3D;
      case 'sum-p':
        return tf.sum(tf.pow(a, p), 3) as tf.Tensor3D;
      case 'max-p':
        // max_c |A_c|^p = (max_c |A_c|)^p for p > 0.
        return tf.pow(tf.max(a, 3), p) as tf.Tensor3D;
      default:
        throw new Error(`sadAttentionMap: unknown map function '${fn as string}'`);
    }
  });
}

/** Ψ: bilinear resize of a [B, H, W] map to size, then softmax over the H·W positions. */
function psi(map: tf.Tensor3D, size: [number, number]): tf.Tensor2D {
  const [b, h, w] = map.shape;
  const resized =
    h === size[0] && w === size[1] ? map : tf.squeeze(tf.image.resizeBilinear(tf.expandDims(map, 3) as tf.Tensor4D, size, false), [3]);
  return tf.softmax(tf.reshape(resized, [b, size[0] * size[1]]));
}

/**
 * Self attention distillation: Σ_m MSE(Ψ(G(A_m)), Ψ(G(A_{m+1}))), each block mimicking the next,
 * the deeper (target) map held constant.
 */
export function sadLoss(blocks: tf.Tensor4D[], options: SadOptions): tf.Scalar {
  if (blocks.length < 2) throw new Error(`sadLoss: need at least 2 blocks, got ${blocks.length}`);
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [];
    for (let m = 0; m + 1 < blocks.length; m++) {
      const [ba, ha, wa] = blocks[m].shape;
      const [bb, hb, wb] = blocks[m + 1].shape;
      if (ba !== bb) throw new Error(`sadLoss: batch sizes differ between blocks ${m} and ${m + 1}`);
      const size: [number, number] = ha * wa < hb * wb ? [ha, wa] : [hb, wb];
      const student = psi(sadAttentionMap(blocks[m], options), size);
      const target = stopGradient(psi(sadAttentionMap(blocks[m + 1], options), size));
      terms.push(meanSquaredError(student, target));
    }
    return tf.addN(terms) as tf.Scalar;
  });
}
