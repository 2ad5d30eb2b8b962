// BatchMatMul with more than one matrix in the batch (a transformer's attention: q·kᵀ, probs·v,
// and their gradients, over batch × heads matrices) runs in tfjs-backend-wasm 4.22 as a scalar
// loop — XNNPACK takes only batch 1 — and was most of a transformer step (~70 % of the teacher's
// kernel time). This runs it as the SIMD module's `bmm` (simd/gemm.ts): a transposed A is read
// in place through strides, a transposed B is transposed first (bmm reads B's rows as vectors),
// and one operand may broadcast over the other's batch. Batch 1 stays with XNNPACK (through
// untransposedMatMulConfig), as do other dtypes and general broadcasting ([2,1] against [1,3]).
import { backend_util, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withScratch } from './kernel-scratch';
import { swapLastTwo, untransposedMatMulConfig } from './mat-mul';
import { simdFor } from './simd';

interface Plan {
  outShape: number[];
  batch: number;
  m: number;
  k: number;
  n: number;
  /** Whether A (B) is one matrix for the whole batch. */
  broadcastA: boolean;
  broadcastB: boolean;
}

/** The batched product's sizes, or null where this kernel does not take the call (batch 1, dtypes, broadcasting other than one whole operand). */
export function batchPlan(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Plan | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [kB, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  if (k !== kB) return null; // the stock kernel throws tfjs's own message
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const batchA = util.sizeFromShape(aBatchShape);
  const batchB = util.sizeFromShape(bBatchShape);
  const batchShape = backend_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  const batch = util.sizeFromShape(batchShape);
  if (batch <= 1) return null;
  if (!((batchA === batch || batchA === 1) && (batchB === batch || batchB === 1))) return null;
  return { outShape: [...batchShape, m, n], batch, m, k, n, broadcastA: batchA === 1, broadcastB: batchB === 1 };
}

/** A BatchMatMul config that runs batches > 1 as SIMD `bmm`, and hands the rest to `original` (untransposed first). */
export function batchedMatMulConfig(original: KernelConfig): KernelConfig {
  const fallback = untransposedMatMulConfig(original);
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA = false, transposeB = false } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    const backend = args.backend as BackendWasm;
    const plan = batchPlan(a, b, transposeA, transposeB);
    const simd = plan ? simdFor(backend) : null;
    if (plan == null || simd == null) return fallback.kernelFunc(args);
    return withScratch(backend, (scratch) => {
      const rowMajorB = transposeB ? swapLastTwo(scratch, b) : b;
      const out = backend.makeOutput(plan.outShape, 'float32');
      const { batch, m, k, n } = plan;
      simd.fn.bmm({
        a: simd.address(a),
        b: simd.address(rowMajorB),
        out: simd.address(out),
        batch,
        m,
        k,
        n,
        aBatch: plan.broadcastA ? 0 : m * k * 4,
        bBatch: plan.broadcastB ? 0 : k * n * 4,
        // A is [M, K] in memory, or [K, M] when transposed.
        aRow: transposeA ? 4 : k * 4,
        aCol: transposeA ? m * 4 : 4,
      });
      return out;
    });
  };
  return { ...fallback, kernelFunc };
}
