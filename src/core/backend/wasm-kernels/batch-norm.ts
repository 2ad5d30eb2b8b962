// Batch normalisation over every axis but the last (channels-last), as whole-tensor kernels:
// training's forward (statistics and normalisation in three passes) and its closed-form
// gradient (two passes), instead of the ~30 generic kernels (Tile, Sum, Mean, Multiply, ...)
// that tfjs-layers' BatchNormalization and autodiff through tf.moments produce. Used by
// models/batch-norm.ts, which composes the same maths from tf ops where these are not registered.
// Also FusedBatchNorm (inference) for per-channel parameters: wasm's own is a slow scalar loop.
//
// With n rows of C channels, mean m, variance v (biased), s = 1/sqrt(v + eps), gamma g:
//   y  = (x - m) * g * s + beta
//   dx = g*s * dy - g*s^3 * (x - m) * sum(dy * (x - m)) / n - g*s * sum(dy) / n
//   dgamma = s * sum(dy * (x - m)),  dbeta = sum(dy)
// Sums accumulate in float64, as the cpu backend's do.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernel } from './fallback';
import { addRowSums } from './reduce';
import { blockRows, simdFor, type Simd } from './simd';

/** Kernel names (custom; registered for wasm only). */
export const BATCH_NORM_TRAIN = 'DistillBatchNormTrain';
export const BATCH_NORM_GRAD = 'DistillBatchNormGrad';

interface Rows {
  rows: number;
  channels: number;
}

function rowsOf(x: TensorInfo, kernel: string): Rows {
  if (x.dtype !== 'float32') throw new Error(`${kernel}: float32 input expected, got ${x.dtype}`);
  const channels = x.shape[x.shape.length - 1] ?? 1;
  const size = x.shape.reduce((a, b) => a * b, 1);
  return { rows: channels > 0 ? size / channels : 0, channels };
}

function checkChannels(kernel: string, channels: number, named: Record<string, TensorInfo | undefined>): void {
  for (const [name, t] of Object.entries(named)) {
    if (t == null) continue;
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== channels) throw new Error(`${kernel}: ${name} must have ${channels} values (one per channel), got shape [${t.shape}]`);
  }
}

/**
 * The whole-tensor passes, over `rows` rows of `channels` channels. `mean` is a per-channel
 * float32 tensor; per-channel coefficients are float64 arrays; sums come back in float64.
 */
interface Passes {
  sum(x: TensorInfo): Float64Array;
  sumSquaredDeviations(x: TensorInfo, mean: TensorInfo): Float64Array;
  /** [sum of dy, sum of dy * (x - mean)] */
  gradientSums(x: TensorInfo, dy: TensorInfo, mean: TensorInfo): [Float64Array, Float64Array];
  /** out = (x - mean) * k + b */
  affine(x: TensorInfo, mean: TensorInfo, k: Float64Array, b: Float64Array, out: TensorInfo): void;
  /** out = a * dy + b * (x - mean) + k */
  inputGradient(x: TensorInfo, dy: TensorInfo, mean: TensorInfo, a: Float64Array, b: Float64Array, k: Float64Array, out: TensorInfo): void;
}

