// SIMD kernels of a transformer layer's elementwise and row-wise parts: BERT's GELU (erf form)
// and its gradient, LayerNorm over the last axis and its gradient, and softmax's gradient over
// the last axis. All pointers are byte addresses on the tfjs wasm heap; rows are contiguous
// runs of `cols` float32 (cols a multiple of 4).
//
// exp(x), float32, for x ≤ 88 (every argument here is ≤ 0): Cephes' expf — x = n·ln2 + r with
// n = round(x·log2 e), ln2 split in two (Cody–Waite) so r is exact, e^r ≈ 1 + r + r²·P(r)
// (degree 5, relative error 1.1e-9 on |r| ≤ ln2/2), times 2^n. n is rounded by adding
// 1.5·2²³ + 127 (the float's last bits are then n + 127, shifted into the exponent field for 2^n),
// as XNNPACK's exp does, instead of f32x4.nearest and a saturating conversion (~8 instructions
// on x64). Below ln(2⁻¹²⁶) it gives 0 (no denormals); NaN stays NaN.
//
// Φ(x) = erfc(−x/√2)/2 from Numerical Recipes' erfc: with z = |x|/√2 and t = 1/(1 + z/2),
// erfc(z) = t·exp(−z² + Q(t)), Q of degree 9, relative error below 1.2e-7 for every z ≥ 0 (so
// Φ keeps its relative accuracy far into the negative tail, where 1 + erf(x/√2) cancels);
// Φ(x) = 1 − erfc(z)/2 for x ≥ 0.
import type { Expr, Func, Local } from './assembler';
import { simdFunc } from './signatures';

const LOG2E = Math.LOG2E;
const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444e-4;
/** e^r − 1 − r = r²·(((((P0 r + P1) r + P2) r + P3) r + P4) r + P5), Cephes expf. */
const EXP_P = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
/** ln(2⁻¹²⁶): below, exp gives 0. Arguments are clamped to EXP_MAX (2^n must stay finite). */
const EXP_MIN = -87.33654475;
const EXP_MAX = 88;
/** 1.5·2²³ + 127: x·log2 e plus this rounds to an integer whose low bits are n + 127. */
const EXP_MAGIC = 12582912 + 127;
/** Q(t) of Numerical Recipes' erfcc, constant term first. */
const ERFC_Q = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Splats of the constants, made once at the start of the function: V8 does not hoist a splat out of a loop. */
type Constants = (value: number) => Expr;

function constants(f: Func): Constants {
  const splats = new Map<number, Local>();
  for (const c of [LOG2E, LN2_HI, LN2_LO, EXP_MIN, EXP_MAX, EXP_MAGIC, 1, 0.5, -0.5, Math.SQRT1_2, INV_SQRT_2PI, ...EXP_P, ...ERFC_Q]) {
    if (splats.has(c)) continue;
    const local = f.local('v128');
    f.set(local, f.splat(f.f32(c)));
    splats.set(c, local);
  }
  return (value) => {
    const local = splats.get(value);
    if (local == null) throw new Error(`transformer kernels: constant ${value} is not splatted`);
    return f.get(local);
  };
}

/**
 * The v128 locals of one group of four lanes for the exp and Φ statements. These take several
 * groups and emit each statement for every group in turn, so that two independent dependency
 * chains (exp and erfc are long ones) interleave.
 */
interface Lanes {
  xc: Local;
  n: Local;
  r: Local;
  e: Local;
  z: Local;
  t: Local;
  half: Local;
}

function lanes(f: Func): Lanes {
  const v = () => f.local('v128');
  return { xc: v(), n: v(), r: v(), e: v(), z: v(), t: v(), half: v() };
}

/** Horner's scheme in f32x4: coefficients highest degree first. */
function horner(f: Func, k: Constants, x: Expr, coefficients: number[]): Expr {
  let acc: Expr = k(coefficients[0]);
  for (const c of coefficients.slice(1)) acc = f.vAdd(f.vMul(acc, x), k(c));
  return acc;
}

