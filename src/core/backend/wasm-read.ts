import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { DataId } from '@tensorflow/tfjs-core/dist/tensor_info';

interface WasmEntry {
  memoryOffset: number | null;
  dtype: string;
  shape: number[];
  stringBytes?: Uint8Array[];
}

type ReadSync = BackendWasm['readSync'];
const patched = new WeakSet<BackendWasm>();

/**
 * tfjs-backend-wasm reads a tensor back with `HEAPU8.slice`, which V8 runs several times slower
 * than allocating the typed array and copying into it with `set` (a [64, 9000] float tensor:
 * ~5 ms against ~0.8 ms). Every `dataSync` and `data` goes through it, so this instance's
 * `readSync` copies the same bytes the fast way; strings keep the original path.
 */
export function useFastWasmReads(backend: BackendWasm): void {
  if (patched.has(backend)) return;
  patched.add(backend);
  const original: ReadSync = backend.readSync.bind(backend);
  const entries = (backend as unknown as { dataIdMap: { get(id: DataId): WasmEntry } }).dataIdMap;
  backend.readSync = ((dataId: DataId, start?: number, end?: number) => {
    const entry = entries.get(dataId);
    if (entry.dtype === 'string' || entry.memoryOffset == null) return original(dataId, start, end);
    const from = start ?? 0;
    const to = end ?? entry.shape.reduce((a, b) => a * b, 1);
    const heap = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
    const Out = entry.dtype === 'float32' ? Float32Array : entry.dtype === 'int32' ? Int32Array : entry.dtype === 'bool' ? Uint8Array : null;
    if (Out === null) return original(dataId, start, end);
    const out = new Out(Math.max(0, to - from));
    const bytes = new Uint8Array(out.buffer);
    const first = entry.memoryOffset + from * Out.BYTES_PER_ELEMENT;
    bytes.set(heap.subarray(first, first + bytes.length));
    return out;
  }) as ReadSync;
}
