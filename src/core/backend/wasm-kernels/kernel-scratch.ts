// Composite wasm kernels are built by calling other wasm kernels directly on the backend.
// Their intermediates never become engine tensors, so tf.tidy cannot free them: this does.
import { getKernel, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export class KernelScratch {
  private readonly made: TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  /** Runs a wasm kernel (by registered name, or a kernel function) and remembers its output for release. */
  run(kernel: string | KernelFunc, inputs: NamedTensorInfoMap, attrs: object = {}): TensorInfo {
    const kernelFunc = typeof kernel === 'string' ? wasmKernelFunc(kernel) : kernel;
    const out = kernelFunc({ inputs, backend: this.backend, attrs: attrs as NamedAttrMap });
    const info = Array.isArray(out) ? out[0] : out;
    this.made.push(info);
    return info;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Frees every output made here except `keep`, which passes to the caller. */
  release(keep?: TensorInfo): void {
    for (const info of this.made) {
      if (info !== keep) this.backend.disposeData(info.dataId);
    }
    this.made.length = 0;
  }
}

/** Runs `body` with a scratch whose intermediates are freed afterwards, also when it throws. */
export function withScratch(backend: BackendWasm, body: (scratch: KernelScratch) => TensorInfo): TensorInfo {
  const scratch = new KernelScratch(backend);
  let result: TensorInfo | undefined;
  try {
    result = body(scratch);
    return result;
  } finally {
    scratch.release(result);
  }
}

function wasmKernelFunc(name: string): KernelFunc {
  const config = getKernel(name, 'wasm');
  if (config == null) throw new Error(`wasm kernel '${name}' is not registered`);
  return config.kernelFunc;
}