/** out[i] = exp(x[i]) lane-wise for each group i (x locals: read more than once). */
function vExp(f: Func, k: Constants, out: Local[], x: Local[], l: Lanes[]): void {
  const g = f.get;
  const each = (statement: (i: number) => void) => l.forEach((_, i) => statement(i));
  // pmin/pmax keep a NaN x (they return their first operand unless the comparison holds).
  each((i) => f.set(l[i].xc, f.vPmax(f.vPmin(g(x[i]), k(EXP_MAX)), k(EXP_MIN))));
  each((i) => f.set(l[i].n, f.vAdd(f.vMul(g(l[i].xc), k(LOG2E)), k(EXP_MAGIC))));
  // 2^n: the low bits of n + magic are n + 127, shifted into the exponent field (the rest shifts out).
  each((i) => f.set(l[i].e, f.i32x4Shl(g(l[i].n), f.i32(23))));
  each((i) => f.set(l[i].n, f.vSub(g(l[i].n), k(EXP_MAGIC))));
  each((i) => f.set(l[i].r, f.vSub(f.vSub(g(l[i].xc), f.vMul(g(l[i].n), k(LN2_HI))), f.vMul(g(l[i].n), k(LN2_LO)))));
  each((i) => f.set(l[i].xc, horner(f, k, g(l[i].r), EXP_P)));
  each((i) => f.set(out[i], f.vMul(f.vAdd(f.vAdd(f.vMul(f.vMul(g(l[i].xc), g(l[i].r)), g(l[i].r)), g(l[i].r)), k(1)), g(l[i].e))));
  each((i) => f.set(out[i], f.vAndNot(g(out[i]), f.vLt(g(x[i]), k(EXP_MIN)))));
}

/** out[i] = Φ(x[i]) = P(N(0,1) ≤ x) lane-wise for each group; `arg` one more local per group. Leaves z = |x|/√2 in l[i].z. */
function vPhi(f: Func, k: Constants, out: Local[], x: Local[], arg: Local[], l: Lanes[]): void {
  const g = f.get;
  const each = (statement: (i: number) => void) => l.forEach((_, i) => statement(i));
  each((i) => f.set(l[i].z, f.vMul(f.vAbs(g(x[i])), k(Math.SQRT1_2))));
  each((i) => f.set(l[i].t, f.vDiv(k(1), f.vAdd(k(1), f.vMul(g(l[i].z), k(0.5))))));
  each((i) => f.set(arg[i], f.vSub(horner(f, k, g(l[i].t), [...ERFC_Q].reverse()), f.vMul(g(l[i].z), g(l[i].z)))));
  vExp(
    f,
    k,
    l.map((li) => li.half),
    arg,
    l,
  );
  // erfc(z)/2 = Φ(−|x|)
  each((i) => f.set(l[i].half, f.vMul(f.vMul(g(l[i].t), g(l[i].half)), k(0.5))));
  each((i) => f.set(out[i], f.bitselect(g(l[i].half), f.vSub(k(1), g(l[i].half)), f.vLt(g(x[i]), f.vZero()))));
}

/** gelu(x, out, cdf, quads): cdf = Φ(x), out = x·Φ(x) over 4·quads floats, two quads at a time. */
export function gelu(): Func {
  const {
    f,
    p: { x, out, cdf, quads },
  } = simdFunc('gelu');
  const g = f.get;
  const k = constants(f);
  const groups = [lanes(f), lanes(f)];
  const v = [f.local('v128'), f.local('v128')];
  const phi = [f.local('v128'), f.local('v128')];
  const arg = [f.local('v128'), f.local('v128')];
  const [o, end, pairsEnd] = [f.local('i32'), f.local('i32'), f.local('i32')];
  /** The first `n` groups from byte offset o. */
  const body = (n: number) => {
    for (let i = 0; i < n; i++) f.set(v[i], f.vLoad(f.add(g(x), g(o)), 16 * i));
    vPhi(f, k, phi.slice(0, n), v.slice(0, n), arg.slice(0, n), groups.slice(0, n));
    for (let i = 0; i < n; i++) {
      f.vStore(f.add(g(cdf), g(o)), g(phi[i]), 16 * i);
      f.vStore(f.add(g(out), g(o)), f.vMul(g(v[i]), g(phi[i])), 16 * i);
    }
  };
  f.set(end, f.shl(g(quads), f.i32(4)));
  f.set(pairsEnd, f.and(g(end), f.i32(~31)));
  f.forRange(o, f.i32(0), g(pairsEnd), f.i32(32), () => body(2));
  f.if(f.ltS(g(o), g(end)), () => body(1));
  return f;
}

