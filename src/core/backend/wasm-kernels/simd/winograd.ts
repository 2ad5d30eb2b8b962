// SIMD kernels of Winograd's F(2x2, 3x3) convolution (Lavin & Gray 2016): a 3x3, stride-1
// correlation over 4x4 input tiles with stride 2 takes 16 multiplies per 2x2 outputs instead
// of 36. With tiles t, points k = 4 * row + col of the 4x4 transformed domain:
//   V[k, t, c] = (B^T d B)   d: the tile's 4x4 input            (winoInput)
//   M[k, t, o] = sum over c of V[k, t, c] * U[k, c, o]           (winoGemm), U = G g G^T
//   y          = A^T M A    (2x2 outputs of a tile)             (winoOutput)
// and for the filter gradient, with Yh = A dy A^T of a tile's 2x2 output gradient (winoGrad),
//   dU[k, c, o] = sum over t of V[k, t, c] * Yh[k, t, o]         (winoGemmTN), dg = G^T dU G.
// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], A^T = [1 1 1 0; 0 1 -1 -1].
// Everything works on 4 channels per v128; C is a multiple of 4 and O of 8. Pointers are byte
// offsets; tensors are NHWC. The transforms take a range of tiles [tile0, tile1) (tile
// t = (n * tilesY + ty) * tilesX + tx) so that the caller can run transform, GEMM and output
// per block of tiles while the block stays in cache; transformed blocks are tile-major,
// [rows][16][channels], rows a multiple of 4 for the GEMM (padding rows zero).
import { type Expr, type Func, type Local } from './assembler';
import { simdFunc } from './signatures';

function locals(f: Func, type: 'i32' | 'v128', count: number): Local[] {
  return Array.from({ length: count }, () => f.local(type));
}

/** Loops over tiles [tile0, tile1), setting n, ty, tx (and `row`, the tile's row in the block). */
function forTiles(f: Func, tile0: Local, tile1: Local, tilesY: Local, tilesX: Local, body: (n: Local, ty: Local, tx: Local, row: Local) => void): void {
  const [tile, n, ty, tx, row, perImage, rem] = locals(f, 'i32', 7);
  const g = f.get;
  f.set(perImage, f.mul(g(tilesY), g(tilesX)));
  f.forRange(tile, g(tile0), g(tile1), f.i32(1), () => {
    f.set(n, f.divU(g(tile), g(perImage)));
    f.set(rem, f.remU(g(tile), g(perImage)));
    f.set(ty, f.divU(g(rem), g(tilesX)));
    f.set(tx, f.remU(g(rem), g(tilesX)));
    f.set(row, f.sub(g(tile), g(tile0)));
    body(n, ty, tx, row);
  });
}

/**
 * winoInput(src, V, tile0, tile1, Hp, Wp, C, tilesY, tilesX): src is a zero-padded input
 * [N, Hp, Wp, C] whose tile (ty, tx) starts at row 2ty, column 2tx; writes V[t - tile0, k, c].
 */
