import * as tf from '@tensorflow/tfjs-core';

/** Whether the current backend has kernel `name`: wasm has this project's fused kernels (backend/wasm-kernels); cpu and tfjs-node do not. */
export function backendHasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) != null;
}
