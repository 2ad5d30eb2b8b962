// wasm's Identity and Cast copy the whole buffer, even for a cast to the tensor's own dtype, and
// the engine clones (Identity) every tensor it saves for the backward pass: some 80 full-size
// copies per CNN training step. Tensors are immutable and the wasm backend reference-counts
// buffers (its own Reshape shares them), so, as the cpu backend does, share instead of copying.
// A cast that changes the dtype still converts, through the original kernel (its own case, not
// a fallback), except to bool: the original stores values into a Uint8Array (0.5 -> 0, -2 -> 254)
// where cpu and TensorFlow give x != 0. Strings fall back to the original (logged once).
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernel } from './fallback';

function share(backend: BackendWasm, x: TensorInfo, dtype = x.dtype): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype };
}

export function sharingIdentityConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return stockKernel(original, args, 'of strings');
    return share(args.backend as BackendWasm, x);
  };
  return { ...original, kernelFunc };
}

export function sharingCastConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { dtype } = args.attrs as { dtype: string };
    const backend = args.backend as BackendWasm;
    if (x.dtype === 'string') return stockKernel(original, args, 'of strings');
    if (x.dtype === dtype) return share(backend, x);
    if (dtype !== 'bool') return original.kernelFunc(args);
    const out = backend.makeOutput(x.shape, 'bool');
    // Views after the allocation: growing the wasm heap detaches older ones.
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
    return out;
  };
  return { ...original, kernelFunc };
}
