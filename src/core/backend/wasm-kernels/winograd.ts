// 3x3, stride-1 convolutions (forward, input gradient, filter gradient) by Winograd's
// F(2x2, 3x3) on the SIMD kernels of simd/winograd.ts: 16 instead of 36 multiplies per 2x2
// outputs, so ~2.25x fewer than XNNPACK's direct convolution, for a few extra passes over
// memory (input and output transforms). The transforms use only 1, 1/2 and sums, so results
// differ from direct convolution by float rounding only.
//
// Requirements: NHWC float32, 3x3 filter, stride 1, dilation 1, input channels a multiple of 4
// and output channels a multiple of 8 (the GEMM's register tile).
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { Simd } from './simd';

/** Geometry of out[n, y, x, o] = sum over i, j, c of x[n, y + i - padTop, x + j - padLeft, c] * w[i, j, c, o]. */
export interface Conv3x3 {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  padTop: number;
  padLeft: number;
}

/** anySize: use Winograd wherever it applies, even where it is slower (tests cover odd sizes so). */
export const winogradSettings = { anySize: false };

export function winogradApplies(inChannels: number, outChannels: number): boolean {
  return inChannels % 4 === 0 && outChannels % 8 === 0 && inChannels > 0 && outChannels > 0;
}

/**
 * Whether Winograd beats XNNPACK's direct conv for a forward (or input-gradient) conv with this
 * output size: 2x2 tiles over an odd size compute outputs that are thrown away (7x7: 64 for 49),
 * which eats the gain. The filter gradient has no XNNPACK rival and always wins.
 */
export function winogradWorthIt(outHeight: number, outWidth: number): boolean {
  return winogradSettings.anySize || (4 * Math.ceil(outHeight / 2) * Math.ceil(outWidth / 2)) / (outHeight * outWidth) <= 1.25;
}

const G = [
  [1, 0, 0],
  [0.5, 0.5, 0.5],
  [0.5, -0.5, 0.5],
  [0, 0, 1],
];

/**
 * U[k = 4a + b, c, o] = (G g G^T)[a, b] for g the 3x3 filter of (c, o), read as
 * filter(i, j, c, o) (so callers can flip or transpose the stored filter).
 */
function transformFilter(inChannels: number, outChannels: number, filter: (i: number, j: number, c: number, o: number) => number): Float32Array {
  const u = new Float32Array(16 * inChannels * outChannels);
  const plane = inChannels * outChannels;
  const gg = new Float64Array(12); // G g, 4 x 3
  for (let c = 0; c < inChannels; c++) {
    for (let o = 0; o < outChannels; o++) {
      for (let a = 0; a < 4; a++) {
        for (let j = 0; j < 3; j++) {
          gg[a * 3 + j] = G[a][0] * filter(0, j, c, o) + G[a][1] * filter(1, j, c, o) + G[a][2] * filter(2, j, c, o);
        }
      }
      for (let a = 0; a < 4; a++) {
        for (let b = 0; b < 4; b++) {
          u[(a * 4 + b) * plane + c * outChannels + o] = gg[a * 3] * G[b][0] + gg[a * 3 + 1] * G[b][1] + gg[a * 3 + 2] * G[b][2];
        }
      }
    }
  }
  return u;
}

interface Tiling {
  tilesY: number;
  tilesX: number;
  tiles: number;
  /** Tiles per block (a multiple of 4): each block is transformed, multiplied and transformed back while in cache. */
  block: number;
}

/** Bytes of transformed data per block: ~256 KB, so a block's V and M (or Yh) stay in L2. */
const BLOCK_BYTES = 256 * 1024;

function tiling(geo: Conv3x3): Tiling {
  const tilesY = Math.ceil(geo.outHeight / 2);
  const tilesX = Math.ceil(geo.outWidth / 2);
  const tiles = geo.batch * tilesY * tilesX;
  const perTile = 16 * (geo.inChannels + geo.outChannels) * 4;
  const block = Math.max(4, Math.floor(BLOCK_BYTES / perTile / 4) * 4);
  return { tilesY, tilesX, tiles, block };
}

/** Calls body(tile0, tile1, rows) per block, rows = tile1 - tile0 rounded up to a multiple of 4. */
function forBlocks(t: Tiling, body: (tile0: number, tile1: number, rows: number) => void): void {
  for (let tile0 = 0; tile0 < t.tiles; tile0 += t.block) {
    const tile1 = Math.min(t.tiles, tile0 + t.block);
    body(tile0, tile1, Math.ceil((tile1 - tile0) / 4) * 4);
  }
}

/**
 * Writes x, zero-padded so that every tile's 4x4 window is inside, to `pointer`:
 * [batch, 2 tilesY + 2, width, C] with x[h, w] at [h + padTop, w + padLeft].
 */
function padInput(simd: Simd, x: TensorInfo, geo: Conv3x3, t: Tiling, pointer: number, width: number): number {
  const height = 2 * t.tilesY + 2;
  const c = geo.inChannels;
  const dst = simd.f32(pointer, geo.batch * height * width * c);
  dst.fill(0);
  const src = simd.backend.typedArrayFromHeap(x) as Float32Array;
  const cols = Math.min(geo.inWidth, width - geo.padLeft);
  for (let n = 0; n < geo.batch; n++) {
    for (let h = 0; h < geo.inHeight; h++) {
      const row = h + geo.padTop;
      if (row < 0 || row >= height || cols <= 0) continue;
      const from = (n * geo.inHeight + h) * geo.inWidth * c;
      dst.set(src.subarray(from, from + cols * c), ((n * height + row) * width + geo.padLeft) * c);
    }
  }
  return height;
}