export function winoInput(): Func {
  const {
    f,
    p: { src, v, tile0, tile1, paddedHeight: hp, paddedWidth: wp, channels, tilesY, tilesX },
  } = simdFunc('winoInput');
  const g = f.get;
  const [cb, cBytes, rowBytes, base, out, tileBytes] = locals(f, 'i32', 6);
  // t[row][col] after combining rows (B^T d).
  const t = locals(f, 'v128', 16);
  const [a0, a1, a2, a3] = locals(f, 'v128', 4);
  f.set(cBytes, f.shl(g(channels), f.i32(2)));
  f.set(rowBytes, f.mul(g(wp), g(cBytes)));
  f.set(tileBytes, f.shl(g(cBytes), f.i32(4)));
  {
    forTiles(f, tile0, tile1, tilesY, tilesX, (n, ty, tx, tile) => {
      {
        // Byte offset of the tile's top-left input pixel.
        f.set(base, f.add(g(src), f.add(f.mul(f.add(f.mul(g(n), g(hp)), f.shl(g(ty), f.i32(1))), g(rowBytes)), f.mul(f.shl(g(tx), f.i32(1)), g(cBytes)))));
        f.forRange(cb, f.i32(0), g(cBytes), f.i32(16), () => {
          const at = (r: number, col: number): Expr => f.vLoad(f.add(f.add(f.add(g(base), f.mul(f.i32(r), g(rowBytes))), f.mul(f.i32(col), g(cBytes))), g(cb)));
          for (let col = 0; col < 4; col++) {
            f.set(a0, at(0, col));
            f.set(a1, at(1, col));
            f.set(a2, at(2, col));
            f.set(a3, at(3, col));
            f.set(t[0 + col], f.vSub(g(a0), g(a2)));
            f.set(t[4 + col], f.vAdd(g(a1), g(a2)));
            f.set(t[8 + col], f.vSub(g(a2), g(a1)));
            f.set(t[12 + col], f.vSub(g(a1), g(a3)));
          }
          // V[t, k, c] at V + (t * 16 + k) * C * 4 + c * 4.
          f.set(out, f.add(f.add(g(v), f.mul(g(tile), g(tileBytes))), g(cb)));
          for (let r = 0; r < 4; r++) {
            const row = (col: number) => g(t[4 * r + col]);
            const values = [f.vSub(row(0), row(2)), f.vAdd(row(1), row(2)), f.vSub(row(2), row(1)), f.vSub(row(1), row(3))];
            values.forEach((value, col) => f.vStore(f.add(g(out), f.mul(f.i32(4 * r + col), g(cBytes))), value));
          }
        });
      }
    });
  }
  return f;
}

/**
 * winoGrad(dy, Yh, tile0, tile1, OHp, OWp, O, tilesY, tilesX): dy is [N, OHp, OWp, O] with
 * OHp = 2 tilesY, OWp = 2 tilesX (zero-padded where the true output is odd); writes
 * Yh[t - tile0, k, o] = A dY A^T of each tile's 2x2 gradient, A = [1 0; 1 1; 1 -1; 0 -1].
 */
export function winoGrad(): Func {
  const {
    f,
    p: { dy, yh, tile0, tile1, dyHeight: ohp, dyWidth: owp, channels, tilesY, tilesX },
  } = simdFunc('winoGrad');
  const g = f.get;
  const [cb, cBytes, rowBytes, base, out, tileBytes] = locals(f, 'i32', 6);
  const [p, q, r, s] = locals(f, 'v128', 4);
  const rows = locals(f, 'v128', 8); // A dY: 4 rows of 2
  f.set(cBytes, f.shl(g(channels), f.i32(2)));
  f.set(rowBytes, f.mul(g(owp), g(cBytes)));
  f.set(tileBytes, f.shl(g(cBytes), f.i32(4)));
  {
    forTiles(f, tile0, tile1, tilesY, tilesX, (n, ty, tx, tile) => {
      {
        f.set(base, f.add(g(dy), f.add(f.mul(f.add(f.mul(g(n), g(ohp)), f.shl(g(ty), f.i32(1))), g(rowBytes)), f.mul(f.shl(g(tx), f.i32(1)), g(cBytes)))));
        f.forRange(cb, f.i32(0), g(cBytes), f.i32(16), () => {
          const at = (row: number, col: number): Expr => f.vLoad(f.add(f.add(f.add(g(base), f.mul(f.i32(row), g(rowBytes))), f.mul(f.i32(col), g(cBytes))), g(cb)));
          f.set(p, at(0, 0));
          f.set(q, at(0, 1));
          f.set(r, at(1, 0));
          f.set(s, at(1, 1));
          // A dY = [p q; p+r q+s; p-r q-s; -r -s]
          f.set(rows[0], g(p));
          f.set(rows[1], g(q));
          f.set(rows[2], f.vAdd(g(p), g(r)));
          f.set(rows[3], f.vAdd(g(q), g(s)));
          f.set(rows[4], f.vSub(g(p), g(r)));
          f.set(rows[5], f.vSub(g(q), g(s)));
          f.set(rows[6], f.vSub(f.vZero(), g(r)));
          f.set(rows[7], f.vSub(f.vZero(), g(s)));
          f.set(out, f.add(f.add(g(yh), f.mul(g(tile), g(tileBytes))), g(cb)));
          for (let k = 0; k < 4; k++) {
            // (A dY) A^T: row [a b] -> [a, a+b, a-b, -b]
            const a = g(rows[2 * k]);
            const b = g(rows[2 * k + 1]);
            const values = [a, f.vAdd(a, b), f.vSub(a, b), f.vSub(f.vZero(), b)];
            values.forEach((value, col) => f.vStore(f.add(g(out), f.mul(f.i32(4 * k + col), g(cBytes))), value));
          }
        });
      }
    });
  }
  return f;
}

