// SIMD loop kernels over channels-last float32 data: x is `rows` rows of `C` channels, C a
// multiple of 4. All pointers are byte offsets into the tfjs wasm heap. Per-channel sums are
// taken four channels at a time down a block of rows (so the block stays in L1), in float32
// within a block and added into float64 accumulators per block.
import { assemble, type Expr, type Func, type Local } from './assembler';
import { simdFunc, SIMD_SIGNATURES, type SimdFunction } from './signatures';
import { bmm } from './gemm';
import { dropmask } from './dropout-mask';
import { gelu, gelugrad, lnfwd, lngrad, smgrad } from './transformer-kernels';
import { convDxRow, convFwdSmall } from './small-conv';
import { winoGemm, winoGemmTN, winoGrad, winoInput, winoOutput } from './winograd';

/** Loops over blocks of `block` rows, and within each over 4-channel columns. */
function columns(f: Func, rows: Local, channels: Local, block: Local, body: (start: Expr, end: Expr, channelByte: Local, stride: Local) => void): void {
  const stride = f.local('i32');
  const r0 = f.local('i32');
  const r1 = f.local('i32');
  const cb = f.local('i32');
  f.set(stride, f.shl(f.get(channels), f.i32(2)));
  f.forRange(r0, f.i32(0), f.get(rows), f.get(block), () => {
    const next = f.add(f.get(r0), f.get(block));
    f.set(r1, f.select(f.get(rows), next, f.gtS(next, f.get(rows))));
    f.forRange(cb, f.i32(0), f.get(stride), f.i32(16), () => {
      body(f.add(f.mul(f.get(r0), f.get(stride)), f.get(cb)), f.add(f.mul(f.get(r1), f.get(stride)), f.get(cb)), cb, stride);
    });
  });
}

/** out64[c .. c+3] += the four lanes of acc (float64 accumulators at byte address `at`). */
function addInto64(f: Func, at: Expr, acc: Local): void {
  f.vStore(at, f.f64x2Add(f.vLoad(at), f.promoteLow(f.get(acc))));
  f.vStore(at, f.f64x2Add(f.vLoad(at, 16), f.promoteLow(f.highHalf(f.get(acc)))), 16);
}

/** colsum(x, rows, C, block, out64): out64[c] += sum over rows of x[r, c]. */
function colsum(): Func {
  const {
    f,
    p: { x, rows, channels, block, out },
  } = simdFunc('colsum');
  const acc = f.local('v128');
  const o = f.local('i32');
  columns(f, rows, channels, block, (start, end, cb, stride) => {
    f.set(acc, f.vZero());
    f.forRange(o, start, end, f.get(stride), () => f.set(acc, f.vAdd(f.get(acc), f.vLoad(f.add(f.get(x), f.get(o))))));
    addInto64(f, f.add(f.get(out), f.shl(f.get(cb), f.i32(1))), acc);
  });
  return f;
}

/** colsumsqdev(x, rows, C, block, mean, out64): out64[c] += sum over rows of (x[r, c] - mean[c])^2. */
function colsumsqdev(): Func {
  const {
    f,
    p: { x, rows, channels, block, mean, out },
  } = simdFunc('colsumsqdev');
  const acc = f.local('v128');
  const m = f.local('v128');
  const d = f.local('v128');
  const o = f.local('i32');
  columns(f, rows, channels, block, (start, end, cb, stride) => {
    f.set(acc, f.vZero());
    f.set(m, f.vLoad(f.add(f.get(mean), f.get(cb))));
    f.forRange(o, start, end, f.get(stride), () => {
      f.set(d, f.vSub(f.vLoad(f.add(f.get(x), f.get(o))), f.get(m)));
      f.set(acc, f.vAdd(f.get(acc), f.vMul(f.get(d), f.get(d))));
    });
    addInto64(f, f.add(f.get(out), f.shl(f.get(cb), f.i32(1))), acc);
  });
  return f;
}

