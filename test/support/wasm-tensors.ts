// Shared by the wasm kernel tests: deterministic inputs and a leak check that also watches the
// wasm backend's buffers and heap.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Deterministic values in [-1, 1), the same on every backend. */
export function values(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = ((state >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Values in [offset - spread, offset + spread), per element. */
export function randomTensor(shape: number[], seed: number, offset = 0, spread = 1): tf.Tensor {
  const v = values(
    shape.reduce((a, b) => a * b, 1),
    seed,
  );
  if (offset !== 0 || spread !== 1) for (let i = 0; i < v.length; i++) v[i] = v[i] * spread + offset;
  return tf.tensor(v, shape);
}

/** `compute`'s tensors on `backend`, read back (and disposed). */
export async function readOn(backend: string, compute: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(compute);
  const list = Array.isArray(out) ? out : [out];
  const read = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  return read;
}

export const wasmBackend = () => tf.findBackend('wasm') as BackendWasm;

/** Size of the wasm heap (it grows, never shrinks). */
const heapBytes = () => (wasmBackend().wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer.byteLength;

/** Asserts that repeating `body` leaves no engine tensors, no wasm buffers, and no heap growth behind. */
export async function assertNoLeak(body: () => void): Promise<void> {
  await tf.setBackend('wasm');
  body();
  body();
  const tensors = tf.memory().numTensors;
  const buffers = wasmBackend().numDataIds();
  const heap = heapBytes();
  for (let i = 0; i < 5; i++) body();
  assert.equal(tf.memory().numTensors, tensors, 'engine tensors grew');
  assert.equal(wasmBackend().numDataIds(), buffers, 'wasm data buffers grew');
  assert.equal(heapBytes(), heap, 'wasm heap grew');
}
