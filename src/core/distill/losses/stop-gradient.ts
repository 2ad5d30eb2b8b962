import * as tf from '@tensorflow/tfjs-core';

const stop = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
  // A clone, not the input itself: the op's output must be a new tensor for the tape.
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/** The value of x, through which no gradient flows (PyTorch's `detach`). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}