/** colsum2(x, dy, rows, C, block, mean, outDy64, outDyXc64): sums of dy and of dy * (x - mean). */
function colsum2(): Func {
  const {
    f,
    p: { x, dy, rows, channels, block, mean, sumDy: out1, sumDyXc: out2 },
  } = simdFunc('colsum2');
  const acc1 = f.local('v128');
  const acc2 = f.local('v128');
  const m = f.local('v128');
  const d = f.local('v128');
  const o = f.local('i32');
  columns(f, rows, channels, block, (start, end, cb, stride) => {
    f.set(acc1, f.vZero());
    f.set(acc2, f.vZero());
    f.set(m, f.vLoad(f.add(f.get(mean), f.get(cb))));
    f.forRange(o, start, end, f.get(stride), () => {
      f.set(d, f.vLoad(f.add(f.get(dy), f.get(o))));
      f.set(acc1, f.vAdd(f.get(acc1), f.get(d)));
      f.set(acc2, f.vAdd(f.get(acc2), f.vMul(f.get(d), f.vSub(f.vLoad(f.add(f.get(x), f.get(o))), f.get(m)))));
    });
    addInto64(f, f.add(f.get(out1), f.shl(f.get(cb), f.i32(1))), acc1);
    addInto64(f, f.add(f.get(out2), f.shl(f.get(cb), f.i32(1))), acc2);
  });
  return f;
}

/** affine(x, rows, C, block, m, k, b, out): out = (x - m) * k + b per channel. */
function affine(): Func {
  const {
    f,
    p: { x, rows, channels, block, mean: mp, scale: kp, shift: bp, out },
  } = simdFunc('affine');
  const [m, k, b] = [f.local('v128'), f.local('v128'), f.local('v128')];
  const o = f.local('i32');
  columns(f, rows, channels, block, (start, end, cb, stride) => {
    f.set(m, f.vLoad(f.add(f.get(mp), f.get(cb))));
    f.set(k, f.vLoad(f.add(f.get(kp), f.get(cb))));
    f.set(b, f.vLoad(f.add(f.get(bp), f.get(cb))));
    f.forRange(o, start, end, f.get(stride), () => {
      f.vStore(f.add(f.get(out), f.get(o)), f.vAdd(f.vMul(f.vSub(f.vLoad(f.add(f.get(x), f.get(o))), f.get(m)), f.get(k)), f.get(b)));
    });
  });
  return f;
}

/** bndx(x, dy, rows, C, block, m, a, b, k, out): out = a * dy + b * (x - m) + k per channel. */
function bndx(): Func {
  const {
    f,
    p: { x, dy, rows, channels, block, mean: mp, dyScale: ap, xcScale: bp, shift: kp, out },
  } = simdFunc('bndx');
  const [m, a, b, k] = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  const o = f.local('i32');
  columns(f, rows, channels, block, (start, end, cb, stride) => {
    f.set(m, f.vLoad(f.add(f.get(mp), f.get(cb))));
    f.set(a, f.vLoad(f.add(f.get(ap), f.get(cb))));
    f.set(b, f.vLoad(f.add(f.get(bp), f.get(cb))));
    f.set(k, f.vLoad(f.add(f.get(kp), f.get(cb))));
    f.forRange(o, start, end, f.get(stride), () => {
      const dyv = f.vLoad(f.add(f.get(dy), f.get(o)));
      const xc = f.vSub(f.vLoad(f.add(f.get(x), f.get(o))), f.get(m));
      f.vStore(f.add(f.get(out), f.get(o)), f.vAdd(f.vAdd(f.vMul(f.get(a), dyv), f.vMul(f.get(b), xc)), f.get(k)));
    });
  });
  return f;
}

/**
 * maxpool2grad(x, dy, dx, N, H, W, C, OH, OW): gradient of a 2x2, stride-2 max pool whose
 * windows all lie inside x (no padding). dx must be zeroed by the caller; each window's dy goes
 * to its first maximum in row-major order (strict '>' from -inf, as the cpu backend), so a
 * window of NaNs or -infs passes nothing.
 */
