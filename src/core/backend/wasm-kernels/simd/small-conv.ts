// Stride-1 convolution of a single-channel input (a network's first layer on grey images),
// where XNNPACK's conv runs dot products of length 9.
import { type Expr, type Func, type Local } from './assembler';
import { simdFunc } from './signatures';

function locals(f: Func, type: 'i32' | 'v128', count: number): Local[] {
  return Array.from({ length: count }, () => f.local(type));
}

/**
 * convfwdsmall(xp, w, out, bias, N, OH, OW, Hp, Wp, C, O, KH, KW, relu): out[n, h, x, o] =
 * sum over i, j, c of xp[n, h + i, x + j, c] * w[i, j, c, o] (+ bias[o] if bias != 0, then
 * max(0, .) if relu != 0). xp is the zero-padded input [N, Hp, Wp, C], wide enough that four
 * outputs past OW (rounded up to 4) can be read. Register tile: 4 output pixels x 8 channels
 * (O a multiple of 8).
 */
export function convFwdSmall(): Func {
  const { f, p: params } = simdFunc('convfwdsmall');
  const { xp, w, out, bias, batch, outHeight, outWidth, paddedHeight: hp, paddedWidth: wp, channels, outChannels, relu } = params;
  const { filterHeight: kh, filterWidth: kw } = params;
  const g = f.get;
  const [n, h, x0, ob, i, j, c, cBytes, oBytes, xRow, xAt, wAt, outAt, px, c2, c3, rowEnd] = locals(f, 'i32', 17);
  const acc = locals(f, 'v128', 8);
  const [s, w0, w1, b0, b1] = locals(f, 'v128', 5);
  f.set(cBytes, f.shl(g(channels), f.i32(2)));
  f.set(c2, f.shl(g(cBytes), f.i32(1)));
  f.set(c3, f.add(g(c2), g(cBytes)));
  f.set(oBytes, f.shl(g(outChannels), f.i32(2)));
  const pixelOffset = [f.i32(0), g(cBytes), g(c2), g(c3)];
  f.forRange(n, f.i32(0), g(batch), f.i32(1), () => {
    f.forRange(h, f.i32(0), g(outHeight), f.i32(1), () => {
      f.forRange(x0, f.i32(0), g(outWidth), f.i32(4), () => {
        f.forRange(ob, f.i32(0), g(oBytes), f.i32(32), () => {
          for (const a of acc) f.set(a, f.vZero());
          f.set(wAt, f.add(g(w), g(ob)));
          f.forRange(i, f.i32(0), g(kh), f.i32(1), () => {
            // xp[n, h + i, x0, 0]
            f.set(xRow, f.add(g(xp), f.mul(f.add(f.mul(f.add(f.mul(g(n), g(hp)), f.add(g(h), g(i))), g(wp)), g(x0)), g(cBytes))));
            // The row's taps j and channels c are consecutive floats: one pointer walks them all.
            f.set(rowEnd, f.add(g(xRow), f.mul(g(kw), g(cBytes))));
            void j;
            void c;
            f.forRange(xAt, g(xRow), g(rowEnd), f.i32(4), () => {
              f.set(w0, f.vLoad(g(wAt)));
              f.set(w1, f.vLoad(g(wAt), 16));
              for (let p = 0; p < 4; p++) {
                // Pixel x0 + p is p * C floats further along the row.
                f.set(s, f.vLoadSplat(p === 0 ? g(xAt) : f.add(g(xAt), pixelOffset[p])));
                f.set(acc[2 * p], f.vAdd(g(acc[2 * p]), f.vMul(g(s), g(w0))));
                f.set(acc[2 * p + 1], f.vAdd(g(acc[2 * p + 1]), f.vMul(g(s), g(w1))));
              }
              f.set(wAt, f.add(g(wAt), g(oBytes)));
            });
          });
          f.if(g(bias), () => {
            f.set(b0, f.vLoad(f.add(g(bias), g(ob))));
            f.set(b1, f.vLoad(f.add(g(bias), g(ob)), 16));
            for (let p = 0; p < 4; p++) {
              f.set(acc[2 * p], f.vAdd(g(acc[2 * p]), g(b0)));
              f.set(acc[2 * p + 1], f.vAdd(g(acc[2 * p + 1]), g(b1)));
            }
          });
          f.if(g(relu), () => {
            for (const a of acc) f.set(a, f.bitselect(g(a), f.vZero(), f.vGt(g(a), f.vZero())));
          });
          // out[n, h, x0 + p, ob]
          f.set(outAt, f.add(f.add(g(out), f.mul(f.add(f.mul(f.add(f.mul(g(n), g(outHeight)), g(h)), g(outWidth)), g(x0)), g(oBytes))), g(ob)));
          for (let p = 0; p < 4; p++) {
            f.set(px, f.add(g(x0), f.i32(p)));
            const at: Expr = f.add(g(outAt), f.mul(f.i32(p), g(oBytes)));
            f.if(f.ltS(g(px), g(outWidth)), () => {
              f.vStore(at, g(acc[2 * p]));
              f.vStore(at, g(acc[2 * p + 1]), 16);
            });
          }
        });
      });
    });
  });
  return f;
}

