// wasm's matmul uses XNNPACK only when neither operand is transposed (and batch is 1);
// with transposeA/transposeB it falls back to a naive loop ~10x slower, and that is
// exactly what a dense layer's backward pass asks for. Transposing the operand first and
// calling the original kernel untransposed is much cheaper. Untransposed calls are the original's
// own (fast) case: they go straight to it, and are not fallbacks.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withScratch, type KernelScratch } from './kernel-scratch';

/** A wasm config for `original.kernelName` that hands `original` only untransposed operands. */
export function untransposedMatMulConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { transposeA, transposeB } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    const { a, b, ...rest } = args.inputs as { a: TensorInfo; b: TensorInfo };
    return withScratch(args.backend as BackendWasm, (scratch) =>
      scratch.run(
        original.kernelFunc,
        {
          ...rest,
          a: transposeA ? swapLastTwo(scratch, a) : a,
          b: transposeB ? swapLastTwo(scratch, b) : b,
        },
        { ...args.attrs, transposeA: false, transposeB: false },
      ),
    );
  };
  // The original's setup binds its wasm export; it must still run when the backend starts.
  return { ...original, kernelFunc };
}

/** x with its last two axes swapped (a scratch tensor). */
export function swapLastTwo(scratch: KernelScratch, x: TensorInfo): TensorInfo {
  const perm = x.shape.map((_, axis) => axis);
  const rank = perm.length;
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return scratch.transpose(x, perm);
}
