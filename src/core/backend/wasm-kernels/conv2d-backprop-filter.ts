// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter, so no conv layer can train on it.
//
// dW[i, j, c, o] = sum over b, p, q of x[b, p*sh + i - top, q*sw + j - left, c] * dy[b, p, q, o]
// is itself a forward convolution: take x's channels as the batch and its batch as the
// channels (x -> [C, H, W, B]), dy as the filter (dy -> [OH, OW, B, O]) dilated by the
// stride. The result [C, KH, KW, O] is transposed back to the filter layout.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { forwardConvInfo, type ConvGradAttrs } from './conv-info';
import { forwardConv } from './forward-conv';
import { withScratch } from './kernel-scratch';

interface FilterGradAttrs extends ConvGradAttrs {
  filterShape: [number, number, number, number];
}

const conv2dBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { filterShape, ...convAttrs } = attrs as unknown as FilterGradAttrs;
  const info = forwardConvInfo('Conv2DBackpropFilter', x.shape, filterShape, convAttrs);
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;

  return withScratch(backend as BackendWasm, (scratch) => {
    const images = scratch.transpose(x, [3, 1, 2, 0]);
    const taps = scratch.transpose(dy, [1, 2, 0, 3]);
    // Bottom/right pads chosen so the output is exactly KH x KW; rows the forward conv
    // never read come out as negative pads (cropped).
    const perChannel = forwardConv(scratch, images, taps, {
      top: padInfo.top,
      left: padInfo.left,
      bottom: filterHeight + (outHeight - 1) * strideHeight - inHeight - padInfo.top,
      right: filterWidth + (outWidth - 1) * strideWidth - inWidth - padInfo.left,
    }, [strideHeight, strideWidth]);
    return scratch.transpose(perChannel, [1, 2, 0, 3]);
  });
};

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter,
};
