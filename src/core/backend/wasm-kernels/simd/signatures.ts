// The call signature of every function of the SIMD module, in one table: each parameter's name,
// in the order of the wasm function's i32 parameters. The kernels are assembled from it
// (`simdFunc` gives a function's parameters by name) and called through it (`bindExports` takes
// one object of named arguments and passes them in this order), so a call site names every
// argument and cannot swap two of them silently, and the assembler and the callers cannot disagree
// on the order. Pointers are byte addresses on the tfjs wasm heap; everything else is a count,
// a size or a flag (0 or not). The meaning of each is documented beside the kernel that takes it.
import { Func, type Local } from './assembler';

/** The filter-gradient kernels (one and four output channels at a time) share one signature. */
const CONV_DW = [
  'x',
  'dy',
  'dw',
  'table',
  'batch',
  'height',
  'width',
  'channels',
  'outHeight',
  'outWidth',
  'outChannels',
  'filterHeight',
  'filterWidth',
  'strideHeight',
  'strideWidth',
  'padTop',
  'padLeft',
] as const;
/** So do the input-gradient kernels of one, two and four channels. */
const CONV_DX = ['dy', 'w', 'dx', 'batch', 'height', 'width', 'channels', 'outHeight', 'outWidth', 'outChannels', 'filterHeight', 'filterWidth', 'padTop', 'padLeft'] as const;

export const SIMD_SIGNATURES = {
  // simd/kernels.ts: per-channel reductions and batch norm over `rows` rows of `channels`.
  colsum: ['x', 'rows', 'channels', 'block', 'out'],
  colsumsqdev: ['x', 'rows', 'channels', 'block', 'mean', 'out'],
  colsum2: ['x', 'dy', 'rows', 'channels', 'block', 'mean', 'sumDy', 'sumDyXc'],
  affine: ['x', 'rows', 'channels', 'block', 'mean', 'scale', 'shift', 'out'],
  bndx: ['x', 'dy', 'rows', 'channels', 'block', 'mean', 'dyScale', 'xcScale', 'shift', 'out'],
  // simd/kernels.ts: MaxPoolGrad and the conv gradients.
  maxpool2grad: ['x', 'dy', 'dx', 'batch', 'height', 'width', 'channels', 'outHeight', 'outWidth'],
  convdw1: CONV_DW,
  convdw4: CONV_DW,
  convdx1: CONV_DX,
  convdx2: CONV_DX,
  convdx4: CONV_DX,
  // simd/winograd.ts: the passes of Winograd F(2x2, 3x3).
  winoInput: ['src', 'v', 'tile0', 'tile1', 'paddedHeight', 'paddedWidth', 'channels', 'tilesY', 'tilesX'],
  winoGrad: ['dy', 'yh', 'tile0', 'tile1', 'dyHeight', 'dyWidth', 'channels', 'tilesY', 'tilesX'],
  winoGemm: ['v', 'u', 'm', 'tiles', 'channels', 'outChannels'],
  winoGemmTN: ['v', 'yh', 'du', 'tiles', 'channels', 'outChannels', 'block'],
  winoOutput: ['m', 'out', 'bias', 'tile0', 'tile1', 'outHeight', 'outWidth', 'channels', 'tilesY', 'tilesX', 'relu'],
  // simd/small-conv.ts: convolutions of a single input channel.
  convfwdsmall: ['xp', 'w', 'out', 'bias', 'batch', 'outHeight', 'outWidth', 'paddedHeight', 'paddedWidth', 'channels', 'outChannels', 'filterHeight', 'filterWidth', 'relu'],
  convdxrow: ['dy', 'w', 'dx', 'acc', 'batch', 'height', 'width', 'outHeight', 'outWidth', 'outChannels', 'filterHeight', 'filterWidth', 'padTop', 'padLeft'],
  // simd/gemm.ts: batched matrix product (strides in bytes).
  bmm: ['a', 'b', 'out', 'batch', 'm', 'k', 'n', 'aBatch', 'bBatch', 'aRow', 'aCol', 'kBlock'],
  // simd/transformer-kernels.ts: GELU over `quads` groups of four floats; LayerNorm and the
  // softmax gradient over `rows` rows of `cols` floats (cols a multiple of 4); epsBits is ε's
  // float32 bit pattern.
  gelu: ['x', 'out', 'cdf', 'quads'],
  gelugrad: ['x', 'cdf', 'dy', 'dx', 'quads'],
  lnfwd: ['x', 'gamma', 'beta', 'out', 'mean', 'rstd', 'rows', 'cols', 'epsBits'],
  lngrad: ['x', 'dy', 'gamma', 'mean', 'rstd', 'dx', 'dgamma', 'dbeta', 'rows', 'cols'],
  smgrad: ['p', 'dy', 'dx', 'rows', 'cols'],
  // simd/dropout-mask.ts: 4·quads dropout multipliers from mulberry32's state (as i32 bits), a
  // draw kept below the unsigned threshold, kept ones set to the float32 bits scaleBits.
  dropmask: ['out', 'quads', 'state', 'threshold', 'scaleBits'],
} as const satisfies Record<string, readonly string[]>;

export type SimdFunction = keyof typeof SIMD_SIGNATURES;
type ParamName<K extends SimdFunction> = (typeof SIMD_SIGNATURES)[K][number];

/** The arguments of SIMD function K, each by name. */
export type SimdArgs<K extends SimdFunction> = { readonly [P in ParamName<K>]: number };

/** The SIMD module's functions, each taking its arguments as one object. */
export type SimdExports = { readonly [K in SimdFunction]: (args: SimdArgs<K>) => void };

/** A function of the module with its parameters (all i32) as named locals, in signature order. */
export function simdFunc<K extends SimdFunction>(name: K): { f: Func; p: { readonly [P in ParamName<K>]: Local } } {
  const names: readonly string[] = SIMD_SIGNATURES[name];
  const f = new Func(
    name,
    names.map(() => 'i32'),
  );
  const p = Object.fromEntries(names.map((param, i) => [param, f.params[i]]));
  return { f, p: p as { readonly [P in ParamName<K>]: Local } };
}

/**
 * The instance's exports behind named-argument functions. Throws if an export is missing or
 * takes a different number of parameters than its signature; a call throws if an argument is
 * missing or not an integer (wasm would silently take it as 0).
 */
export function bindExports(exports: WebAssembly.Exports): SimdExports {
  const bound: Record<string, (args: Record<string, number>) => void> = {};
  for (const [name, params] of Object.entries(SIMD_SIGNATURES) as [string, readonly string[]][]) {
    const raw = exports[name];
    if (typeof raw !== 'function') throw new Error(`SIMD module lacks '${name}'`);
    if (raw.length !== params.length) throw new Error(`SIMD '${name}' takes ${raw.length} parameters, its signature names ${params.length}`);
    const call = raw as (...args: number[]) => void;
    bound[name] = (args) => {
      const values = new Array<number>(params.length);
      for (let i = 0; i < params.length; i++) {
        const value = args[params[i]];
        if (!Number.isInteger(value)) throw new Error(`SIMD '${name}': argument '${params[i]}' is ${String(value)}, not an integer`);
        values[i] = value;
      }
      call(...values);
    };
  }
  return bound as unknown as SimdExports;
}