/**
 * winoGemm(V, U, M, T4, C, O): for each point k, M[k] (T4 x O) = V[k] (T4 x C) * U[k] (C x O);
 * T4 a multiple of 4. Register tile 4 rows x 8 columns.
 */
export function winoGemm(): Func {
  const {
    f,
    p: { v, u, m, tiles, channels, outChannels },
  } = simdFunc('winoGemm');
  const g = f.get;
  const [k, t, ob, c, cBytes, oBytes, vRow, uPtr, vPlane, uPlane, mPlane, vk, uk, mk, mRow] = locals(f, 'i32', 15);
  const acc = locals(f, 'v128', 8);
  const [s, d0, d1] = locals(f, 'v128', 3);
  f.set(cBytes, f.shl(g(channels), f.i32(2)));
  f.set(oBytes, f.shl(g(outChannels), f.i32(2)));
  // Row (tile) strides of V and M, and the plane size of U.
  f.set(vPlane, f.shl(g(cBytes), f.i32(4)));
  f.set(mPlane, f.shl(g(oBytes), f.i32(4)));
  f.set(uPlane, f.mul(g(channels), g(oBytes)));
  f.forRange(k, f.i32(0), f.i32(16), f.i32(1), () => {
    f.set(vk, f.add(g(v), f.mul(g(k), g(cBytes))));
    f.set(uk, f.add(g(u), f.mul(g(k), g(uPlane))));
    f.set(mk, f.add(g(m), f.mul(g(k), g(oBytes))));
    f.forRange(t, f.i32(0), g(tiles), f.i32(4), () => {
      f.forRange(ob, f.i32(0), g(oBytes), f.i32(32), () => {
        for (const a of acc) f.set(a, f.vZero());
        f.set(vRow, f.add(g(vk), f.mul(g(t), g(vPlane))));
        f.set(uPtr, f.add(g(uk), g(ob)));
        f.forRange(c, f.i32(0), g(cBytes), f.i32(4), () => {
          f.set(d0, f.vLoad(g(uPtr)));
          f.set(d1, f.vLoad(g(uPtr), 16));
          for (let row = 0; row < 4; row++) {
            f.set(s, f.vLoadSplat(f.add(f.add(g(vRow), g(c)), f.mul(f.i32(row), g(vPlane)))));
            f.set(acc[2 * row], f.vAdd(g(acc[2 * row]), f.vMul(g(s), g(d0))));
            f.set(acc[2 * row + 1], f.vAdd(g(acc[2 * row + 1]), f.vMul(g(s), g(d1))));
          }
          f.set(uPtr, f.add(g(uPtr), g(oBytes)));
        });
        f.set(mRow, f.add(f.add(g(mk), f.mul(g(t), g(mPlane))), g(ob)));
        for (let row = 0; row < 4; row++) {
          const at = f.add(g(mRow), f.mul(f.i32(row), g(mPlane)));
          f.vStore(at, g(acc[2 * row]));
          f.vStore(at, g(acc[2 * row + 1]), 16);
        }
      });
    });
  });
  return f;
}

