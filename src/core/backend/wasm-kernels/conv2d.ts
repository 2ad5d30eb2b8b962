// Conv2D and FusedConv2D at stride 1: with one input channel (a first layer on grey images) a
// direct SIMD kernel (simd/small-conv.ts), for 3x3 filters with more channels Winograd
// F(2x2, 3x3) (./winograd.ts) where it pays; everything else goes to wasm's own (XNNPACK) kernel.
// Other filters, strides and dilations, and output sizes where Winograd does not pay, are that
// kernel's own case; a conv of ours it takes for another reason (dtype, layout, activation,
// channel counts, no SIMD) is a fallback, logged once.
import { backend_util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernel } from './fallback';
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
    const ones = (v: [number, number] | number | undefined) => (Array.isArray(v) ? v : [v ?? 1, v ?? 1]).every((s) => s === 1);
    if (!((kh === 3 && kw === 3) || inChannels === 1) || !ones(attrs.strides) || !ones(attrs.dilations)) return original.kernelFunc(args);
    const small = inChannels === 1 && outChannels % 8 === 0;
    if (x.shape.length !== 4 || x.dtype !== 'float32' || filter.dtype !== 'float32') return stockKernel(original, args, 'other than 4-D float32');
    if (backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC') !== 'channelsLast') return stockKernel(original, args, 'in NCHW');
    if ((activation !== 'linear' && activation !== 'relu') || preluActivationWeights != null) return stockKernel(original, args, `with activation ${activation}`);
    if (bias != null && (bias.dtype !== 'float32' || size(bias) !== outChannels)) return stockKernel(original, args, 'with a bias of other than one float32 per output channel');
    if (!small && !winogradApplies(inChannels, outChannels)) {
      return stockKernel(original, args, 'whose channels are not a multiple of 4 in and of 8 out (3x3), or of 8 out (one input channel)');
    }
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    if (info.strideHeight !== 1 || info.strideWidth !== 1 || info.dilationHeight !== 1 || info.dilationWidth !== 1) return original.kernelFunc(args);
    if (info.outHeight <= 0 || info.outWidth <= 0 || info.batchSize <= 0) return stockKernel(original, args, 'with an empty output');
    if (!small && !winogradWorthIt(info.outHeight, info.outWidth)) return original.kernelFunc(args);
    const simd = simdFor(args.backend as BackendWasm);
    if (simd == null) return stockKernel(original, args, 'while the SIMD module cannot run');
    if (small) return smallInputConv(simd, x, filter, bias ?? null, activation === 'relu', info);
    const out = simd.backend.makeOutput(info.outShape, 'float32');
    // A copy: later allocations may grow the heap and detach views.
    const weights = (simd.backend.typedArrayFromHeap(filter) as Float32Array).slice();
    winogradConv(
      simd,
      x,
      {
        batch: info.batchSize,
        inHeight: info.inHeight,
        inWidth: info.inWidth,
        inChannels,
        outHeight: info.outHeight,
        outWidth: info.outWidth,
        outChannels,
        padTop: info.padInfo.top,
        padLeft: info.padInfo.left,
      },
      weights,
      false,
      out,
      bias ?? null,
      activation === 'relu',
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
    simd.fn.convfwdsmall({
      xp: padded,
      w: simd.address(filter),
      out: simd.address(out),
      bias: bias ? simd.address(bias) : 0,
      batch: batchSize,
      outHeight,
      outWidth,
      paddedHeight: height,
      paddedWidth: width,
      channels: c,
      outChannels,
      filterHeight,
      filterWidth,
      relu: relu ? 1 : 0,
    });
  });
  return out;
}
