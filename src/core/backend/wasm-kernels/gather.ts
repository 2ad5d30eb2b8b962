// GatherV2 along axis 0 (an embedding lookup: rows of a table by id) as one row copy per index.
// wasm's own computes every output element through generic strides: gathering 2048 rows of 128
// from a [20000, 128] table (the transformer's word embeddings at batch 32 × 64 tokens) took
// ~17 ms of CPU, a row copy each ~0.1 ms. Other axes, batch dims and dtypes go to the original.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernel } from './fallback';

/** Byte address of a tensor's data on the wasm heap. */
function address(backend: BackendWasm, t: TensorInfo): number {
  return (backend as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } }).dataIdMap.get(t.dataId).memoryOffset;
}

export function fastGatherConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims?: number };
    if (x.shape.length === 0 || (axis !== 0 && axis !== -x.shape.length) || (batchDims ?? 0) !== 0) return stockKernel(original, args, 'along an axis other than 0, or with batch dims');
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32') return stockKernel(original, args, 'of other than float32 or int32 rows by int32 indices');
    const backend = args.backend as BackendWasm;
    const rows = x.shape[0];
    const ids = backend.typedArrayFromHeap(indices) as Int32Array;
    for (const id of ids) {
      // As the stock kernel.
      if (!(id >= 0 && id <= rows - 1)) throw new Error(`GatherV2: the index value ${id} is not in [0, ${rows - 1}]`);
    }
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    const row = x.shape.slice(1).reduce((a, b) => a * b, 1);
    if (row === 0 || ids.length === 0) return out;
    // One 4-byte view of the whole heap (after the allocation, which may grow it), copied bit for bit.
    const heap = new Int32Array((backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer);
    const src = address(backend, x) / 4;
    const dst = address(backend, out) / 4;
    const idsAfter = new Int32Array(heap.buffer, address(backend, indices), ids.length);
    for (let i = 0; i < idsAfter.length; i++) {
      const from = src + idsAfter[i] * row;
      heap.copyWithin(dst + i * row, from, from + row);
    }
    return out;
  };
  return { ...original, kernelFunc };
}