/**
 * winoGemmTN(V, Yh, dU, T4, C, O, block): for each point k, dU[k] (C x O) += V[k]^T Yh[k] over
 * the T4 tile rows, taken `block` rows at a time (a multiple of 4) so that partial sums are short.
 * Register tile 4 channels x 8 outputs.
 */
export function winoGemmTN(): Func {
  const {
    f,
    p: { v, yh, du, tiles, channels, outChannels, block },
  } = simdFunc('winoGemmTN');
  const g = f.get;
  const [k, t0, t1, cb, ob, t, cBytes, oBytes, vPlane, yPlane, uPlane, vk, yk, uk, vp, yp] = locals(f, 'i32', 16);
  const acc = locals(f, 'v128', 8);
  const splat = locals(f, 'v128', 4);
  const [d0, d1] = locals(f, 'v128', 2);
  f.set(cBytes, f.shl(g(channels), f.i32(2)));
  f.set(oBytes, f.shl(g(outChannels), f.i32(2)));
  // Row (tile) strides of V and Yh, and the plane size of dU.
  f.set(vPlane, f.shl(g(cBytes), f.i32(4)));
  f.set(yPlane, f.shl(g(oBytes), f.i32(4)));
  f.set(uPlane, f.mul(g(channels), g(oBytes)));
  f.forRange(k, f.i32(0), f.i32(16), f.i32(1), () => {
    f.set(vk, f.add(g(v), f.mul(g(k), g(cBytes))));
    f.set(yk, f.add(g(yh), f.mul(g(k), g(oBytes))));
    f.set(uk, f.add(g(du), f.mul(g(k), g(uPlane))));
    f.forRange(t0, f.i32(0), g(tiles), g(block), () => {
      const next = f.add(g(t0), g(block));
      f.set(t1, f.select(g(tiles), next, f.gtS(next, g(tiles))));
      f.forRange(cb, f.i32(0), g(cBytes), f.i32(16), () => {
        f.forRange(ob, f.i32(0), g(oBytes), f.i32(32), () => {
          for (const a of acc) f.set(a, f.vZero());
          f.set(vp, f.add(f.add(g(vk), f.mul(g(t0), g(vPlane))), g(cb)));
          f.set(yp, f.add(f.add(g(yk), f.mul(g(t0), g(yPlane))), g(ob)));
          f.forRange(t, g(t0), g(t1), f.i32(1), () => {
            for (let i = 0; i < 4; i++) f.set(splat[i], f.vLoadSplat(g(vp), 4 * i));
            f.set(d0, f.vLoad(g(yp)));
            f.set(d1, f.vLoad(g(yp), 16));
            for (let i = 0; i < 4; i++) {
              f.set(acc[2 * i], f.vAdd(g(acc[2 * i]), f.vMul(g(splat[i]), g(d0))));
              f.set(acc[2 * i + 1], f.vAdd(g(acc[2 * i + 1]), f.vMul(g(splat[i]), g(d1))));
            }
            f.set(vp, f.add(g(vp), g(vPlane)));
            f.set(yp, f.add(g(yp), g(yPlane)));
          });
          // dU[k, c + i, o .. o + 7] += acc; byte offset (c + i) * O * 4 + o * 4 = cb * O + i * oBytes + ob.
          for (let i = 0; i < 4; i++) {
            const at = f.add(f.add(f.add(g(uk), f.mul(g(cb), g(outChannels))), f.mul(f.i32(i), g(oBytes))), g(ob));
            f.vStore(at, f.vAdd(f.vLoad(at), g(acc[2 * i])));
            f.vStore(at, f.vAdd(f.vLoad(at, 16), g(acc[2 * i + 1])), 16);
          }
        });
      });
    });
  });
  return f;
}

