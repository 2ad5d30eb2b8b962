import * as tf from '@tensorflow/tfjs-core';
import { meanSquaredError } from './mse';

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

/**
 * Bilinear resize of a [B, H, W] map with half-pixel centres: output position d reads the input at
 * (d + 0.5)·in/out − 0.5, clamped at 0, as PyTorch's `interpolate(mode='bilinear',
 * align_corners=False)` (ENet-SAD's `at_gen_upsample`).
 */
function resizeMap(map: tf.Tensor3D, size: [number, number]): tf.Tensor3D {
  const [, h, w] = map.shape;
  if (h === size[0] && w === size[1]) return map;
  return tf.squeeze(tf.image.resizeBilinear(tf.expandDims(map, 3) as tf.Tensor4D, size, false, true), [3]) as tf.Tensor3D;
}

/** Ψ: softmax of a [B, H, W] map over its H·W positions, flattened to [B, H·W]. */
function spatialSoftmax(map: tf.Tensor3D): tf.Tensor2D {
  const [b, h, w] = map.shape;
  return tf.softmax(tf.reshape(map, [b, h * w]));
}

/**
 * The target Ψ(resize(G(A))) of a deeper block, held constant (detached). It is computed inside a
 * custom-gradient op whose gradient is zero, so none of its ops is on the gradient tape: the
 * resize's backward kernel (which on the CPU backend ignores half-pixel centres and returns a
 * transposed shape for non-square maps) never runs.
 */
function detachedTarget(block: tf.Tensor4D, options: SadOptions, size: [number, number]): tf.Tensor2D {
  const target = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor4D;
    return { value: spatialSoftmax(resizeMap(sadAttentionMap(x, options), size)), gradFunc: () => tf.zerosLike(x) };
  });
  return target(block) as tf.Tensor2D;
}

/**
 * Self attention distillation: Σ_m MSE(Ψ(G(A_m)), Ψ(resize(G(A_{m+1})))), each block mimicking the
 * next. As ENet-SAD's `at_gen`: G of each block, the deeper (target) map resized bilinearly to the
 * shallower map's size (so the trained block keeps every position, whichever map is larger), Ψ the
 * spatial softmax, MSE averaged over batch × positions; the target is held constant (detached).
 */
export function sadLoss(blocks: tf.Tensor4D[], options: SadOptions): tf.Scalar {
  if (blocks.length < 2) throw new Error(`sadLoss: need at least 2 blocks, got ${blocks.length}`);
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [];
    for (let m = 0; m + 1 < blocks.length; m++) {
      const [ba, ha, wa] = blocks[m].shape;
      const [bb] = blocks[m + 1].shape;
      if (ba !== bb) throw new Error(`sadLoss: batch sizes differ between blocks ${m} and ${m + 1}`);
      const student = spatialSoftmax(sadAttentionMap(blocks[m], options));
      const target = detachedTarget(blocks[m + 1], options, [ha, wa]);
      terms.push(meanSquaredError(student, target));
    }
    return tf.addN(terms) as tf.Scalar;
  });
}
