// LayerNorm over the last axis (BERT's), forward and closed-form gradient, one kernel each
// instead of the ~15 generic kernels (Mean, Sub, Square, Sqrt, RealDiv, Multiply, Add, Sum, ...)
// that composing it from tf ops costs. Used by models/transformer-layers.ts, which composes the
// same maths from tf ops where these are not registered.
//
// Per row of C values, m = mean(x), s = 1/√(mean((x − m)²) + ε), x̂ = (x − m)·s:
//   y = x̂·γ + β
// With g = dy·γ, y depends on x through x̂ only, and ∂x̂_j/∂x_i = s·(δ_ij − 1/C − x̂_i·x̂_j/C), so
//   dx = s·(g − mean(g) − x̂·mean(g·x̂)),  dγ = Σ_rows dy·x̂,  dβ = Σ_rows dy.
// The forward also returns m and s per row, which the gradient takes instead of recomputing.
// Row sums run in float32 in the SIMD kernels (C a multiple of 4), float64 in the JS loops (other
// C, or no SIMD); dγ and dβ are summed over blocks of rows in float32 and across blocks in float64.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { blockRows, simdFor } from './simd';

/** Kernel names (custom; registered for wasm only). */
export const LAYER_NORM = 'DistillLayerNorm';
export const LAYER_NORM_GRAD = 'DistillLayerNormGrad';

const heap = (backend: BackendWasm, t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;

interface Rows {
  rows: number;
  cols: number;
}

function rowsOf(kernel: string, x: TensorInfo, named: Record<string, TensorInfo>, perRow: Record<string, TensorInfo>): Rows {
  if (x.shape.length === 0) throw new Error(`${kernel}: x must have at least one axis, got a scalar`);
  for (const [name, t] of Object.entries({ x, ...named, ...perRow })) {
    if (t.dtype !== 'float32') throw new Error(`${kernel}: ${name} must be float32, got ${t.dtype}`);
  }
  const cols = x.shape[x.shape.length - 1];
  const size = x.shape.reduce((a, b) => a * b, 1);
  const rows = cols > 0 ? size / cols : 0;
  for (const [name, t] of Object.entries(named)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== cols) throw new Error(`${kernel}: ${name} must have ${cols} values (one per column of x's last axis), got shape [${t.shape}]`);
  }
  for (const [name, t] of Object.entries(perRow)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== rows) throw new Error(`${kernel}: ${name} must have ${rows} values (one per row of x), got shape [${t.shape}]`);
  }
  return { rows, cols };
}

/** Inputs x, gamma, beta; attrs epsilon. Outputs [y, mean, rstd], the last two of shape x.shape minus its last axis. */
const layerNormKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', TensorInfo>;
  const { epsilon } = attrs as unknown as { epsilon: number };
  const { rows, cols } = rowsOf(LAYER_NORM, x, { gamma, beta }, {});
  const y = wasm.makeOutput(x.shape, 'float32');
  const mean = wasm.makeOutput(x.shape.slice(0, -1), 'float32');
  const rstd = wasm.makeOutput(x.shape.slice(0, -1), 'float32');
  const simd = cols % 4 === 0 ? simdFor(wasm) : null;
  if (simd) {
    const at = (t: TensorInfo) => simd.address(t);
    const epsBits = new Int32Array(new Float32Array([epsilon]).buffer)[0];
    simd.fn.lnfwd({ x: at(x), gamma: at(gamma), beta: at(beta), out: at(y), mean: at(mean), rstd: at(rstd), rows, cols, epsBits });
    return [y, mean, rstd];
  }
  const [xs, g, b, ys, ms, ss] = [x, gamma, beta, y, mean, rstd].map((t) => heap(wasm, t));
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += xs[o + c];
    const m = Math.fround(sum / cols);
    let sq = 0;
    for (let c = 0; c < cols; c++) sq += (xs[o + c] - m) ** 2;
    const s = 1 / Math.sqrt(sq / cols + epsilon);
    for (let c = 0; c < cols; c++) ys[o + c] = (xs[o + c] - m) * s * g[c] + b[c];
    ms[r] = m;
    ss[r] = s;
  }
  return [y, mean, rstd];
};

