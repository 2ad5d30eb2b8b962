// Where one of these kernels hands a call to tfjs-backend-wasm's stock kernel (a case it does
// not take) or the SIMD module cannot run, the run log says so: one line per kernel and process,
// naming the first case, so a slow or surprising run can be traced to it without flooding the
// log of a training loop that makes the same call thousands of times.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

type Log = (message: string) => void;

let log: Log = (message) => console.warn(message);
const reported = new Set<string>();

/** Where the lines go: initBackend passes the run's log; until then, console.warn. */
export function setFallbackLog(sink: Log): void {
  log = sink;
}

/** Logs `message()` unless a line for `key` was logged before in this process. */
export function noteFallback(key: string, message: () => string): void {
  if (reported.has(key)) return;
  reported.add(key);
  log(message());
}

/** Runs tfjs's stock kernel `original` on `args`, logging the first time per kernel why. */
export function stockKernel(original: KernelConfig, args: Parameters<KernelFunc>[0], reason: string): ReturnType<KernelFunc> {
  noteFallback(original.kernelName, () => {
    const inputs = Object.entries(args.inputs as Record<string, TensorInfo | undefined>)
      .filter((entry): entry is [string, TensorInfo] => entry[1] != null)
      .map(([name, t]) => `${name} ${t.dtype}[${t.shape.join(',')}]`)
      .join(', ');
    return `wasm kernel ${original.kernelName}: tfjs's stock kernel takes calls ${reason} (first: ${inputs}); logged once per process`;
  });
  return original.kernelFunc(args);
}

/** Forgets which fallbacks were logged (tests). */
export function resetFallbackLog(): void {
  reported.clear();
}
