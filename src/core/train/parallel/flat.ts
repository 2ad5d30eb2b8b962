import * as tf from '@tensorflow/tfjs-core';

/** One replica's gradients as a single flat array, in the order of its variables, and which variables the loss reached. */
export interface FlatGradients {
  values: Float32Array;
  present: boolean[];
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Every gradient concatenated into one array (a variable the loss did not reach counts as zeros
 * and is marked absent), read back once: one transferable buffer per replica and step. The copy
 * owns its buffer, so it can be handed to another thread without detaching the backend's memory.
 */
export function flattenGradients(variables: tf.Variable[], grads: tf.NamedTensorMap): FlatGradients {
  const present = variables.map((v) => grads[v.name] !== undefined);
  const flat = tf.tidy(() => tf.concat(variables.map((v) => tf.reshape(grads[v.name] ?? tf.zeros(v.shape), [-1]))));
  const values = (flat.dataSync() as Float32Array).slice();
  flat.dispose();
  return { values, present };
}

/** Σ_r weight_r · values_r, summed in the order given, so every caller gets the same bits. */
export function weightedSum(parts: { values: Float32Array; weight: number }[]): Float32Array {
  const length = parts[0]?.values.length ?? 0;
  const out = new Float32Array(length);
  for (const { values, weight } of parts) {
    if (values.length !== length) throw new Error(`weightedSum: expected ${length} values from every replica, got ${values.length}`);
    for (let i = 0; i < length; i++) out[i] += weight * values[i];
  }
  return out;
}

/** Applies flat gradients (as flattenGradients lays them out) with `optimizer`; absent variables get no update. */
export function applyFlatGradients(optimizer: tf.Optimizer, variables: tf.Variable[], values: Float32Array, present: boolean[]): void {
  const expected = variables.reduce((sum, v) => sum + sizeOf(v.shape), 0);
  if (values.length !== expected) throw new Error(`applyFlatGradients: expected ${expected} gradient values for ${variables.length} variables, got ${values.length}`);
  tf.tidy(() => {
    const grads: tf.NamedTensorMap = {};
    let offset = 0;
    variables.forEach((v, i) => {
      const size = sizeOf(v.shape);
      if (present[i]) grads[v.name] = tf.tensor(values.subarray(offset, offset + size), v.shape, 'float32');
      offset += size;
    });
    optimizer.applyGradients(grads);
  });
}

/** Tensors' values, concatenated into one array that owns its buffer. */
export function packTensors(tensors: tf.Tensor[]): Float32Array {
  const out = new Float32Array(tensors.reduce((sum, t) => sum + t.size, 0));
  let offset = 0;
  for (const t of tensors) {
    out.set(t.dataSync() as Float32Array, offset);
    offset += t.size;
  }
  return out;
}
