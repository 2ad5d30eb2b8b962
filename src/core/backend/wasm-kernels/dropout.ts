// Dropout masks of the transformer's seeded streams (models/transformer-layers.ts: DropoutStream):
// each element 1/keep with probability keep, else 0, from mulberry32 (src/shared/rng.ts) as a JS
// loop draws them, bit for bit, but four draws per SIMD step on the heap (simd/dropout-mask.ts)
// instead of a JS loop filling a Float32Array that is then copied in: a teacher step draws ~4.5
// million of them. The stream's state is passed in; the caller advances it by the mask's size.
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createRng } from '../../../shared/rng';
import { simdFor } from './simd';
import { MULBERRY_STEP } from './simd/dropout-mask';

/** Kernel name (custom; registered for wasm only). */
export const DROPOUT_MASK = 'DistillDropoutMask';

export { MULBERRY_STEP };

/** mulberry32's state after `draws` draws from `state`. */
export function advanceMulberry(state: number, draws: number): number {
  return (state + Math.imul(draws, MULBERRY_STEP)) >>> 0;
}

/** No inputs; attrs shape, state (mulberry32's, an unsigned 32-bit integer), rate in (0, 1). Output the float32 mask. */
const dropoutMaskKernel: KernelFunc = ({ backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { shape, state, rate } = attrs as unknown as { shape: number[]; state: number; rate: number };
  if (!(rate > 0 && rate < 1)) throw new Error(`${DROPOUT_MASK}: rate must be in (0, 1), got ${rate}`);
  if (!Number.isInteger(state) || state < 0 || state >= 2 ** 32) throw new Error(`${DROPOUT_MASK}: state must be an unsigned 32-bit integer, got ${state}`);
  const out = wasm.makeOutput(shape, 'float32');
  const size = shape.reduce((a, b) => a * b, 1);
  const keep = 1 - rate;
  const threshold = Math.ceil(keep * 2 ** 32);
  // A keep this close to 1 would need a threshold of 2³²: the JS loop takes it.
  const simd = threshold < 2 ** 32 ? simdFor(wasm) : null;
  const quads = simd ? size >> 2 : 0;
  if (simd && quads > 0) {
    const scaleBits = new Int32Array(new Float32Array([1 / keep]).buffer)[0];
    simd.fn.dropmask({ out: simd.address(out), quads, state: state | 0, threshold: threshold | 0, scaleBits });
  }
  const mask = wasm.typedArrayFromHeap(out) as Float32Array;
  const random = createRng(advanceMulberry(state, quads * 4));
  for (let i = quads * 4; i < size; i++) mask[i] = random() < keep ? 1 / keep : 0;
  return out;
};

export const dropoutMaskConfig: KernelConfig = { kernelName: DROPOUT_MASK, backendName: 'wasm', kernelFunc: dropoutMaskKernel };