/**
 * convdxrow(dy, w, dx, acc, N, H, W, OH, OW, O, KH, KW, pt, pl): input gradient of a stride-1
 * conv with one input channel, dx[n, h, x] = sum over i, j, o of dy[n, h + pt - i, x + pl - j, o]
 * * w[i, j, 0, o], one dx row at a time: each tap (i, j) runs over the row's valid x without
 * bounds checks, adding its dot products (f32x4 partial sums over o, O a multiple of 4) into
 * `acc`, a scratch row of W v128s; a horizontal sum per pixel finishes the row.
 */
export function convDxRow(): Func {
  const { f, p: params } = simdFunc('convdxrow');
  const { dy, w, dx, acc, batch, height, width, outHeight, outWidth, outChannels } = params;
  const { filterHeight: kh, filterWidth: kw, padTop: pt, padLeft: pl } = params;
  const g = f.get;
  const [n, h, i, j, p, x0, x1, ap, apEnd, dp, wp, ob, oBytes, dxAt, rowEnd] = locals(f, 'i32', 15);
  const [a, total] = locals(f, 'v128', 2);
  f.set(oBytes, f.shl(g(outChannels), f.i32(2)));
  f.set(dxAt, g(dx));
  f.forRange(n, f.i32(0), g(batch), f.i32(1), () => {
    f.forRange(h, f.i32(0), g(height), f.i32(1), () => {
      f.set(rowEnd, f.add(g(acc), f.shl(g(width), f.i32(4))));
      f.forRange(ap, g(acc), g(rowEnd), f.i32(16), () => f.vStore(g(ap), f.vZero()));
      f.forRange(i, f.i32(0), g(kh), f.i32(1), () => {
        f.set(p, f.sub(f.add(g(h), g(pt)), g(i)));
        f.if(f.ltU(g(p), g(outHeight)), () => {
          f.forRange(j, f.i32(0), g(kw), f.i32(1), () => {
            // x in [x0, x1) keeps q = x + pl - j in [0, OW).
            const lo = f.sub(g(j), g(pl));
            f.set(x0, f.select(lo, f.i32(0), f.gtS(lo, f.i32(0))));
            const hi = f.add(g(outWidth), f.sub(g(j), g(pl)));
            f.set(x1, f.select(g(width), hi, f.gtS(hi, g(width))));
            f.set(dp, f.add(g(dy), f.mul(f.add(f.mul(f.add(f.mul(g(n), g(outHeight)), g(p)), g(outWidth)), f.sub(f.add(g(x0), g(pl)), g(j))), g(oBytes))));
            f.set(wp, f.add(g(w), f.mul(f.add(f.mul(g(i), g(kw)), g(j)), g(oBytes))));
            f.set(apEnd, f.add(g(acc), f.shl(g(x1), f.i32(4))));
            f.forRange(ap, f.add(g(acc), f.shl(g(x0), f.i32(4))), g(apEnd), f.i32(16), () => {
              f.set(a, f.vLoad(g(ap)));
              f.forRange(ob, f.i32(0), g(oBytes), f.i32(16), () => {
                f.set(a, f.vAdd(g(a), f.vMul(f.vLoad(f.add(g(dp), g(ob))), f.vLoad(f.add(g(wp), g(ob))))));
              });
              f.vStore(g(ap), g(a));
              f.set(dp, f.add(g(dp), g(oBytes)));
            });
          });
        });
      });
      f.forRange(ap, g(acc), g(rowEnd), f.i32(16), () => {
        f.set(total, f.vLoad(g(ap)));
        f.f32Store(g(dxAt), f.f32Add(f.f32Add(f.lane(g(total), 0), f.lane(g(total), 1)), f.f32Add(f.lane(g(total), 2), f.lane(g(total), 3))));
        f.set(dxAt, f.add(g(dxAt), f.i32(4)));
      });
    });
  });
  return f;
}
