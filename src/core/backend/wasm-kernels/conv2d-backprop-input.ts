// wasm's own Conv2DBackpropInput is a plain C++ loop and costs about half of a CNN step.
// Here the input gradient is built from forward convolutions (XNNPACK), one per row phase.
//
// In padded coordinates (Y = y + padTop), dx[Y] = sum over taps i of dy[(Y - i) / stride] * W[i],
// over the i with Y - i divisible by the stride. Splitting Y = Y' * stride + r, phase r only
// meets taps i = r, r + stride, ...: a stride-1 conv of dy with those taps, flipped. Column
// phases are folded into output channels (filter [rowTaps, colTaps, out, strideW * in]), so
// a phase's result reshapes for free into rows of dx; the row phases are interleaved by one
// cheap Concat. Unlike convolving a zero-spread dy, no multiply is spent on inserted zeros
// (4x the work at stride 2), and wasm's Transpose/DepthToSpace/StridedSlice, all slow, are avoided.
//
// With at most 4 input channels (a network's first conv, whose image gradient autodiff computes
// although nothing uses it) that conv has as few output channels, which XNNPACK runs slowly; at
// stride 1 direct SIMD kernels take those instead (one channel: simd/small-conv.ts, convdxrow;
// up to 4: simd/kernels.ts, convdx). 3x3 stride-1
// gradients with enough channels go through Winograd (./winograd.ts) as a forward conv of dy
// with the flipped, transposed filter.
import type { KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { forwardConvInfo, type ConvGradAttrs } from './conv-info';
import { forwardConv } from './forward-conv';
import { withScratch, type KernelScratch } from './kernel-scratch';
import { simdFor } from './simd';
import { winogradApplies, winogradConv, winogradWorthIt } from './winograd';

interface InputGradAttrs extends ConvGradAttrs {
  inputShape: [number, number, number, number];
}

const conv2dBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { inputShape, ...convAttrs } = attrs as unknown as InputGradAttrs;
  const info = forwardConvInfo('Conv2DBackpropInput', inputShape, filter.shape, convAttrs);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, padInfo } = info;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const outChannels = info.outChannels;
  const simd = sh === 1 && sw === 1 && inChannels <= 4 && outChannels % 4 === 0 && dy.dtype === 'float32' && filter.dtype === 'float32' ? simdFor(backend as BackendWasm) : null;
  if (simd && inChannels === 1) {
    const out = simd.backend.makeOutput([batchSize, inHeight, inWidth, 1], 'float32');
    simd.withBuffers([inWidth * 16], ([acc]) =>
      simd.fn.convdxrow({
        dy: simd.address(dy),
        w: simd.address(filter),
        dx: simd.address(out),
        acc,
        batch: batchSize,
        height: inHeight,
        width: inWidth,
        outHeight,
        outWidth,
        outChannels,
        filterHeight,
        filterWidth,
        padTop: padInfo.top,
        padLeft: padInfo.left,
      }),
    );
    return out;
  }
  if (simd) {
    const out = simd.backend.makeOutput([batchSize, inHeight, inWidth, inChannels], 'float32');
    const kernel = outChannels % 16 === 0 ? simd.fn.convdx4 : outChannels % 8 === 0 ? simd.fn.convdx2 : simd.fn.convdx1;
    kernel({
      dy: simd.address(dy),
      w: simd.address(filter),
      dx: simd.address(out),
      batch: batchSize,
      height: inHeight,
      width: inWidth,
      channels: inChannels,
      outHeight,
      outWidth,
      outChannels,
      filterHeight,
      filterWidth,
      padTop: padInfo.top,
      padLeft: padInfo.left,
    });
    return out;
  }
  const pt = 2 - padInfo.top;
  const pl = 2 - padInfo.left;
  const winograd =
    sh === 1 &&
    sw === 1 &&
    filterHeight === 3 &&
    filterWidth === 3 &&
    pt >= 0 &&
    pl >= 0 &&
    winogradApplies(outChannels, inChannels) &&
    winogradWorthIt(inHeight, inWidth) &&
    dy.dtype === 'float32' &&
    filter.dtype === 'float32'
      ? simdFor(backend as BackendWasm)
      : null;
  if (winograd) {
    const out = winograd.backend.makeOutput([batchSize, inHeight, inWidth, inChannels], 'float32');
    const weights = (winograd.backend.typedArrayFromHeap(filter) as Float32Array).slice();
    winogradConv(
      winograd,
      dy,
      { batch: batchSize, inHeight: outHeight, inWidth: outWidth, inChannels: outChannels, outHeight: inHeight, outWidth: inWidth, outChannels: inChannels, padTop: pt, padLeft: pl },
      weights,
      true,
      out,
      null,
      false,
    );
    return out;
  }

  // dx is computed for padded rows firstRow*sh ... (firstRow + rows)*sh - 1, then cropped.
  const firstRow = Math.floor(padInfo.top / sh);
  const firstCol = Math.floor(padInfo.left / sw);
  const rows = Math.ceil((padInfo.top + inHeight) / sh) - firstRow;
  const cols = Math.ceil((padInfo.left + inWidth) / sw) - firstCol;
  const colTaps = Math.ceil(filterWidth / sw);

  return withScratch(backend as BackendWasm, (scratch) => {
    const rowPhases: TensorInfo[] = [];
    for (let phase = 0; phase < sh; phase++) {
      const rowTaps = Math.ceil((filterHeight - phase) / sh);
      let out: TensorInfo;
      if (rowTaps <= 0) {
        out = scratch.run('Fill', {}, { shape: [batchSize, rows, cols, sw * inChannels], value: 0, dtype: 'float32' });
      } else {
        const kernel = phaseFilter(scratch, filter, phase, rowTaps, colTaps, sh, sw);
        const top = rowTaps - 1 - firstRow;
        const left = colTaps - 1 - firstCol;
        out = forwardConv(scratch, dy, kernel, {
          top,
          left,
          bottom: rows - outHeight - top + rowTaps - 1,
          right: cols - outWidth - left + colTaps - 1,
        });
      }
      rowPhases.push(scratch.reshape(out, [batchSize, rows, 1, cols * sw * inChannels]));
    }
    const interleaved = sh === 1 ? rowPhases[0] : scratch.run('Concat', rowPhases as unknown as NamedTensorInfoMap, { axis: 2 });
    const full = scratch.reshape(interleaved, [batchSize, rows * sh, cols * sw, inChannels]);
    const cropTop = padInfo.top - firstRow * sh;
    const cropLeft = padInfo.left - firstCol * sw;
    if (cropTop === 0 && cropLeft === 0 && rows * sh === inHeight && cols * sw === inWidth) return full;
    return scratch.run(
      'Slice',
      { x: full },
      {
        begin: [0, cropTop, cropLeft, 0],
        size: [batchSize, inHeight, inWidth, inChannels],
      },
    );
  });
};

