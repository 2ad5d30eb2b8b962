// The same computation on the cpu backend and on wasm, compared element by element: how the wasm
// kernels are checked (tfjs's cpu backend is the reference).
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';

/** Runs `compute` on `backend` (fresh tensors: build the inputs inside) and reads every output. */
export async function runOn(backend: 'cpu' | 'wasm', compute: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(compute);
  const list = Array.isArray(out) ? out : [out];
  const read = list.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(list);
  return read;
}

/** |actual − expected| ≤ relTol · max(1, max |expected|) everywhere. */
export function assertClose(actual: Float32Array, expected: Float32Array, label: string, relTol = 1e-5): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  const tolerance = relTol * scale;
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) assert.fail(`${label}: element ${i} is ${actual[i]}, cpu says ${expected[i]} (tolerance ${tolerance})`);
  }
}

/** Every output of `compute` on wasm within `relTol` of cpu's; cpu is the backend afterwards. */
export async function assertWasmMatchesCpu(label: string, compute: () => tf.Tensor | tf.Tensor[], relTol?: number): Promise<void> {
  const cpu = await runOn('cpu', compute);
  const wasm = await runOn('wasm', compute);
  await tf.setBackend('cpu');
  assert.equal(wasm.length, cpu.length, `${label}: number of outputs`);
  cpu.forEach((expected, i) => assertClose(wasm[i], expected, `${label} [output ${i}]`, relTol));
}