const paddedWidth = (t: Tiling) => 2 * t.tilesX + 2;
const paddedBytes = (geo: Conv3x3, t: Tiling) => geo.batch * (2 * t.tilesY + 2) * paddedWidth(t) * geo.inChannels * 4;

/** Zeroes rows [from, rows) of a transformed block [rows, 16, channels]. */
function zeroRows(simd: Simd, pointer: number, from: number, rows: number, channels: number): void {
  if (rows > from) simd.f32(pointer + from * 16 * channels * 4, (rows - from) * 16 * channels).fill(0);
}

/**
 * Writes the convolution of x with a 3x3 filter into `out` [batch, outHeight, outWidth, O]. The
 * weights are a copy of a [3, 3, C, O] filter, or with `adjoint` of the forward filter
 * [3, 3, O, C] whose input gradient this is (flipped, in and out swapped). Bias (O values) and
 * relu optional.
 */
export function winogradConv(simd: Simd, x: TensorInfo, geo: Conv3x3, weights: Float32Array, adjoint: boolean, out: TensorInfo, bias: TensorInfo | null, relu: boolean): void {
  const t = tiling(geo);
  const { inChannels: ci, outChannels: co } = geo;
  const u = transformFilter(ci, co, adjoint ? (i, j, c, o) => weights[((8 - 3 * i - j) * co + o) * ci + c] : (i, j, c, o) => weights[((3 * i + j) * ci + c) * co + o]);
  simd.withBuffers([paddedBytes(geo, t), u.length * 4, t.block * 16 * ci * 4, t.block * 16 * co * 4], ([padded, uPointer, v, m]) => {
    const width = paddedWidth(t);
    const height = padInput(simd, x, geo, t, padded, width);
    simd.f32(uPointer, u.length).set(u);
    const outAt = simd.address(out);
    const biasAt = bias ? simd.address(bias) : 0;
    forBlocks(t, (tile0, tile1, rows) => {
      zeroRows(simd, v, tile1 - tile0, rows, ci);
      simd.fn.winoInput({ src: padded, v, tile0, tile1, paddedHeight: height, paddedWidth: width, channels: ci, tilesY: t.tilesY, tilesX: t.tilesX });
      simd.fn.winoGemm({ v, u: uPointer, m, tiles: rows, channels: ci, outChannels: co });
      simd.fn.winoOutput({
        m,
        out: outAt,
        bias: biasAt,
        tile0,
        tile1,
        outHeight: geo.outHeight,
        outWidth: geo.outWidth,
        channels: co,
        tilesY: t.tilesY,
        tilesX: t.tilesX,
        relu: relu ? 1 : 0,
      });
    });
  });
}

/** Filter gradient dW [3, 3, C, O] (written to `out`) of the conv of x giving dy. */
export function winogradFilterGrad(simd: Simd, x: TensorInfo, dy: TensorInfo, geo: Conv3x3, out: TensorInfo): void {
  const t = tiling(geo);
  const { inChannels: c, outChannels: o } = geo;
  const dyHeight = 2 * t.tilesY;
  const dyWidth = 2 * t.tilesX;
  const paddedDy = geo.outHeight !== dyHeight || geo.outWidth !== dyWidth;
  const dyBytes = paddedDy ? geo.batch * dyHeight * dyWidth * o * 4 : 0;
  simd.withBuffers([paddedBytes(geo, t), dyBytes, t.block * 16 * c * 4, t.block * 16 * o * 4, 16 * c * o * 4], ([padded, dyPadded, v, yh, du]) => {
    const width = paddedWidth(t);
    const height = padInput(simd, x, geo, t, padded, width);
    let dyAt = simd.address(dy);
    if (paddedDy) {
      const dst = simd.f32(dyPadded, geo.batch * dyHeight * dyWidth * o);
      dst.fill(0);
      const src = simd.backend.typedArrayFromHeap(dy) as Float32Array;
      for (let n = 0; n < geo.batch; n++) {
        for (let y = 0; y < geo.outHeight; y++) {
          const from = (n * geo.outHeight + y) * geo.outWidth * o;
          dst.set(src.subarray(from, from + geo.outWidth * o), (n * dyHeight + y) * dyWidth * o);
        }
      }
      dyAt = dyPadded;
    }
    simd.f32(du, 16 * c * o).fill(0);
    forBlocks(t, (tile0, tile1, rows) => {
      zeroRows(simd, v, tile1 - tile0, rows, c);
      zeroRows(simd, yh, tile1 - tile0, rows, o);
      simd.fn.winoInput({ src: padded, v, tile0, tile1, paddedHeight: height, paddedWidth: width, channels: c, tilesY: t.tilesY, tilesX: t.tilesX });
      simd.fn.winoGrad({ dy: dyAt, yh, tile0, tile1, dyHeight, dyWidth, channels: o, tilesY: t.tilesY, tilesX: t.tilesX });
      simd.fn.winoGemmTN({ v, yh, du, tiles: rows, channels: c, outChannels: o, block: rows });
    });
    // dW = G^T dU G per (c, o).
    const dus = simd.f32(du, 16 * c * o);
    const dw = simd.backend.typedArrayFromHeap(out) as Float32Array;
    const plane = c * o;
    for (let co = 0; co < plane; co++) {
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          let sum = 0;
          for (let a = 0; a < 4; a++) {
            const ga = G[a][i];
            if (ga === 0) continue;
            for (let b = 0; b < 4; b++) {
              const gb = G[b][j];
              if (gb !== 0) sum += ga * dus[(a * 4 + b) * plane + co] * gb;
            }
          }
          dw[(i * 3 + j) * plane + co] = sum;
        }
      }
    }
  });
}
