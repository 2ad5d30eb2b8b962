// tfjs-layers' BatchNormalization trains through tf.moments and tf.batchNorm, so autodiff walks
// ~30 generic kernels per layer (Tile, Sum, Mean, Multiply, ... each over the whole activation):
// on wasm that was most of a CNN training step. This layer computes the same forward pass but
// gives training a closed-form gradient (tf.customGrad): per channel, with s = 1/sqrt(var + eps),
//   dx = gamma*s * (dy - mean(dy) - xhat * mean(dy * xhat)),  xhat = (x - mean) * s
//   dgamma = sum(dy * xhat),  dbeta = sum(dy)
// Where the backend has the fused kernels (wasm: backend/wasm-kernels/batch-norm.ts) forward and
// backward are one kernel each; elsewhere the same maths is composed from tf ops.
//
// It is the stock layer in every other respect: same config, weights, inference path and moving
// statistics, and it serialises as 'BatchNormalization', so saved models load in plain
// tfjs-layers. It is also registered under that name, so models loaded here train fast too.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BATCH_NORM_GRAD, BATCH_NORM_TRAIN } from '../backend/wasm-kernels/batch-norm';
import { backendHasKernel } from './fused-kernel';

type BatchNormArgs = NonNullable<Parameters<typeof tfl.layers.batchNormalization>[0]>;
type StockLayer = ReturnType<typeof tfl.layers.batchNormalization>;
type Kwargs = Parameters<StockLayer['call']>[1];

/** The stock layer's private state, read by the fast path. */
interface Internals {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: tfl.LayerVariable | null;
  beta: tfl.LayerVariable | null;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

const CLASS_NAME = 'BatchNormalization';
/** Marks this class (a static own property), so a second evaluation of this module finds the stock base. */
const FAST = 'distillLabFastBatchNorm';

/** tfjs-layers' own class, looked up in the serialization registry (it is not exported). */
function stockClass(): new (args?: BatchNormArgs) => StockLayer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[CLASS_NAME];
  if (entry == null) throw new Error('tfjs-layers has not registered BatchNormalization');
  let cls = entry[0] as unknown as new (args?: BatchNormArgs) => StockLayer;
  // Already replaced by this class (module evaluated twice): use its base.
  while (Object.prototype.hasOwnProperty.call(cls, FAST)) cls = Object.getPrototypeOf(cls);
  return cls;
}

export class FastBatchNormalization extends stockClass() {
  static readonly className = CLASS_NAME;
  static readonly distillLabFastBatchNorm = true;

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const self = this as unknown as Internals;
    const training = kwargs['training'] ?? false;
    const axis = self.axis >= 0 ? self.axis : self.axis + input.rank;
    if (!training || axis !== input.rank - 1 || input.dtype !== 'float32' || self.gamma == null || self.beta == null) {
      return super.call(inputs, kwargs);
    }
    const { gamma, beta } = self;
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(input, gamma.read(), beta.read(), self.epsilon);
      try {
        // As the stock layer: moving = moving - (moving - batch) * (1 - momentum).
        for (const [variable, value] of [
          [self.movingMean, mean],
          [self.movingVariance, variance],
        ] as const) {
          tf.tidy(() => {
            const orig = variable.read();
            variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - self.momentum)));
          });
        }
      } finally {
        tf.dispose([mean, variance]);
      }
      return y;
    });
  }
}

tf.serialization.registerClass(FastBatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/** Drop-in for tfl.layers.batchNormalization. */
export function batchNormalization(args?: BatchNormArgs): FastBatchNormalization {
  return new FastBatchNormalization(args);
}

/**
 * Training-mode batch norm over every axis of `x` but the last: the normalised output, whose
 * gradient is the closed form above, and the batch mean and (biased) variance, which carry no
 * gradient and which the caller must dispose.
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const rows = x.size / x.shape[x.rank - 1];
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const op = tf.customGrad((xIn, g, b, save) => {
    const [x, gammaT, betaT] = [xIn, g, b] as tf.Tensor[];
    let y: tf.Tensor;
    if (backendHasKernel(BATCH_NORM_TRAIN)) {
      const out = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, scale: gammaT, offset: betaT }, { varianceEpsilon: epsilon }) as tf.Tensor[];
      [y, mean, variance] = out as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    } else {
      const moments = tf.moments(x, axes);
      mean = moments.mean as tf.Tensor1D;
      variance = moments.variance as tf.Tensor1D;
      y = tf.batchNorm(x, mean, variance, betaT, gammaT, epsilon);
    }
    // Out of customGrad's scope (it returns y only); disposed by the caller.
    tf.keep(mean);
    tf.keep(variance);
    (save as (tensors: tf.Tensor[]) => void)([x, gammaT, mean, variance]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, gs, m, v] = saved;
        if (backendHasKernel(BATCH_NORM_GRAD)) {
          const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCH_NORM_GRAD, { x: xs, dy, mean: m, variance: v, scale: gs }, { varianceEpsilon: epsilon }) as tf.Tensor[];
          return [dx, dgamma, dbeta];
        }
        const xc = tf.sub(xs, m);
        const s = tf.rsqrt(tf.add(v, epsilon));
        const sumDy = tf.sum(dy, axes);
        const sumDyXc = tf.sum(tf.mul(dy, xc), axes);
        const a = tf.mul(gs, s);
        const bCoef = tf.div(tf.mul(tf.mul(a, tf.square(s)), sumDyXc), -rows);
        const k = tf.div(tf.mul(a, sumDy), -rows);
        const dx = tf.add(tf.add(tf.mul(dy, a), tf.mul(xc, bCoef)), k);
        return [dx, tf.mul(sumDyXc, s), sumDy];
      },
    };
  });
  const y = op(x, gamma, beta);
  return { y, mean: mean!, variance: variance! };
}
