// BERT's GELU, x·Φ(x) with Φ the standard normal CDF (the erf form, not the tanh
// approximation), and its gradient dy·(Φ(x) + x·φ(x)), φ(x) = exp(−x²/2)/√(2π), each one pass
// over the tensor (the forward also returns Φ(x) for the gradient). Composed from tf ops (Erf, Exp, Multiply, Add, ...) a GELU layer costs ~10
// kernels over the [B, L, intermediate] activation per step, and wasm's Exp and Erf are scalar
// libm loops: ~70 ms of a 4x128 teacher step. Used by models/transformer-layers.ts, which composes
// the same maths from tf ops where these are not registered.
//
// Φ(x) = erfc(−x/√2)/2 by Numerical Recipes' erfc (relative error < 1.2e-7 for every argument;
// simd/transformer-kernels.ts); the SIMD kernel evaluates it in float32 with its own exp, the JS
// path (no SIMD, and the last count mod 4 elements) in float64.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdFor } from './simd';

/** Kernel names (custom; registered for wasm only). */
export const GELU = 'DistillGelu';
export const GELU_GRAD = 'DistillGeluGrad';

const ERFC_Q = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Φ(x) in float64 by the same formula as the SIMD kernel. */
export function normalCdf(x: number): number {
  const z = Math.abs(x) * Math.SQRT1_2;
  const t = 1 / (1 + 0.5 * z);
  let q = 0;
  for (let i = ERFC_Q.length - 1; i >= 0; i--) q = q * t + ERFC_Q[i];
  const half = 0.5 * t * Math.exp(q - z * z);
  return x < 0 ? half : 1 - half;
}

const heap = (backend: BackendWasm, t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
const sizeOf = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

function checkFloat(kernel: string, named: Record<string, TensorInfo>): void {
  for (const [name, t] of Object.entries(named)) {
    if (t.dtype !== 'float32') throw new Error(`${kernel}: ${name} must be float32, got ${t.dtype}`);
  }
}

/** Inputs x. Outputs [x·Φ(x), Φ(x)] (the gradient takes Φ(x) instead of recomputing it). */
const geluKernel: KernelFunc = ({ inputs, backend }) => {
  const wasm = backend as BackendWasm;
  const { x } = inputs as { x: TensorInfo };
  checkFloat(GELU, { x });
  const out = wasm.makeOutput(x.shape, 'float32');
  const cdf = wasm.makeOutput(x.shape, 'float32');
  const size = sizeOf(x);
  const simd = simdFor(wasm);
  const quads = simd ? size >> 2 : 0;
  if (simd && quads > 0) simd.fn.gelu({ x: simd.address(x), out: simd.address(out), cdf: simd.address(cdf), quads });
  const [xs, ys, cs] = [x, out, cdf].map((t) => heap(wasm, t));
  for (let i = quads * 4; i < size; i++) {
    cs[i] = normalCdf(xs[i]);
    ys[i] = xs[i] * cs[i];
  }
  return [out, cdf];
};

/** Inputs x, cdf (Φ(x), as the forward returned it), dy. Output dy·(Φ(x) + x·φ(x)). */
const geluGradKernel: KernelFunc = ({ inputs, backend }) => {
  const wasm = backend as BackendWasm;
  const { x, cdf, dy } = inputs as { x: TensorInfo; cdf: TensorInfo; dy: TensorInfo };
  checkFloat(GELU_GRAD, { x, cdf, dy });
  for (const [name, t] of Object.entries({ cdf, dy })) {
    if (t.shape.length !== x.shape.length || t.shape.some((d, i) => d !== x.shape[i])) {
      throw new Error(`${GELU_GRAD}: ${name} shape [${t.shape}] differs from x shape [${x.shape}]`);
    }
  }
  const dx = wasm.makeOutput(x.shape, 'float32');
  const size = sizeOf(x);
  const simd = simdFor(wasm);
  const quads = simd ? size >> 2 : 0;
  if (simd && quads > 0) simd.fn.gelugrad({ x: simd.address(x), cdf: simd.address(cdf), dy: simd.address(dy), dx: simd.address(dx), quads });
  const [xs, cs, dys, dxs] = [x, cdf, dy, dx].map((t) => heap(wasm, t));
  for (let i = quads * 4; i < size; i++) {
    const v = xs[i];
    dxs[i] = dys[i] * (cs[i] + v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI);
  }
  return dx;
};

export const geluConfig: KernelConfig = { kernelName: GELU, backendName: 'wasm', kernelFunc: geluKernel };
export const geluGradConfig: KernelConfig = { kernelName: GELU_GRAD, backendName: 'wasm', kernelFunc: geluGradKernel };