/** gelugrad(x, cdf, dy, dx, quads): dx = dy·(Φ(x) + x·φ(x)), φ(x) = exp(−x²/2)/√(2π), Φ(x) given (the forward's cdf). */
export function gelugrad(): Func {
  const {
    f,
    p: { x, cdf, dy, dx, quads },
  } = simdFunc('gelugrad');
  const g = f.get;
  const k = constants(f);
  const l = lanes(f);
  const [v, arg, pdf] = [f.local('v128'), f.local('v128'), f.local('v128')];
  const o = f.local('i32');
  f.forRange(o, f.i32(0), f.shl(g(quads), f.i32(4)), f.i32(16), () => {
    f.set(v, f.vLoad(f.add(g(x), g(o))));
    f.set(arg, f.vMul(f.vMul(g(v), g(v)), k(-0.5)));
    vExp(f, k, [pdf], [arg], [l]);
    const slope = f.vAdd(f.vLoad(f.add(g(cdf), g(o))), f.vMul(g(v), f.vMul(g(pdf), k(INV_SQRT_2PI))));
    f.vStore(f.add(g(dx), g(o)), f.vMul(f.vLoad(f.add(g(dy), g(o))), slope));
  });
  return f;
}

/** The f32 sum of a f32x4 local's lanes. */
function hsum(f: Func, v: Local): Expr {
  return f.f32Add(f.f32Add(f.lane(f.get(v), 0), f.lane(f.get(v), 1)), f.f32Add(f.lane(f.get(v), 2), f.lane(f.get(v), 3)));
}

/** For each row r (row byte offset `base`, the row's index `r`), body. */
function eachRow(f: Func, rows: Local, cBytes: Local, body: (r: Local, base: Local) => void): void {
  const r = f.local('i32');
  const base = f.local('i32');
  f.set(base, f.i32(0));
  f.forRange(r, f.i32(0), f.get(rows), f.i32(1), () => {
    body(r, base);
    f.set(base, f.add(f.get(base), f.get(cBytes)));
  });
}

/**
 * lnfwd(x, gamma, beta, out, mean, rstd, rows, cols, epsBits): per row, m = mean(x),
 * s = 1/√(mean((x − m)²) + ε), out = (x − m)·s·γ + β; m and s stored per row (float32).
 */
export function lnfwd(): Func {
  const {
    f,
    p: { x, gamma, beta, out, mean, rstd, rows, cols, epsBits },
  } = simdFunc('lnfwd');
  const g = f.get;
  const [cBytes, cb] = [f.local('i32'), f.local('i32')];
  const [acc, mv, sv, d] = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  const [invC, m, s] = [f.local('f32'), f.local('f32'), f.local('f32')];
  f.set(cBytes, f.shl(g(cols), f.i32(2)));
  f.set(invC, f.f32Div(f.f32(1), f.f32ConvertI32(g(cols))));
  eachRow(f, rows, cBytes, (r, base) => {
    const xAt = () => f.vLoad(f.add(f.add(g(x), g(base)), g(cb)));
    f.set(acc, f.vZero());
    f.forRange(cb, f.i32(0), g(cBytes), f.i32(16), () => f.set(acc, f.vAdd(g(acc), xAt())));
    f.set(m, f.f32Mul(hsum(f, acc), g(invC)));
    f.set(mv, f.splat(g(m)));
    f.set(acc, f.vZero());
    f.forRange(cb, f.i32(0), g(cBytes), f.i32(16), () => {
      f.set(d, f.vSub(xAt(), g(mv)));
      f.set(acc, f.vAdd(g(acc), f.vMul(g(d), g(d))));
    });
    f.set(s, f.f32Div(f.f32(1), f.f32Sqrt(f.f32Add(f.f32Mul(hsum(f, acc), g(invC)), f.f32FromBits(g(epsBits))))));
    f.set(sv, f.splat(g(s)));
    f.forRange(cb, f.i32(0), g(cBytes), f.i32(16), () => {
      const y = f.vAdd(f.vMul(f.vMul(f.vSub(xAt(), g(mv)), g(sv)), f.vLoad(f.add(g(gamma), g(cb)))), f.vLoad(f.add(g(beta), g(cb))));
      f.vStore(f.add(f.add(g(out), g(base)), g(cb)), y);
    });
    f.f32Store(f.add(g(mean), f.shl(g(r), f.i32(2))), g(m));
    f.f32Store(f.add(g(rstd), f.shl(g(r), f.i32(2))), g(s));
  });
  return f;
}