/**
 * Filter [rowTaps, colTaps, outChannels, sw * inChannels] for one row phase: tap (t, u) to
 * output channel (colPhase, c) is W[phase + (rowTaps-1-t)*sh, colPhase + (colTaps-1-u)*sw, c, o],
 * or 0 past the filter's edge. Filters are small, so this is a plain loop.
 */
function phaseFilter(scratch: KernelScratch, filter: TensorInfo, phase: number, rowTaps: number, colTaps: number, sh: number, sw: number): TensorInfo {
  const [kh, kw, inC, outC] = filter.shape;
  const out = scratch.run('Fill', {}, { shape: [rowTaps, colTaps, outC, sw * inC], value: 0, dtype: 'float32' });
  // Views after the allocation above: growing the wasm heap detaches older ones.
  const dst = scratch.backend.typedArrayFromHeap(out) as Float32Array;
  const src = scratch.backend.typedArrayFromHeap(filter) as Float32Array;
  for (let t = 0; t < rowTaps; t++) {
    const i = phase + (rowTaps - 1 - t) * sh;
    if (i >= kh) continue;
    for (let u = 0; u < colTaps; u++) {
      for (let colPhase = 0; colPhase < sw; colPhase++) {
        const j = colPhase + (colTaps - 1 - u) * sw;
        if (j >= kw) continue;
        for (let c = 0; c < inC; c++) {
          const srcBase = ((i * kw + j) * inC + c) * outC;
          let dstIndex = (t * colTaps + u) * outC * sw * inC + colPhase * inC + c;
          for (let o = 0; o < outC; o++, dstIndex += sw * inC) dst[dstIndex] = src[srcBase + o];
        }
      }
    }
  }
  return out;
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput,
};
