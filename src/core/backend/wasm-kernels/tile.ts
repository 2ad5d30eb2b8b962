// wasm's Tile computes every output element's source index with a division per axis: tiling a
// [1, 1, 1, 32] vector to [128, 28, 28, 32] (BatchNorm's gradient does) takes ~300 ms. Here
// each axis, innermost first, copies one source block and then doubles it with copyWithin
// (memmove), so the whole output costs about one memcpy.
import { util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernel } from './fallback';

type Heap = Float32Array | Int32Array | Uint8Array;

export function fastTileConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { reps } = args.attrs as unknown as { reps: number[] };
    if (x.dtype === 'string') return stockKernel(original, args, 'of strings');
    if (reps.length !== x.shape.length) return stockKernel(original, args, 'with reps of another rank than x');
    const backend = args.backend as BackendWasm;
    const outShape = x.shape.map((size, axis) => size * reps[axis]);
    const out = backend.makeOutput(outShape, x.dtype);
    if (util.sizeFromShape(outShape) === 0) return out;
    // Views after the allocation: growing the wasm heap detaches older ones.
    const src = backend.typedArrayFromHeap(x) as Heap;
    const dst = backend.typedArrayFromHeap(out) as Heap;
    tileInto(src, x.shape, reps, dst);
    return out;
  };
  return { ...original, kernelFunc };
}

/** Writes `src` (of `shape`) tiled `reps` times along each axis into `dst`. */
export function tileInto(src: Heap, shape: number[], reps: number[], dst: Heap): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  const srcStrides = new Array<number>(rank);
  const dstStrides = new Array<number>(rank);
  srcStrides[rank - 1] = 1;
  dstStrides[rank - 1] = 1;
  for (let axis = rank - 2; axis >= 0; axis--) {
    srcStrides[axis] = srcStrides[axis + 1] * shape[axis + 1];
    dstStrides[axis] = dstStrides[axis + 1] * shape[axis + 1] * reps[axis + 1];
  }
  const fill = (axis: number, srcOffset: number, dstOffset: number): void => {
    const size = shape[axis];
    // One copy of the source block along this axis, then repeat it.
    if (axis === rank - 1) {
      dst.set(src.subarray(srcOffset, srcOffset + size), dstOffset);
    } else {
      for (let i = 0; i < size; i++) fill(axis + 1, srcOffset + i * srcStrides[axis], dstOffset + i * dstStrides[axis]);
    }
    repeatBlock(dst, dstOffset, size * dstStrides[axis], reps[axis]);
  };
  fill(0, 0, 0);
}

/** dst[offset, offset + block) is repeated so it appears `times` times back to back. */
function repeatBlock(dst: Heap, offset: number, block: number, times: number): void {
  const total = block * times;
  let done = block;
  while (done < total) {
    const n = Math.min(done, total - done);
    dst.copyWithin(offset + done, offset, offset + n);
    done += n;
  }
}
