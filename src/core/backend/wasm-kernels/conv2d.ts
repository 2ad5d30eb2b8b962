// Conv2D and FusedConv2D at stride 1: with one input channel (a first layer on grey images) a
// direct SIMD kernel (simd/small-conv.ts), for 3x3 filters with more channels Winograd
// F(2x2, 3x3) (./winograd.ts) where it pays; everything else goes to wasm's own (XNNPACK) kernel.
import { backend_util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdFor, type Simd } from './simd';
import { winogradApplies, winogradConv, winogradWorthIt } from './winograd';

interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
}

const size = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

export function winogradConv2DConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<'x' | 'filter', TensorInfo> & { bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs;
    const activation = attrs.activation ?? 'linear';
    const [kh, kw, inChannels, outChannels] = filter.shape;
    const small = inChannels === 1 && outChannels % 8 === 0;
    const eligible =
      x.shape.length === 4 && x.dtype === 'float32' && filter.dtype === 'float32' &&
      backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC') === 'channelsLast' &&
      (activation === 'linear' || activation === 'relu') && preluActivationWeights == null &&
      (bias == null || (bias.dtype === 'float32' && size(bias) === outChannels)) &&
      (small || (kh === 3 && kw === 3 && winogradApplies(inChannels, outChannels)));
    if (!eligible) return original.kernelFunc(args);
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
    );
    if (info.strideHeight !== 1 || info.strideWidth !== 1 || info.dilationHeight !== 1 || info.dilationWidth !== 1) return original.kernelFunc(args);
    if (info.outHeight <= 0 || info.outWidth <= 0 || info.batchSize <= 0) return original.kernelFunc(args);
    if (!small && !winogradWorthIt(info.outHeight, info.outWidth)) return original.kernelFunc(args);
    const simd = simdFor(args.backend as BackendWasm);
    if (simd == null) return original.kernelFunc(args);
    if (small) return smallInputConv(simd, x, filter, bias ?? null, activation === 'relu', info);
    const out = simd.backend.makeOutput(info.outShape, 'float32');
    // A copy: later allocations may grow the heap and detach views.
    const weights = (simd.backend.typedArrayFromHeap(filter) as Float32Array).slice();
    winogradConv(
      simd, x,
      {
        batch: info.batchSize, inHeight: info.inHeight, inWidth: info.inWidth, inChannels,
        outHeight: info.outHeight, outWidth: info.outWidth, outChannels, padTop: info.padInfo.top, padLeft: info.padInfo.left,
      },
      weights, false, out, bias ?? null, activation === 'relu',
    );
    return out;
  };
  return { ...original, kernelFunc };
}

/** Stride-1 conv of a single-channel x: pads x so every tap read is inside, then convfwdsmall. */
function smallInputConv(simd: Simd, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, relu: boolean, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, outChannels, filterHeight, filterWidth, padInfo } = info;
  const out = simd.backend.makeOutput(info.outShape, 'float32');
  const height = outHeight + filterHeight - 1;
  const width = Math.ceil(outWidth / 4) * 4 + filterWidth - 1;
  simd.withBuffers([batchSize * height * width * c * 4], ([padded]) => {
    const dst = simd.f32(padded, batchSize * height * width * c);
    dst.fill(0);
    const src = simd.backend.typedArrayFromHeap(x) as Float32Array;
    // x[h, w] goes to [h + top, w + left]; rows and columns outside the padded frame are never read.
    const first = Math.max(0, -padInfo.left);
    const cols = Math.min(inWidth, width - padInfo.left) - first;
    for (let n = 0; n < batchSize; n++) {
      for (let h = 0; h < inHeight; h++) {
        const row = h + padInfo.top;
        if (row < 0 || row >= height || cols <= 0) continue;
        const from = ((n * inHeight + h) * inWidth + first) * c;
        dst.set(src.subarray(from, from + cols * c), ((n * height + row) * width + first + padInfo.left) * c);
      }
    }
    simd.fn.convfwdsmall(
      padded, simd.address(filter), simd.address(out), bias ? simd.address(bias) : 0,
      batchSize, outHeight, outWidth, height, width, c, outChannels, filterHeight, filterWidth, relu ? 1 : 0,
    );
  });
  return out;
}