function maxpool2grad(): Func {
  const {
    f,
    p: { x, dy, dx, batch, height, width, channels, outHeight, outWidth },
  } = simdFunc('maxpool2grad');
  const [n, oy, ox, cb] = [f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32')];
  const [pixel, rowBytes, cBytes, dyAt] = [f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32')];
  const [best, d, u] = [f.local('v128'), f.local('v128'), f.local('v128')];
  const w = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  f.set(cBytes, f.shl(f.get(channels), f.i32(2)));
  f.set(rowBytes, f.mul(f.get(width), f.get(cBytes)));
  f.set(dyAt, f.get(dy));
  f.forRange(n, f.i32(0), f.get(batch), f.i32(1), () => {
    f.forRange(oy, f.i32(0), f.get(outHeight), f.i32(1), () => {
      f.forRange(ox, f.i32(0), f.get(outWidth), f.i32(1), () => {
        // Byte offset of the window's top-left pixel.
        f.set(pixel, f.add(f.mul(f.add(f.mul(f.get(n), f.get(height)), f.shl(f.get(oy), f.i32(1))), f.get(rowBytes)), f.mul(f.shl(f.get(ox), f.i32(1)), f.get(cBytes))));
        f.forRange(cb, f.i32(0), f.get(cBytes), f.i32(16), () => {
          const at = (k: number): Expr => {
            const base = f.add(f.get(pixel), f.get(cb));
            const row = k >= 2 ? f.add(base, f.get(rowBytes)) : base;
            return k % 2 === 1 ? f.add(row, f.get(cBytes)) : row;
          };
          f.set(best, f.splat(f.f32(-Infinity)));
          for (let k = 0; k < 4; k++) {
            const v = f.vLoad(f.add(f.get(x), at(k)));
            f.set(u, f.vGt(v, f.get(best)));
            f.set(best, f.bitselect(v, f.get(best), f.get(u)));
            for (let j = 0; j < k; j++) f.set(w[j], f.vAndNot(f.get(w[j]), f.get(u)));
            f.set(w[k], f.get(u));
          }
          f.set(d, f.vLoad(f.add(f.get(dyAt), f.get(cb))));
          for (let k = 0; k < 4; k++) f.vStore(f.add(f.get(dx), at(k)), f.vAnd(f.get(d), f.get(w[k])));
        });
        f.set(dyAt, f.add(f.get(dyAt), f.get(cBytes)));
      });
    });
  });
  return f;
}

/**
 * convdw{tile}(x, dy, dw, table, N, H, W, C, OH, OW, O, KH, KW, sh, sw, pt, pl): adds the NHWC
 * conv filter gradient, dw[i, j, c, o] += sum over n, p, q of
 * x[n, p*sh + i - pt, q*sw + j - pl, c] * dy[n, p, q, o], into dw (zeroed by the caller).
 * `table` holds i32 pairs: for each i the valid output rows [p0, p1), then for each j the
 * valid output columns [q0, q1). Register tile: `tile` channels (1 or 4, dividing C) by 8
 * outputs (O a multiple of 8); per image and tap the tile accumulates in registers, then is
 * added into dw.
 */
function convdw(tile: 1 | 4): Func {
  const { f, p: params } = simdFunc(tile === 1 ? 'convdw1' : 'convdw4');
  const { x, dy, dw, table, batch, height, width, channels, outHeight, outWidth, outChannels } = params;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padTop: pt, padLeft: pl } = params;
  const local = () => f.local('i32');
  const [n, i, j, cb, ob, p, q] = [local(), local(), local(), local(), local(), local(), local()];
  const [p0, p1, q0, q1, xImg, dyImg, dwTap, xp, dp, cBytes, oBytes, rowX, xStep] = [
    local(),
    local(),
    local(),
    local(),
    local(),
    local(),
    local(),
    local(),
    local(),
    local(),
    local(),
    local(),
    local(),
  ];
  const acc = Array.from({ length: tile * 2 }, () => f.local('v128'));
  const splat = Array.from({ length: tile }, () => f.local('v128'));
  const [d0, d1] = [f.local('v128'), f.local('v128')];
  const g = f.get;
  f.set(cBytes, f.shl(g(channels), f.i32(2)));
  f.set(oBytes, f.shl(g(outChannels), f.i32(2)));
  f.set(rowX, f.mul(g(width), g(cBytes)));
  f.set(xStep, f.mul(g(sw), g(cBytes)));
  f.forRange(n, f.i32(0), g(batch), f.i32(1), () => {
    f.set(xImg, f.add(g(x), f.mul(f.mul(g(n), g(height)), g(rowX))));
    f.set(dyImg, f.add(g(dy), f.mul(f.mul(f.mul(g(n), g(outHeight)), g(outWidth)), g(oBytes))));
    f.forRange(i, f.i32(0), g(kh), f.i32(1), () => {
      f.set(p0, f.i32Load(f.add(g(table), f.shl(g(i), f.i32(3)))));
      f.set(p1, f.i32Load(f.add(g(table), f.shl(g(i), f.i32(3))), 4));
      f.forRange(j, f.i32(0), g(kw), f.i32(1), () => {
        const qAt = f.add(g(table), f.shl(f.add(g(kh), g(j)), f.i32(3)));
        f.set(q0, f.i32Load(qAt));
        f.set(q1, f.i32Load(qAt, 4));
        f.set(dwTap, f.add(g(dw), f.mul(f.mul(f.add(f.mul(g(i), g(kw)), g(j)), g(channels)), g(oBytes))));
        f.forRange(cb, f.i32(0), g(cBytes), f.i32(4 * tile), () => {
          f.forRange(ob, f.i32(0), g(oBytes), f.i32(32), () => {
            for (const a of acc) f.set(a, f.vZero());
            f.forRange(p, g(p0), g(p1), f.i32(1), () => {
              // x[n, p*sh + i - pt, q0*sw + j - pl, c] and dy[n, p, q0, o]
              const row = f.sub(f.add(f.mul(g(p), g(sh)), g(i)), g(pt));
              const col = f.sub(f.add(f.mul(g(q0), g(sw)), g(j)), g(pl));
              f.set(xp, f.add(f.add(f.add(g(xImg), f.mul(row, g(rowX))), f.mul(col, g(cBytes))), g(cb)));
              f.set(dp, f.add(f.add(g(dyImg), f.mul(f.add(f.mul(g(p), g(outWidth)), g(q0)), g(oBytes))), g(ob)));
              f.forRange(q, g(q0), g(q1), f.i32(1), () => {
                for (let t = 0; t < tile; t++) f.set(splat[t], f.vLoadSplat(g(xp), 4 * t));
                f.set(d0, f.vLoad(g(dp)));
                f.set(d1, f.vLoad(g(dp), 16));
                for (let t = 0; t < tile; t++) {
                  f.set(acc[2 * t], f.vAdd(g(acc[2 * t]), f.vMul(g(splat[t]), g(d0))));
                  f.set(acc[2 * t + 1], f.vAdd(g(acc[2 * t + 1]), f.vMul(g(splat[t]), g(d1))));
                }
                f.set(xp, f.add(g(xp), g(xStep)));
                f.set(dp, f.add(g(dp), g(oBytes)));
              });
            });
            // dw[i, j, c + t, o .. o+7] += acc: byte offset (c + t) * O * 4 + o * 4 = cb * O + t * oBytes + ob.
            for (let t = 0; t < tile; t++) {
              const at = f.add(f.add(f.add(g(dwTap), f.mul(g(cb), g(outChannels))), f.mul(f.i32(t), g(oBytes))), g(ob));
              f.vStore(at, f.vAdd(f.vLoad(at), g(acc[2 * t])));
              f.vStore(at, f.vAdd(f.vLoad(at, 16), g(acc[2 * t + 1])), 16);
            }
          });
        });
      });
    });
  });
  return f;
}

/**
 * convdx{unroll}(dy, w, dx, N, H, W, C, OH, OW, O, KH, KW, pt, pl): input gradient of a stride-1
 * NHWC conv, dx[n, h, x, c] = sum over i, j, o of dy[n, h + pt - i, x + pl - j, o] * w[i, j, c, o]
 * (terms outside dy skipped). Dot products over o run `unroll` f32x4 at a time (O a multiple
 * of 4 * unroll) in separate accumulators. For few input channels, where XNNPACK's conv (one
 * output channel per input channel) is slow.
 */
function convdx(unroll: 1 | 2 | 4): Func {
  const { f, p: params } = simdFunc(unroll === 1 ? 'convdx1' : unroll === 2 ? 'convdx2' : 'convdx4');
  const { dy, w, dx, batch, height, width, channels, outHeight, outWidth, outChannels } = params;
  const { filterHeight: kh, filterWidth: kw, padTop: pt, padLeft: pl } = params;
  const local = () => f.local('i32');
  const [n, h, x, c, i, j, p, q, ob, oBytes, dxp, dyRow, dp, wp] = [local(), local(), local(), local(), local(), local(), local(), local(), local(), local(), local(), local(), local(), local()];
  const acc = Array.from({ length: unroll }, () => f.local('v128'));
  const total = f.local('v128');
  const g = f.get;
  f.set(oBytes, f.shl(g(outChannels), f.i32(2)));
  f.set(dxp, g(dx));
  f.forRange(n, f.i32(0), g(batch), f.i32(1), () => {
    f.forRange(h, f.i32(0), g(height), f.i32(1), () => {
      f.forRange(x, f.i32(0), g(width), f.i32(1), () => {
        f.forRange(c, f.i32(0), g(channels), f.i32(1), () => {
          for (const a of acc) f.set(a, f.vZero());
          f.forRange(i, f.i32(0), g(kh), f.i32(1), () => {
            f.set(p, f.sub(f.add(g(h), g(pt)), g(i)));
            f.if(f.ltU(g(p), g(outHeight)), () => {
              f.set(dyRow, f.add(g(dy), f.mul(f.mul(f.add(f.mul(g(n), g(outHeight)), g(p)), g(outWidth)), g(oBytes))));
              f.forRange(j, f.i32(0), g(kw), f.i32(1), () => {
                f.set(q, f.sub(f.add(g(x), g(pl)), g(j)));
                f.if(f.ltU(g(q), g(outWidth)), () => {
                  f.set(dp, f.add(g(dyRow), f.mul(g(q), g(oBytes))));
                  f.set(wp, f.add(g(w), f.mul(f.add(f.mul(f.add(f.mul(g(i), g(kw)), g(j)), g(channels)), g(c)), g(oBytes))));
                  f.forRange(ob, f.i32(0), g(oBytes), f.i32(16 * unroll), () => {
                    acc.forEach((a, u) => {
                      f.set(a, f.vAdd(g(a), f.vMul(f.vLoad(f.add(g(dp), g(ob)), 16 * u), f.vLoad(f.add(g(wp), g(ob)), 16 * u))));
                    });
                  });
                });
              });
            });
          });
          f.set(total, g(acc[0]));
          for (let u = 1; u < unroll; u++) f.set(total, f.vAdd(g(total), g(acc[u])));
          f.f32Store(g(dxp), f.f32Add(f.f32Add(f.lane(g(total), 0), f.lane(g(total), 1)), f.f32Add(f.lane(g(total), 2), f.lane(g(total), 3))));
          f.set(dxp, f.add(g(dxp), f.i32(4)));
        });
      });
    });
  });
  return f;
}

const BUILDERS: Record<SimdFunction, () => Func> = {
  colsum,
  colsumsqdev,
  colsum2,
  affine,
  bndx,
  maxpool2grad,
  convdw1: () => convdw(1),
  convdw4: () => convdw(4),
  convdx1: () => convdx(1),
  convdx2: () => convdx(2),
  convdx4: () => convdx(4),
  winoInput,
  winoGrad,
  winoGemm,
  winoGemmTN,
  winoOutput,
  convfwdsmall: convFwdSmall,
  convdxrow: convDxRow,
  bmm,
  gelu,
  gelugrad,
  lnfwd,
  lngrad,
  smgrad,
  dropmask,
};

/** The module: one exported function per entry of SIMD_SIGNATURES (./signatures.ts), each under its name. */
export function simdModuleBytes(): Uint8Array<ArrayBuffer> {
  return assemble((Object.keys(SIMD_SIGNATURES) as SimdFunction[]).map((name) => BUILDERS[name]()));
}