const heap = (backend: BackendWasm, t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;

/** Plain JS loops, channel-strided within blocks of rows that stay in L1. */
function jsPasses(backend: BackendWasm, rows: number, channels: number): Passes {
  const block = blockRows(channels);
  /** Calls body(start, end) per block of rows, as element indices. */
  const blocks = (body: (start: number, end: number) => void) => {
    for (let r0 = 0; r0 < rows; r0 += block) body(r0 * channels, Math.min(rows, r0 + block) * channels);
  };
  return {
    sum(x) {
      const acc = new Float64Array(channels);
      addRowSums(heap(backend, x), 0, rows, channels, acc);
      return acc;
    },
    sumSquaredDeviations(x, mean) {
      const xs = heap(backend, x);
      const m = heap(backend, mean);
      const acc = new Float64Array(channels);
      blocks((start, end) => {
        for (let c = 0; c < channels; c++) {
          const mc = m[c];
          let a = 0;
          for (let i = start + c; i < end; i += channels) {
            const d = xs[i] - mc;
            a += d * d;
          }
          acc[c] += a;
        }
      });
      return acc;
    },
    gradientSums(x, dy, mean) {
      const xs = heap(backend, x);
      const dys = heap(backend, dy);
      const m = heap(backend, mean);
      const sumDy = new Float64Array(channels);
      const sumDyXc = new Float64Array(channels);
      blocks((start, end) => {
        for (let c = 0; c < channels; c++) {
          const mc = m[c];
          let s1 = 0;
          let s2 = 0;
          for (let i = start + c; i < end; i += channels) {
            const d = dys[i];
            s1 += d;
            s2 += d * (xs[i] - mc);
          }
          sumDy[c] += s1;
          sumDyXc[c] += s2;
        }
      });
      return [sumDy, sumDyXc];
    },
    affine(x, mean, k, b, out) {
      const xs = heap(backend, x);
      const m = heap(backend, mean);
      const ys = heap(backend, out);
      blocks((start, end) => {
        for (let c = 0; c < channels; c++) {
          const mc = m[c];
          const kc = k[c];
          const bc = b[c];
          for (let i = start + c; i < end; i += channels) ys[i] = (xs[i] - mc) * kc + bc;
        }
      });
    },
    inputGradient(x, dy, mean, a, b, k, out) {
      const xs = heap(backend, x);
      const dys = heap(backend, dy);
      const m = heap(backend, mean);
      const dxs = heap(backend, out);
      blocks((start, end) => {
        for (let c = 0; c < channels; c++) {
          const mc = m[c];
          const ac = a[c];
          const bc = b[c];
          const kc = k[c];
          for (let i = start + c; i < end; i += channels) dxs[i] = ac * dys[i] + bc * (xs[i] - mc) + kc;
        }
      });
    },
  };
}

/** The same passes as SIMD kernels on the heap (channels a multiple of 4). */
function simdPasses(simd: Simd, rows: number, channels: number): Passes {
  const block = blockRows(channels);
  const at = (t: TensorInfo) => simd.address(t);
  /** Float64 sums from a kernel that adds into zeroed float64 buffers. */
  const sums = (count: number, run: (pointers: number[]) => void): Float64Array[] =>
    simd.withBuffers(new Array<number>(count).fill(channels * 8), (pointers) => {
      for (const p of pointers) simd.f64(p, channels).fill(0);
      run(pointers);
      return pointers.map((p) => simd.f64(p, channels).slice());
    });
  /** Runs a kernel with per-channel float32 coefficient buffers. */
  const withCoefficients = (coefficients: Float64Array[], run: (pointers: number[]) => void): void =>
    simd.withBuffers(new Array<number>(coefficients.length).fill(channels * 4), (pointers) => {
      coefficients.forEach((values, i) => simd.f32(pointers[i], channels).set(values));
      run(pointers);
    });
  return {
    sum: (x) => sums(1, ([out]) => simd.fn.colsum({ x: at(x), rows, channels, block, out }))[0],
    sumSquaredDeviations: (x, mean) => sums(1, ([out]) => simd.fn.colsumsqdev({ x: at(x), rows, channels, block, mean: at(mean), out }))[0],
    gradientSums: (x, dy, mean) => {
      const [sumDy, sumDyXc] = sums(2, ([o1, o2]) => simd.fn.colsum2({ x: at(x), dy: at(dy), rows, channels, block, mean: at(mean), sumDy: o1, sumDyXc: o2 }));
      return [sumDy, sumDyXc];
    },
    affine: (x, mean, k, b, out) => withCoefficients([k, b], ([scale, shift]) => simd.fn.affine({ x: at(x), rows, channels, block, mean: at(mean), scale, shift, out: at(out) })),
    inputGradient: (x, dy, mean, a, b, k, out) =>
      withCoefficients([a, b, k], ([dyScale, xcScale, shift]) => simd.fn.bndx({ x: at(x), dy: at(dy), rows, channels, block, mean: at(mean), dyScale, xcScale, shift, out: at(out) })),
  };
}

function passes(backend: BackendWasm, rows: number, channels: number): Passes {
  const simd = channels % 4 === 0 ? simdFor(backend) : null;
  return simd ? simdPasses(simd, rows, channels) : jsPasses(backend, rows, channels);
}

/** Inputs x, scale, offset; attrs varianceEpsilon. Outputs [y, mean, variance]. */
const batchNormTrain: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { x, scale, offset } = inputs as { x: TensorInfo; scale?: TensorInfo; offset?: TensorInfo };
  const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
  const { rows, channels } = rowsOf(x, BATCH_NORM_TRAIN);
  checkChannels(BATCH_NORM_TRAIN, channels, { scale, offset });
  const y = wasm.makeOutput(x.shape, 'float32');
  const mean = wasm.makeOutput([channels], 'float32');
  const variance = wasm.makeOutput([channels], 'float32');
  const pass = passes(wasm, rows, channels);
  const sums = pass.sum(x);
  // Views after each allocation: growing the wasm heap detaches older ones.
  heap(wasm, mean).set(sums.map((s) => s / rows));
  const squares = pass.sumSquaredDeviations(x, mean);
  const variances = heap(wasm, variance);
  variances.set(squares.map((s) => s / rows));
  const g = scale ? heap(wasm, scale) : null;
  const beta = offset ? heap(wasm, offset) : null;
  const k = new Float64Array(channels);
  const b = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    k[c] = (g ? g[c] : 1) / Math.sqrt(variances[c] + varianceEpsilon);
    b[c] = beta ? beta[c] : 0;
  }
  pass.affine(x, mean, k, b, y);
  return [y, mean, variance];
};

