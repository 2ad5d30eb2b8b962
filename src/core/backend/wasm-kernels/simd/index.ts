// The SIMD kernels of ./kernels.ts, instantiated on a wasm backend's own memory so they work on
// tensors in place, called with named arguments (./signatures.ts). If that memory is not
// reachable (another tfjs-backend-wasm build) or the engine lacks wasm SIMD, `simdFor` returns
// null, logs why once, and callers use their plain JS loops or XNNPACK formulations.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { noteFallback } from '../fallback';
import { simdModuleBytes } from './kernels';
import { bindExports, type SimdExports } from './signatures';

export type { SimdArgs, SimdExports } from './signatures';

interface EmscriptenHeap {
  asm?: { memory?: WebAssembly.Memory };
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

let compiled: WebAssembly.Module | null | undefined;
const instances = new WeakMap<BackendWasm, Simd | null>();

/** Set to false to force the JS loops (tests compare both). */
export const simdSettings = { enabled: true };

export class Simd {
  constructor(
    readonly backend: BackendWasm,
    readonly fn: SimdExports,
  ) {}

  private get heap(): EmscriptenHeap {
    return this.backend.wasm as unknown as EmscriptenHeap;
  }

  /** Byte address of a tensor's data. */
  address(t: TensorInfo): number {
    return (this.backend as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } }).dataIdMap.get(t.dataId).memoryOffset;
  }

  /**
   * Runs `body` with scratch heap buffers of the given byte sizes (16-byte aligned), freed
   * afterwards. Typed-array views must be made after this allocates.
   */
  withBuffers<T>(bytes: number[], body: (pointers: number[]) => T): T {
    const pointers: number[] = [];
    try {
      for (const size of bytes) {
        const p = this.heap._malloc(size + 16) >>> 0;
        if (!p) throw new Error('wasm heap allocation failed');
        pointers.push(p);
      }
      // Past 2 GiB of heap a pointer is above 2³¹: read both the pointer and the aligned one as unsigned.
      return body(pointers.map((p) => ((p >>> 0) + 15) & ~15).map((p) => p >>> 0));
    } finally {
      for (const p of pointers) this.heap._free(p);
    }
  }

  f32(pointer: number, length: number): Float32Array {
    return new Float32Array(this.heap.HEAPU8.buffer, pointer, length);
  }

  f64(pointer: number, length: number): Float64Array {
    return new Float64Array(this.heap.HEAPU8.buffer, pointer, length);
  }
}

/** The SIMD kernels bound to `backend`'s memory, or null where they cannot run. */
export function simdFor(backend: BackendWasm): Simd | null {
  if (!simdSettings.enabled) return null;
  if (instances.has(backend)) return instances.get(backend)!;
  let simd: Simd | null = null;
  let why = '';
  try {
    const memory = (backend.wasm as unknown as EmscriptenHeap).asm?.memory;
    if (!(memory instanceof WebAssembly.Memory)) {
      why = "the wasm backend's memory is not reachable (another tfjs-backend-wasm build?)";
    } else {
      if (compiled === undefined) {
        const bytes = simdModuleBytes();
        compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
      }
      if (compiled == null) why = 'this engine does not validate the module (no wasm SIMD?)';
      else simd = new Simd(backend, bindExports(new WebAssembly.Instance(compiled, { env: { memory } }).exports));
    }
  } catch (error) {
    simd = null;
    why = error instanceof Error ? error.message : String(error);
  }
  if (simd == null) {
    noteFallback('SIMD', () => `wasm kernels: the SIMD module cannot run (${why}); the kernels use their JS loops and XNNPACK formulations`);
  }
  instances.set(backend, simd);
  return simd;
}

/** Rows per block so that a block of `channels` floats per row stays within ~16 KB. */
export function blockRows(channels: number): number {
  return Math.max(1, Math.floor(4096 / channels));
}
