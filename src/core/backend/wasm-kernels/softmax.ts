// The gradient of softmax over the last axis as one kernel, dx = p·(dy − Σ_j dy_j·p_j) per row,
// instead of tfjs's composed Multiply, Sum, Multiply, Sub over [B, heads, L, L]. A masked key's
// probability is exactly 0, so is its gradient. Used by the attention (models/transformer-layers.ts),
// which composes the gradient from tf ops where this kernel is not registered. The forward stays
// wasm's own Softmax (XNNPACK): a SIMD one written here with this module's exp took 2.2 ms of CPU
// where XNNPACK's took 0.9 on [32, 4, 64, 64].
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdFor } from './simd';

/** Kernel name (custom; registered for wasm only). */
export const SOFTMAX_GRAD = 'DistillSoftmaxGrad';

const heap = (backend: BackendWasm, t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;

function rowsOf(t: TensorInfo): { rows: number; cols: number } {
  const cols = t.shape.length === 0 ? 1 : t.shape[t.shape.length - 1];
  const size = t.shape.reduce((a, b) => a * b, 1);
  return { rows: cols > 0 ? size / cols : 0, cols };
}

/** Inputs probs (the softmax's output), dy. Output dx = probs·(dy − Σ_last dy·probs). */
const softmaxGradKernel: KernelFunc = ({ inputs, backend }) => {
  const wasm = backend as BackendWasm;
  const { probs, dy } = inputs as { probs: TensorInfo; dy: TensorInfo };
  if (probs.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${SOFTMAX_GRAD}: probs and dy must be float32, got ${probs.dtype} and ${dy.dtype}`);
  if (dy.shape.length !== probs.shape.length || dy.shape.some((d, i) => d !== probs.shape[i])) {
    throw new Error(`${SOFTMAX_GRAD}: dy shape [${dy.shape}] differs from probs shape [${probs.shape}]`);
  }
  const { rows, cols } = rowsOf(probs);
  const dx = wasm.makeOutput(probs.shape, 'float32');
  const simd = cols % 4 === 0 ? simdFor(wasm) : null;
  if (simd) {
    simd.fn.smgrad({ p: simd.address(probs), dy: simd.address(dy), dx: simd.address(dx), rows, cols });
    return dx;
  }
  const [ps, dys, dxs] = [probs, dy, dx].map((t) => heap(wasm, t));
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += dys[o + c] * ps[o + c];
    for (let c = 0; c < cols; c++) dxs[o + c] = ps[o + c] * (dys[o + c] - s);
  }
  return dx;
};

export const softmaxGradConfig: KernelConfig = { kernelName: SOFTMAX_GRAD, backendName: 'wasm', kernelFunc: softmaxGradKernel };