/** Inputs x, dy, mean, variance, scale; attrs varianceEpsilon. Outputs [dx, dscale, doffset]. */
const batchNormGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { x, dy, mean, variance, scale } = inputs as Record<'x' | 'dy' | 'mean' | 'variance', TensorInfo> & { scale?: TensorInfo };
  const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
  const { rows, channels } = rowsOf(x, BATCH_NORM_GRAD);
  checkChannels(BATCH_NORM_GRAD, channels, { mean, variance, scale });
  if (dy.shape.length !== x.shape.length || dy.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`${BATCH_NORM_GRAD}: dy shape [${dy.shape}] differs from x shape [${x.shape}]`);
  }
  const dx = wasm.makeOutput(x.shape, 'float32');
  const dscale = wasm.makeOutput([channels], 'float32');
  const doffset = wasm.makeOutput([channels], 'float32');
  const pass = passes(wasm, rows, channels);
  const [sumDy, sumDyXc] = pass.gradientSums(x, dy, mean);
  // Views after the allocations: growing the wasm heap detaches older ones.
  const vars = heap(wasm, variance);
  const g = scale ? heap(wasm, scale) : null;
  const dscales = heap(wasm, dscale);
  const doffsets = heap(wasm, doffset);
  const a = new Float64Array(channels);
  const b = new Float64Array(channels);
  const k = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = 1 / Math.sqrt(vars[c] + varianceEpsilon);
    a[c] = (g ? g[c] : 1) * s;
    b[c] = rows > 0 ? (-a[c] * s * s * sumDyXc[c]) / rows : 0;
    k[c] = rows > 0 ? (-a[c] * sumDy[c]) / rows : 0;
    dscales[c] = sumDyXc[c] * s;
    doffsets[c] = sumDy[c];
  }
  pass.inputGradient(x, dy, mean, a, b, k, dx);
  return [dx, dscale, doffset];
};

export const batchNormTrainConfig: KernelConfig = { kernelName: BATCH_NORM_TRAIN, backendName: 'wasm', kernelFunc: batchNormTrain };
export const batchNormGradConfig: KernelConfig = { kernelName: BATCH_NORM_GRAD, backendName: 'wasm', kernelFunc: batchNormGrad };

/**
 * FusedBatchNorm (inference: given mean and variance) when every parameter has one value per
 * channel of a channels-last float32 x; other layouts go to the original.
 */
export function fastFusedBatchNormConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x, mean, variance, offset, scale } = args.inputs as Record<'x' | 'mean' | 'variance', TensorInfo> & { offset?: TensorInfo; scale?: TensorInfo };
    const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
    if (x.dtype !== 'float32' || x.shape.length === 0) return stockKernel(original, args, 'other than float32 of rank 1 or more');
    const channels = x.shape[x.shape.length - 1];
    const params = [mean, variance, offset, scale];
    const perChannel = params.every((t) => t == null || (t.dtype === 'float32' && t.shape.reduce((p, d) => p * d, 1) === channels));
    if (!perChannel || channels === 0) return stockKernel(original, args, 'with parameters of other than one float32 per channel');
    const wasm = args.backend as BackendWasm;
    const rows = x.shape.reduce((p, d) => p * d, 1) / channels;
    const out = wasm.makeOutput(x.shape, 'float32');
    const vars = heap(wasm, variance);
    const g = scale ? heap(wasm, scale) : null;
    const beta = offset ? heap(wasm, offset) : null;
    const k = new Float64Array(channels);
    const b = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      k[c] = (g ? g[c] : 1) / Math.sqrt(vars[c] + varianceEpsilon);
      b[c] = beta ? beta[c] : 0;
    }
    passes(wasm, rows, channels).affine(x, mean, k, b, out);
    return out;
  };
  return { ...original, kernelFunc };
}