/** Inputs x, dy, gamma, mean, rstd (as the forward returned them). Outputs [dx, dgamma, dbeta]. */
const layerNormGradKernel: KernelFunc = ({ inputs, backend }) => {
  const wasm = backend as BackendWasm;
  const { x, dy, gamma, mean, rstd } = inputs as Record<'x' | 'dy' | 'gamma' | 'mean' | 'rstd', TensorInfo>;
  const { rows, cols } = rowsOf(LAYER_NORM_GRAD, x, { gamma }, { mean, rstd });
  if (dy.dtype !== 'float32' || dy.shape.length !== x.shape.length || dy.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`${LAYER_NORM_GRAD}: dy must be float32 of x's shape [${x.shape}], got ${dy.dtype} [${dy.shape}]`);
  }
  const dx = wasm.makeOutput(x.shape, 'float32');
  const dgamma = wasm.makeOutput([cols], 'float32');
  const dbeta = wasm.makeOutput([cols], 'float32');
  const sumDyXhat = new Float64Array(cols);
  const sumDy = new Float64Array(cols);
  const simd = cols % 4 === 0 ? simdFor(wasm) : null;
  if (simd) {
    const block = blockRows(cols);
    const rowBytes = cols * 4;
    const [px, pdy, pg, pm, ps, pdx] = [x, dy, gamma, mean, rstd, dx].map((t) => simd.address(t));
    simd.withBuffers([rowBytes, rowBytes], ([accG, accB]) => {
      for (let r0 = 0; r0 < rows; r0 += block) {
        const n = Math.min(block, rows - r0);
        simd.f32(accG, cols).fill(0);
        simd.f32(accB, cols).fill(0);
        const off = r0 * rowBytes;
        simd.fn.lngrad({ x: px + off, dy: pdy + off, gamma: pg, mean: pm + r0 * 4, rstd: ps + r0 * 4, dx: pdx + off, dgamma: accG, dbeta: accB, rows: n, cols });
        const [pg32, pb32] = [simd.f32(accG, cols), simd.f32(accB, cols)];
        for (let c = 0; c < cols; c++) {
          sumDyXhat[c] += pg32[c];
          sumDy[c] += pb32[c];
        }
      }
    });
  } else {
    const [xs, dys, g, ms, ss, dxs] = [x, dy, gamma, mean, rstd, dx].map((t) => heap(wasm, t));
    for (let r = 0, o = 0; r < rows; r++, o += cols) {
      const m = ms[r];
      const s = ss[r];
      let sumG = 0;
      let sumGx = 0;
      for (let c = 0; c < cols; c++) {
        const xh = (xs[o + c] - m) * s;
        const d = dys[o + c];
        const gx = d * g[c];
        sumG += gx;
        sumGx += gx * xh;
        sumDyXhat[c] += d * xh;
        sumDy[c] += d;
      }
      const a = sumG / cols;
      const b = sumGx / cols;
      for (let c = 0; c < cols; c++) dxs[o + c] = s * (dys[o + c] * g[c] - a - (xs[o + c] - m) * s * b);
    }
  }
  // Views after the buffers above were freed: growing the heap detaches older ones.
  heap(wasm, dgamma).set(sumDyXhat);
  heap(wasm, dbeta).set(sumDy);
  return [dx, dgamma, dbeta];
};

export const layerNormConfig: KernelConfig = { kernelName: LAYER_NORM, backendName: 'wasm', kernelFunc: layerNormKernel };
export const layerNormGradConfig: KernelConfig = { kernelName: LAYER_NORM_GRAD, backendName: 'wasm', kernelFunc: layerNormGradKernel };
