// Batched matrix product for BatchMatMul with batch > 1 (attention's q·kᵀ and probs·v and their
// gradients), which tfjs-backend-wasm 4.22 runs as a scalar loop: XNNPACK takes batch 1 only.
//   out[bi] (M x N) = A[bi] (M x K) · B[bi] (K x N)
// A's element (i, k) of batch bi is at a + bi·aBatch + i·aRow + k·aCol (byte strides), so a
// transposed A ([K, M] in memory) is read in place; B is row-major [K, N] at b + bi·bBatch
// (bBatch 0 broadcasts one B over the batch); out is contiguous [batch, M, N] and must be zero on
// entry: every tile adds its partial sum. K is taken `kBlock` rows at a time, so that the block
// of B that every row tile streams through stays in cache (B of a dense layer's gradient is
// 2048 x 512 floats). Register tile: 4 rows × 8 columns (two f32x4 per row), then 4 × 4, then
// single rows, then scalar columns, so any M, N, K work. Sums run in k order in float32.
import { type Expr, type Func, type Local } from './assembler';
import { simdFunc } from './signatures';

export function bmm(): Func {
  const {
    f,
    p: { a, b, out, batch, m, k, n, aBatch, bBatch, aRow, aCol, kBlock },
  } = simdFunc('bmm');
  const g = f.get;
  const [bi, i, j, kk, k0, k1, nBytes, aBase, bBase, oBase, ap, bp, op, rows4, cols8, cols4] = Array.from({ length: 16 }, () => f.local('i32'));
  const acc = Array.from({ length: 8 }, () => f.local('v128'));
  const [d0, d1, s] = Array.from({ length: 3 }, () => f.local('v128'));
  const sum = f.local('f32');
  f.set(nBytes, f.shl(g(n), f.i32(2)));
  // Loop bounds: the last row (column byte) where a full 4-row (8- or 4-column) tile still fits.
  f.set(rows4, f.sub(g(m), f.i32(3)));
  f.set(cols8, f.sub(g(nBytes), f.i32(28)));
  f.set(cols4, f.sub(g(nBytes), f.i32(12)));

  /** One tile of `r` rows (from row i) × `v` f32x4 columns (from column byte j). */
  const tile = (r: number, v: number) => {
    for (let x = 0; x < r * v; x++) f.set(acc[x], f.vZero());
    f.set(ap, f.add(f.add(g(aBase), f.mul(g(i), g(aRow))), f.mul(g(k0), g(aCol))));
    f.set(bp, f.add(f.add(g(bBase), f.mul(g(k0), g(nBytes))), g(j)));
    f.forRange(kk, g(k0), g(k1), f.i32(1), () => {
      f.set(d0, f.vLoad(g(bp)));
      if (v === 2) f.set(d1, f.vLoad(g(bp), 16));
      for (let row = 0; row < r; row++) {
        const at: Expr = row === 0 ? g(ap) : f.add(g(ap), f.mul(f.i32(row), g(aRow)));
        f.set(s, f.vLoadSplat(at));
        f.set(acc[row * v], f.vAdd(g(acc[row * v]), f.vMul(g(s), g(d0))));
        if (v === 2) f.set(acc[row * v + 1], f.vAdd(g(acc[row * v + 1]), f.vMul(g(s), g(d1))));
      }
      f.set(ap, f.add(g(ap), g(aCol)));
      f.set(bp, f.add(g(bp), g(nBytes)));
    });
    f.set(op, f.add(f.add(g(oBase), f.mul(g(i), g(nBytes))), g(j)));
    for (let row = 0; row < r; row++) {
      const at: Expr = row === 0 ? g(op) : f.add(g(op), f.mul(f.i32(row), g(nBytes)));
      f.vStore(at, f.vAdd(f.vLoad(at), g(acc[row * v])));
      if (v === 2) f.vStore(at, f.vAdd(f.vLoad(at, 16), g(acc[row * v + 1])), 16);
    }
  };

  /** Rows [i, i + r) across every column: 8-wide tiles, a 4-wide one, then scalar columns. */
  const rowBlock = (r: number) => {
    f.forRange(j, f.i32(0), g(cols8), f.i32(32), () => tile(r, 2));
    f.if(f.ltS(g(j), g(cols4)), () => {
      tile(r, 1);
      f.set(j, f.add(g(j), f.i32(16)));
    });
    scalarColumns(f, r, { i, j, kk, k0, k1, nBytes, aBase, bBase, oBase, ap, bp, op, aRow, aCol, sum });
  };

  f.forRange(bi, f.i32(0), g(batch), f.i32(1), () => {
    f.set(aBase, f.add(g(a), f.mul(g(bi), g(aBatch))));
    f.set(bBase, f.add(g(b), f.mul(g(bi), g(bBatch))));
    f.set(oBase, f.add(g(out), f.mul(f.mul(g(bi), g(m)), g(nBytes))));
    f.forRange(k0, f.i32(0), g(k), g(kBlock), () => {
      const next = f.add(g(k0), g(kBlock));
      f.set(k1, f.select(g(k), next, f.gtS(next, g(k))));
      f.forRange(i, f.i32(0), g(rows4), f.i32(4), () => rowBlock(4));
      f.forRange(i, g(i), g(m), f.i32(1), () => rowBlock(1));
    });
  });
  return f;
}

interface ScalarLocals {
  i: Local;
  j: Local;
  kk: Local;
  k0: Local;
  k1: Local;
  nBytes: Local;
  aBase: Local;
  bBase: Local;
  oBase: Local;
  ap: Local;
  bp: Local;
  op: Local;
  aRow: Local;
  aCol: Local;
  sum: Local;
}

/** Columns from byte j to the end (fewer than 4) of rows [i, i + r), one dot product each. */
function scalarColumns(f: Func, r: number, l: ScalarLocals): void {
  const g = f.get;
  f.forRange(l.j, g(l.j), g(l.nBytes), f.i32(4), () => {
    for (let row = 0; row < r; row++) {
      f.set(l.sum, f.f32(0));
      f.set(l.ap, f.add(f.add(g(l.aBase), f.mul(f.add(g(l.i), f.i32(row)), g(l.aRow))), f.mul(g(l.k0), g(l.aCol))));
      f.set(l.bp, f.add(f.add(g(l.bBase), f.mul(g(l.k0), g(l.nBytes))), g(l.j)));
      f.forRange(l.kk, g(l.k0), g(l.k1), f.i32(1), () => {
        f.set(l.sum, f.f32Add(g(l.sum), f.f32Mul(f.f32Load(g(l.ap)), f.f32Load(g(l.bp)))));
        f.set(l.ap, f.add(g(l.ap), g(l.aCol)));
        f.set(l.bp, f.add(g(l.bp), g(l.nBytes)));
      });
      f.set(l.op, f.add(f.add(g(l.oBase), f.mul(f.add(g(l.i), f.i32(row)), g(l.nBytes))), g(l.j)));
      f.f32Store(g(l.op), f.f32Add(f.f32Load(g(l.op)), g(l.sum)));
    }
  });
}
