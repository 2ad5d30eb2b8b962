// wasm's Sum and Mean reduce only innermost axes; for any other axes they first Transpose the
// whole tensor (slow in wasm), e.g. the per-channel sums over [batch, height, width] that
// BatchNorm and its gradient take of an NHWC tensor, or global average pooling's mean over
// [height, width]. When the reduced axes form one block with kept axes after it, the input is
// [outer, reduced, inner] and this sums rows of `inner` values in place, in float64 (as the
// cpu backend accumulates), with SIMD where the inner size is a multiple of 4. Innermost
// reductions are the original kernel's own case (it needs no transpose there); other dtypes, and
// reduced axes apart, fall back to it (logged once).
import { backend_util, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernel } from './fallback';
import { blockRows, simdFor } from './simd';

/** [outer, reduced, inner] sizes when `axes` of `shape` are one block with inner > 1, else null. */
export function reductionBlock(shape: number[], axes: number[]): [number, number, number] | null {
  let outer = 1;
  let reduced = 1;
  let inner = 1;
  // 0: before the block, 1: in it, 2: after it. Size-1 axes fit anywhere.
  let phase = 0;
  for (let axis = 0; axis < shape.length; axis++) {
    const size = shape[axis];
    const isReduced = axes.includes(axis);
    if (size === 1) continue;
    if (isReduced) {
      if (phase === 2) return null;
      phase = 1;
      reduced *= size;
    } else if (phase === 0) {
      outer *= size;
    } else {
      phase = 2;
      inner *= size;
    }
  }
  return inner > 1 ? [outer, reduced, inner] : null;
}

/** Whether every axis after the first reduced one is reduced or of size 1. */
function reducesInnermost(shape: number[], axes: number[]): boolean {
  const first = Math.min(...axes);
  return shape.every((size, axis) => axis < first || size === 1 || axes.includes(axis));
}

/**
 * acc[c] += sum over r < rows of x[offset + r * inner + c]. Rows are taken in blocks that stay in
 * L1, four channels at a time in float64 locals.
 */
export function addRowSums(x: Float32Array, offset: number, rows: number, inner: number, acc: Float64Array): void {
  const block = blockRows(inner);
  const inner4 = inner - (inner % 4);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const start = offset + r0 * inner;
    const end = offset + Math.min(rows, r0 + block) * inner;
    for (let c = 0; c < inner4; c += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let i = start + c; i < end; i += inner) {
        a0 += x[i];
        a1 += x[i + 1];
        a2 += x[i + 2];
        a3 += x[i + 3];
      }
      acc[c] += a0;
      acc[c + 1] += a1;
      acc[c + 2] += a2;
      acc[c + 3] += a3;
    }
    for (let c = inner4; c < inner; c++) {
      let a = 0;
      for (let i = start + c; i < end; i += inner) a += x[i];
      acc[c] += a;
    }
  }
}

/** out[o * inner + c] = (sum over r of x[(o * reduced + r) * inner + c]) / divisor, for a tensor on `backend`. */
function sumMiddleAxis(backend: BackendWasm, x: TensorInfo, outer: number, reduced: number, inner: number, out: TensorInfo, divisor: number): void {
  const simd = inner % 4 === 0 ? simdFor(backend) : null;
  if (simd) {
    const xAt = simd.address(x);
    simd.withBuffers([inner * 8], ([acc]) => {
      for (let o = 0; o < outer; o++) {
        const sums = simd.f64(acc, inner);
        sums.fill(0);
        simd.fn.colsum({ x: xAt + o * reduced * inner * 4, rows: reduced, channels: inner, block: blockRows(inner), out: acc });
        const outs = backend.typedArrayFromHeap(out) as Float32Array;
        for (let c = 0; c < inner; c++) outs[o * inner + c] = sums[c] / divisor;
      }
    });
    return;
  }
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const outs = backend.typedArrayFromHeap(out) as Float32Array;
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    addRowSums(xs, o * reduced * inner, reduced, inner, acc);
    for (let c = 0; c < inner; c++) outs[o * inner + c] = acc[c] / divisor;
  }
}

function reduceConfig(original: KernelConfig, mean: boolean): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    if (x.dtype !== 'float32') return stockKernel(original, args, `of ${x.dtype}`);
    if (util.sizeFromShape(x.shape) === 0) return stockKernel(original, args, 'of empty tensors');
    const axes = util.parseAxisParam(axis, x.shape);
    const block = reductionBlock(x.shape, axes);
    if (block == null) {
      if (reducesInnermost(x.shape, axes)) return original.kernelFunc(args);
      return stockKernel(original, args, 'over axes apart');
    }
    const [outer, reduced, inner] = block;
    const backend = args.backend as BackendWasm;
    let [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    if (keepDims) outShape = backend_util.expandShapeToKeepDim(outShape, axes);
    const out = backend.makeOutput(outShape, 'float32');
    sumMiddleAxis(backend, x, outer, reduced, inner, out, mean ? reduced : 1);
    return out;
  };
  return { ...original, kernelFunc };
}

export const fastSumConfig = (original: KernelConfig): KernelConfig => reduceConfig(original, false);
export const fastMeanConfig = (original: KernelConfig): KernelConfig => reduceConfig(original, true);
