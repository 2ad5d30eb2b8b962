// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter, so no conv layer can train on it.
//
// dW[i, j, c, o] = sum over b, p, q of x[b, p*sh + i - top, q*sw + j - left, c] * dy[b, p, q, o]
// is itself a forward convolution: take x's channels as the batch and its batch as the
// channels (x -> [C, H, W, B]), dy as the filter (dy -> [OH, OW, B, O]) dilated by the
// stride. The result [C, KH, KW, O] is transposed back to the filter layout.
//
// That conv is a poor fit for XNNPACK, though: its "filter" (all of dy) is megabytes, re-read
// for every few output rows. Where the SIMD kernels are available and O is a multiple of 8, a
// direct kernel (simd/kernels.ts, convdw) accumulates 4x8 (or 1x8) tiles of dW per image and
// tap in registers instead: 2-8x faster on the model zoo's convs; 3x3 stride-1 filters with
// C a multiple of 4 go through Winograd (./winograd.ts), another ~1.6x.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { forwardConvInfo, type ConvGradAttrs } from './conv-info';
import { forwardConv } from './forward-conv';
import { withScratch } from './kernel-scratch';
import { simdFor, type Simd } from './simd';
import { winogradApplies, winogradFilterGrad } from './winograd';

interface FilterGradAttrs extends ConvGradAttrs {
  filterShape: [number, number, number, number];
}

const conv2dBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { filterShape, ...convAttrs } = attrs as unknown as FilterGradAttrs;
  const info = forwardConvInfo('Conv2DBackpropFilter', x.shape, filterShape, convAttrs);
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const simd = info.outChannels % 8 === 0 && x.dtype === 'float32' && dy.dtype === 'float32' ? simdFor(backend as BackendWasm) : null;
  if (simd && filterHeight === 3 && filterWidth === 3 && strideHeight === 1 && strideWidth === 1 && winogradApplies(info.inChannels, info.outChannels)) {
    const out = simd.backend.makeOutput(filterShape, 'float32');
    winogradFilterGrad(
      simd,
      x,
      dy,
      {
        batch: info.batchSize,
        inHeight,
        inWidth,
        inChannels: info.inChannels,
        outHeight,
        outWidth,
        outChannels: info.outChannels,
        padTop: padInfo.top,
        padLeft: padInfo.left,
      },
      out,
    );
    return out;
  }
  if (simd) return directFilterGrad(simd, x, dy, info);

  return withScratch(backend as BackendWasm, (scratch) => {
    const images = scratch.transpose(x, [3, 1, 2, 0]);
    const taps = scratch.transpose(dy, [1, 2, 0, 3]);
    // Bottom/right pads chosen so the output is exactly KH x KW; rows the forward conv
    // never read come out as negative pads (cropped).
    const perChannel = forwardConv(
      scratch,
      images,
      taps,
      {
        top: padInfo.top,
        left: padInfo.left,
        bottom: filterHeight + (outHeight - 1) * strideHeight - inHeight - padInfo.top,
        right: filterWidth + (outWidth - 1) * strideWidth - inWidth - padInfo.left,
      },
      [strideHeight, strideWidth],
    );
    return scratch.transpose(perChannel, [1, 2, 0, 3]);
  });
};

/** First and one-past-last output index whose input index o * stride + tap - pad lies in [0, size). */
function validRange(tap: number, stride: number, pad: number, size: number, outSize: number): [number, number] {
  const first = Math.max(0, Math.ceil((pad - tap) / stride));
  const end = Math.min(outSize, Math.floor((size - 1 + pad - tap) / stride) + 1);
  return [first, Math.max(first, end)];
}

function directFilterGrad(simd: Simd, x: TensorInfo, dy: TensorInfo, info: ReturnType<typeof forwardConvInfo>): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const out = simd.backend.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
  (simd.backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  const table: number[] = [];
  for (let i = 0; i < filterHeight; i++) table.push(...validRange(i, strideHeight, padInfo.top, inHeight, outHeight));
  for (let j = 0; j < filterWidth; j++) table.push(...validRange(j, strideWidth, padInfo.left, inWidth, outWidth));
  simd.withBuffers([table.length * 4], ([tablePointer]) => {
    new Int32Array(simd.f32(tablePointer, table.length).buffer, tablePointer, table.length).set(table);
    const kernel = inChannels % 4 === 0 ? simd.fn.convdw4 : simd.fn.convdw1;
    kernel({
      x: simd.address(x),
      dy: simd.address(dy),
      dw: simd.address(out),
      table: tablePointer,
      batch: batchSize,
      height: inHeight,
      width: inWidth,
      channels: inChannels,
      outHeight,
      outWidth,
      outChannels,
      filterHeight,
      filterWidth,
      strideHeight,
      strideWidth,
      padTop: padInfo.top,
      padLeft: padInfo.left,
    });
  });
  return out;
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter,
};