/**
 * winoOutput(M, out, bias, tile0, tile1, OH, OW, O, tilesY, tilesX, relu): y = A^T M A for
 * tiles [tile0, tile1) (M row t - tile0) into out [N, OH, OW, O] (outputs past OH, OW dropped),
 * plus bias[o] when bias != 0, then max(0, .) when relu != 0.
 */
export function winoOutput(): Func {
  const {
    f,
    p: { m, out, bias, tile0, tile1, outHeight, outWidth, channels, tilesY, tilesX, relu },
  } = simdFunc('winoOutput');
  const g = f.get;
  const [ob, oBytes, rowBytes, base, src, tileBytes, rowOk, colOk] = locals(f, 'i32', 8);
  const mv = locals(f, 'v128', 16);
  const s = locals(f, 'v128', 8);
  const y = locals(f, 'v128', 4);
  const b = f.local('v128');
  f.set(oBytes, f.shl(g(channels), f.i32(2)));
  f.set(rowBytes, f.mul(g(outWidth), g(oBytes)));
  f.set(tileBytes, f.shl(g(oBytes), f.i32(4)));
  {
    forTiles(f, tile0, tile1, tilesY, tilesX, (n, ty, tx, tile) => {
      {
        f.set(base, f.add(g(out), f.add(f.mul(f.add(f.mul(g(n), g(outHeight)), f.shl(g(ty), f.i32(1))), g(rowBytes)), f.mul(f.shl(g(tx), f.i32(1)), g(oBytes)))));
        f.set(rowOk, f.ltS(f.add(f.shl(g(ty), f.i32(1)), f.i32(1)), g(outHeight)));
        f.set(colOk, f.ltS(f.add(f.shl(g(tx), f.i32(1)), f.i32(1)), g(outWidth)));
        f.forRange(ob, f.i32(0), g(oBytes), f.i32(16), () => {
          f.set(src, f.add(f.add(g(m), f.mul(g(tile), g(tileBytes))), g(ob)));
          for (let k = 0; k < 16; k++) f.set(mv[k], f.vLoad(f.add(g(src), f.mul(f.i32(k), g(oBytes)))));
          // A^T M: s0 = m0 + m1 + m2, s1 = m1 - m2 - m3 (rows), per column.
          for (let col = 0; col < 4; col++) {
            f.set(s[col], f.vAdd(f.vAdd(g(mv[col]), g(mv[4 + col])), g(mv[8 + col])));
            f.set(s[4 + col], f.vSub(f.vSub(g(mv[4 + col]), g(mv[8 + col])), g(mv[12 + col])));
          }
          // (A^T M) A: per row, [a b c d] -> [a + b + c, b - c - d].
          for (let row = 0; row < 2; row++) {
            const r = (col: number) => g(s[4 * row + col]);
            f.set(y[2 * row], f.vAdd(f.vAdd(r(0), r(1)), r(2)));
            f.set(y[2 * row + 1], f.vSub(f.vSub(r(1), r(2)), r(3)));
          }
          f.if(g(bias), () => {
            f.set(b, f.vLoad(f.add(g(bias), g(ob))));
            for (const v of y) f.set(v, f.vAdd(g(v), g(b)));
          });
          f.if(g(relu), () => {
            for (const v of y) f.set(v, f.bitselect(g(v), f.vZero(), f.vGt(g(v), f.vZero())));
          });
          const at = (row: number, col: number): Expr => f.add(f.add(f.add(g(base), f.mul(f.i32(row), g(rowBytes))), f.mul(f.i32(col), g(oBytes))), g(ob));
          f.vStore(at(0, 0), g(y[0]));
          f.if(g(colOk), () => f.vStore(at(0, 1), g(y[1])));
          f.if(g(rowOk), () => {
            f.vStore(at(1, 0), g(y[2]));
            f.if(g(colOk), () => f.vStore(at(1, 1), g(y[3])));
          });
        });
      }
    });
  }
  return f;
}
