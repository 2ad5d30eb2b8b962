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
import { sumMiddleAxis } from './reduce';

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

/** Block of rows whose channels fit in L1, for channel-strided inner loops. */
function blockRows(channels: number): number {
  return Math.max(1, Math.floor(4096 / channels));
}

/** sum over rows of (x - mean)^2, per channel, in float64. */
function sumSquaredDeviations(x: Float32Array, rows: number, channels: number, mean: Float32Array): Float64Array {
  const acc = new Float64Array(channels);
  const block = blockRows(channels);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const start = r0 * channels;
    const end = Math.min(rows, r0 + block) * channels;
    for (let c = 0; c < channels; c++) {
      const m = mean[c];
      let a = 0;
      for (let i = start + c; i < end; i += channels) {
        const d = x[i] - m;
        a += d * d;
      }
      acc[c] += a;
    }
  }
  return acc;
}

/** out[i] = (x[i] - m[c]) * k[c] + b[c] (per channel), written block by block. */
function affine(x: Float32Array, rows: number, channels: number, m: Float32Array, k: Float64Array, b: Float64Array, out: Float32Array): void {
  const block = blockRows(channels);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const start = r0 * channels;
    const end = Math.min(rows, r0 + block) * channels;
    for (let c = 0; c < channels; c++) {
      const mc = m[c];
      const kc = k[c];
      const bc = b[c];
      for (let i = start + c; i < end; i += channels) out[i] = (x[i] - mc) * kc + bc;
    }
  }
}

const heap = (backend: BackendWasm, t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;

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
  // Views after the allocations: growing the wasm heap detaches older ones.
  const xs = heap(wasm, x);
  const means = heap(wasm, mean);
  const variances = heap(wasm, variance);
  sumMiddleAxis(xs, 1, rows, channels, means, rows);
  const squares = sumSquaredDeviations(xs, rows, channels, means);
  const g = scale ? heap(wasm, scale) : null;
  const beta = offset ? heap(wasm, offset) : null;
  const k = new Float64Array(channels);
  const b = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    variances[c] = squares[c] / rows;
    k[c] = (g ? g[c] : 1) / Math.sqrt(variances[c] + varianceEpsilon);
    b[c] = beta ? beta[c] : 0;
  }
  affine(xs, rows, channels, means, k, b, heap(wasm, y));
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
  // Views after the allocations: growing the wasm heap detaches older ones.
  const xs = heap(wasm, x);
  const dys = heap(wasm, dy);
  const means = heap(wasm, mean);
  const vars = heap(wasm, variance);
  const g = scale ? heap(wasm, scale) : null;

  const sumDy = new Float64Array(channels);
  const sumDyXc = new Float64Array(channels);
  const block = blockRows(channels);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const start = r0 * channels;
    const end = Math.min(rows, r0 + block) * channels;
    for (let c = 0; c < channels; c++) {
      const m = means[c];
      let s1 = 0;
      let s2 = 0;
      for (let i = start + c; i < end; i += channels) {
        const d = dys[i];
        s1 += d;
        s2 += d * (xs[i] - m);
      }
      sumDy[c] += s1;
      sumDyXc[c] += s2;
    }
  }

  // dx = a * dy + b * (x - mean) + k per channel.
  const a = new Float64Array(channels);
  const b = new Float64Array(channels);
  const k = new Float64Array(channels);
  const dscales = heap(wasm, dscale);
  const doffsets = heap(wasm, doffset);
  for (let c = 0; c < channels; c++) {
    const s = 1 / Math.sqrt(vars[c] + varianceEpsilon);
    a[c] = (g ? g[c] : 1) * s;
    b[c] = rows > 0 ? (-a[c] * s * s * sumDyXc[c]) / rows : 0;
    k[c] = rows > 0 ? (-a[c] * sumDy[c]) / rows : 0;
    dscales[c] = sumDyXc[c] * s;
    doffsets[c] = sumDy[c];
  }
  const dxs = heap(wasm, dx);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const start = r0 * channels;
    const end = Math.min(rows, r0 + block) * channels;
    for (let c = 0; c < channels; c++) {
      const ac = a[c];
      const bc = b[c];
      const kc = k[c];
      const m = means[c];
      for (let i = start + c; i < end; i += channels) dxs[i] = ac * dys[i] + bc * (xs[i] - m) + kc;
    }
  }
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
    if (x.dtype !== 'float32' || x.shape.length === 0) return original.kernelFunc(args);
    const channels = x.shape[x.shape.length - 1];
    const params = [mean, variance, offset, scale];
    const perChannel = params.every((t) => t == null || (t.dtype === 'float32' && t.shape.reduce((p, d) => p * d, 1) === channels));
    if (!perChannel || channels === 0) return original.kernelFunc(args);
    const wasm = args.backend as BackendWasm;
    const rows = x.shape.reduce((p, d) => p * d, 1) / channels;
    const out = wasm.makeOutput(x.shape, 'float32');
    const means = heap(wasm, mean);
    const vars = heap(wasm, variance);
    const g = scale ? heap(wasm, scale) : null;
    const beta = offset ? heap(wasm, offset) : null;
    const k = new Float64Array(channels);
    const b = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      k[c] = (g ? g[c] : 1) / Math.sqrt(vars[c] + varianceEpsilon);
      b[c] = beta ? beta[c] : 0;
    }
    affine(heap(wasm, x), rows, channels, means, k, b, heap(wasm, out));
    return out;
  };
  return { ...original, kernelFunc };
}
