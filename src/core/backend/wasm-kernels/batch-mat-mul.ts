// BatchMatMul with more than one matrix in the batch (a transformer's attention: q·kᵀ, probs·v,
// and their gradients, over batch × heads matrices) runs in tfjs-backend-wasm 4.22 as a scalar
// loop — XNNPACK takes only batch 1 — and was most of a transformer step (~70 % of the teacher's
// kernel time). This runs every float32 BatchMatMul as the SIMD module's `bmm` (simd/gemm.ts):
// a transposed A is read in place through strides (up to a width), a transposed B is transposed
// first (bmm reads B's rows as vectors), and one operand may broadcast over the other's batch.
// Batch 1 too: bmm beat XNNPACK's matmul (with its transposes) on a dense layer's gradient shapes.
// Other dtypes and general broadcasting ([2,1] against [1,3]) go to the stock kernel (through
// untransposedMatMulConfig); _FusedMatMul (bias and activation fused) stays with XNNPACK.
import { backend_util, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withScratch } from './kernel-scratch';
import { swapLastTwo, untransposedMatMulConfig } from './mat-mul';
import { simdFor, type Simd } from './simd';

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

/** The batched product's sizes, or null where this kernel does not take the call (dtypes, broadcasting other than one whole operand). */
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
  if (!((batchA === batch || batchA === 1) && (batchB === batch || batchB === 1))) return null;
  return { outShape: [...batchShape, m, n], batch, m, k, n, broadcastA: batchA === 1 && batch > 1, broadcastB: batchB === 1 && batch > 1 };
}

/** A BatchMatMul config that runs float32 products as SIMD `bmm`, and hands the rest to `original` (untransposed first). */
export function batchedMatMulConfig(original: KernelConfig): KernelConfig {
  const fallback = untransposedMatMulConfig(original);
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA = false, transposeB = false } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    const backend = args.backend as BackendWasm;
    const plan = batchPlan(a, b, transposeA, transposeB);
    const simd = plan ? simdFor(backend) : null;
    if (plan == null || simd == null) return fallback.kernelFunc(args);
    return product(simd, a, b, transposeA, transposeB, plan, (out) => out.fill(0));
  };
  return { ...fallback, kernelFunc };
}

interface FusedAttrs {
  transposeA?: boolean;
  transposeB?: boolean;
  activation?: string;
}

/**
 * A _FusedMatMul config (a dense layer's forward pass: x·W + bias, maybe ReLU) on `bmm`, its
 * output starting from the bias rows; the stock kernel (XNNPACK, transposes first) keeps the
 * activations other than linear and ReLU, a bias that is not one row of N, and the rest.
 * Measured on the transformer's dense shapes (2048 × 128…512 · 128…512): 10–30 % under XNNPACK's CPU time.
 */
export function fusedMatMulConfig(original: KernelConfig): KernelConfig {
  const fallback = untransposedMatMulConfig(original);
  const kernelFunc: KernelFunc = (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const { transposeA = false, transposeB = false, activation = 'linear' } = args.attrs as FusedAttrs;
    const backend = args.backend as BackendWasm;
    const plan = batchPlan(a, b, transposeA, transposeB);
    const rowBias = bias == null || (bias.dtype === 'float32' && util.sizeFromShape(bias.shape) === plan?.n && bias.shape.length <= 1);
    const supported = plan != null && rowBias && preluActivationWeights == null && (activation === 'linear' || activation === 'relu');
    const simd = supported ? simdFor(backend) : null;
    if (!supported || simd == null) return fallback.kernelFunc(args);
    const out = product(simd, a, b, transposeA, transposeB, plan, (values) => {
      if (bias == null) return values.fill(0);
      const row = backend.typedArrayFromHeap(bias) as Float32Array;
      for (let at = 0; at < values.length; at += plan.n) values.set(row, at);
    });
    if (activation === 'relu') {
      const values = backend.typedArrayFromHeap(out) as Float32Array;
      for (let i = 0; i < values.length; i++) if (values[i] < 0) values[i] = 0;
    }
    return out;
  };
  return { ...fallback, kernelFunc };
}

/** a·b by `bmm` into a new output that `start` fills first (bmm adds into it). */
function product(simd: Simd, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, plan: Plan, start: (out: Float32Array) => void): TensorInfo {
  const backend = simd.backend;
  return withScratch(backend, (scratch) => {
    const strideA = transposeA && plan.m <= IN_PLACE_TRANSPOSED_A_MAX_M;
    const rowMajorA = transposeA && !strideA ? swapLastTwo(scratch, a) : a;
    const rowMajorB = transposeB ? swapLastTwo(scratch, b) : b;
    const out = backend.makeOutput(plan.outShape, 'float32');
    // A view made after the allocations (a growing heap detaches older ones).
    start(backend.typedArrayFromHeap(out) as Float32Array);
    const { batch, m, k, n } = plan;
    simd.fn.bmm({
      a: simd.address(rowMajorA),
      b: simd.address(rowMajorB),
      out: simd.address(out),
      batch,
      m,
      k,
      n,
      aBatch: plan.broadcastA ? 0 : m * k * 4,
      bBatch: plan.broadcastB ? 0 : k * n * 4,
      // A is [M, K] in memory, or [K, M] when read transposed.
      aRow: strideA ? 4 : k * 4,
      aCol: strideA ? m * 4 : 4,
      kBlock: kBlockFor(n),
    });
    return out;
  });
}

/**
 * Bytes of B one pass over the rows streams through. Measured on the dense layers' gradient
 * shapes (2048 × 128…512 × 128…512): 16 KB beat 64 KB, 256 KB and no blocking, and XNNPACK.
 */
const B_BLOCK_BYTES = 16384;

/**
 * A transposed A ([K, M] in memory) is read in place up to this M; past it each k step jumps
 * too far for the cache, and transposing first is cheaper (measured: M 2048, K 128…512).
 */
const IN_PLACE_TRANSPOSED_A_MAX_M = 512;

/** Rows of K per block, so that a block of B ([kBlock, N] floats) stays within B_BLOCK_BYTES. */
export function kBlockFor(n: number): number {
  return Math.max(16, Math.floor(B_BLOCK_BYTES / (4 * Math.max(n, 1))));
}
