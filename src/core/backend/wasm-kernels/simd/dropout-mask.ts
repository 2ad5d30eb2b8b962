// Dropout multipliers from the seeded mulberry32 stream (src/shared/rng.ts), four draws per f32x4.
// mulberry32's state is a counter, a_i = a_0 + i·0x6d2b79f5 (mod 2³²), and each draw a hash of
// its a_i alone, so lane j of step q hashes a_0 + (4q + j + 1)·0x6d2b79f5 and the stream comes out
// in the order a JS loop draws it: the same masks, bit for bit. A draw u/2³² < keep (u the hash as
// an unsigned integer) keeps its unit, i.e. u < ⌈keep·2³²⌉ = `threshold`.
import type { Func } from './assembler';
import { simdFunc } from './signatures';

/** mulberry32's increment. */
export const MULBERRY_STEP = 0x6d2b79f5;

/** dropmask(out, quads, state, threshold, scaleBits): out[i] = draw i kept ? scale : 0 over 4·quads floats. */
export function dropmask(): Func {
  const {
    f,
    p: { out, quads, state, threshold, scaleBits },
  } = simdFunc('dropmask');
  const g = f.get;
  const [a, t, limit, scale] = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  const o = f.local('i32');
  const step = MULBERRY_STEP | 0;
  const sh = (v: number) => f.i32(v);
  f.set(a, f.i32x4Add(f.i32x4Splat(g(state)), f.i32x4Const([step, Math.imul(2, step), Math.imul(3, step), Math.imul(4, step)])));
  f.set(limit, f.i32x4Splat(g(threshold)));
  f.set(scale, f.i32x4Splat(g(scaleBits)));
  f.forRange(o, f.i32(0), f.shl(g(quads), f.i32(4)), f.i32(16), () => {
    // t = imul(a ^ a >>> 15, a | 1); t ^= t + imul(t ^ t >>> 7, t | 61); u = t ^ t >>> 14
    f.set(t, f.i32x4Mul(f.vXor(g(a), f.i32x4ShrU(g(a), sh(15))), f.vOr(g(a), f.i32x4Splat(f.i32(1)))));
    f.set(t, f.vXor(g(t), f.i32x4Add(g(t), f.i32x4Mul(f.vXor(g(t), f.i32x4ShrU(g(t), sh(7))), f.vOr(g(t), f.i32x4Splat(f.i32(61)))))));
    f.set(t, f.vXor(g(t), f.i32x4ShrU(g(t), sh(14))));
    f.vStore(f.add(g(out), g(o)), f.vAnd(f.i32x4LtU(g(t), g(limit)), g(scale)));
    f.set(a, f.i32x4Add(g(a), f.i32x4Splat(f.i32(Math.imul(4, step)))));
  });
  return f;
}