/**
 * lngrad(x, dy, gamma, mean, rstd, dx, dgamma, dbeta, rows, cols): per row, with
 * x̂ = (x − m)·s and g = dy·γ, dx = s·(g − mean(g) − x̂·mean(g·x̂)); adds Σ_rows dy·x̂ into
 * dgamma and Σ_rows dy into dbeta (float32 buffers of cols; the caller sums blocks in float64).
 */
export function lngrad(): Func {
  const {
    f,
    p: { x, dy, gamma, mean, rstd, dx, dgamma, dbeta, rows, cols },
  } = simdFunc('lngrad');
  const g = f.get;
  const [cBytes, cb] = [f.local('i32'), f.local('i32')];
  const [mv, sv, xh, d, gx, sumG, sumGx, av, bv] = Array.from({ length: 9 }, () => f.local('v128'));
  const invC = f.local('f32');
  f.set(cBytes, f.shl(g(cols), f.i32(2)));
  f.set(invC, f.f32Div(f.f32(1), f.f32ConvertI32(g(cols))));
  eachRow(f, rows, cBytes, (r, base) => {
    const at = (p: Local) => f.add(f.add(g(p), g(base)), g(cb));
    const xhat = () => f.set(xh, f.vMul(f.vSub(f.vLoad(at(x)), g(mv)), g(sv)));
    f.set(mv, f.vLoadSplat(f.add(g(mean), f.shl(g(r), f.i32(2)))));
    f.set(sv, f.vLoadSplat(f.add(g(rstd), f.shl(g(r), f.i32(2)))));
    f.set(sumG, f.vZero());
    f.set(sumGx, f.vZero());
    f.forRange(cb, f.i32(0), g(cBytes), f.i32(16), () => {
      xhat();
      f.set(d, f.vLoad(at(dy)));
      f.set(gx, f.vMul(g(d), f.vLoad(f.add(g(gamma), g(cb)))));
      f.set(sumG, f.vAdd(g(sumG), g(gx)));
      f.set(sumGx, f.vAdd(g(sumGx), f.vMul(g(gx), g(xh))));
      const dg = f.add(g(dgamma), g(cb));
      const db = f.add(g(dbeta), g(cb));
      f.vStore(dg, f.vAdd(f.vLoad(dg), f.vMul(g(d), g(xh))));
      f.vStore(db, f.vAdd(f.vLoad(db), g(d)));
    });
    f.set(av, f.splat(f.f32Mul(hsum(f, sumG), g(invC))));
    f.set(bv, f.splat(f.f32Mul(hsum(f, sumGx), g(invC))));
    f.forRange(cb, f.i32(0), g(cBytes), f.i32(16), () => {
      xhat();
      f.set(gx, f.vMul(f.vLoad(at(dy)), f.vLoad(f.add(g(gamma), g(cb)))));
      f.vStore(at(dx), f.vMul(g(sv), f.vSub(f.vSub(g(gx), g(av)), f.vMul(g(xh), g(bv)))));
    });
  });
  return f;
}

/** smgrad(p, dy, dx, rows, cols): per row, dx = p·(dy − Σ dy·p). */
export function smgrad(): Func {
  const {
    f,
    p: { p, dy, dx, rows, cols },
  } = simdFunc('smgrad');
  const g = f.get;
  const [cBytes, cb] = [f.local('i32'), f.local('i32')];
  const acc = f.local('v128');
  f.set(cBytes, f.shl(g(cols), f.i32(2)));
  eachRow(f, rows, cBytes, (_r, base) => {
    const at = (q: Local) => f.add(f.add(g(q), g(base)), g(cb));
    f.set(acc, f.vZero());
    f.forRange(cb, f.i32(0), g(cBytes), f.i32(16), () => f.set(acc, f.vAdd(g(acc), f.vMul(f.vLoad(at(dy)), f.vLoad(at(p))))));
    f.set(acc, f.splat(hsum(f, acc)));
    f.forRange(cb, f.i32(0), g(cBytes), f.i32(16), () => f.vStore(at(dx), f.vMul(f.vLoad(at(p)), f.vSub(f.vLoad(at(dy)), g(acc)))));
  });
  return f;
}
