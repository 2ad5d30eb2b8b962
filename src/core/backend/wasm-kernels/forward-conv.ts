// The conv gradients are rewritten as forward Conv2Ds, the only conv kernel wasm runs through
// XNNPACK. Their padding can come out negative; XNNPACK takes only >= 0, and a negative pad
// is the same as cropping the input, so crop first.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelScratch } from './kernel-scratch';

export interface SignedPads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** NHWC stride-1 Conv2D of `x` with `filter` [kh, kw, in, out], padding that may be negative. */
export function forwardConv(scratch: KernelScratch, x: TensorInfo, filter: TensorInfo, pads: SignedPads, dilations: [number, number] = [1, 1]): TensorInfo {
  const cropTop = Math.max(-pads.top, 0);
  const cropBottom = Math.max(-pads.bottom, 0);
  const cropLeft = Math.max(-pads.left, 0);
  const cropRight = Math.max(-pads.right, 0);
  let input = x;
  if (cropTop + cropBottom + cropLeft + cropRight > 0) {
    const [batch, height, width, channels] = x.shape;
    input = scratch.run(
      'Slice',
      { x },
      {
        begin: [0, cropTop, cropLeft, 0],
        size: [batch, height - cropTop - cropBottom, width - cropLeft - cropRight, channels],
      },
    );
  }
  const pad = [
    [0, 0],
    [Math.max(pads.top, 0), Math.max(pads.bottom, 0)],
    [Math.max(pads.left, 0), Math.max(pads.right, 0)],
    [0, 0],
  ];
  return scratch.run('Conv2D', { x: input, filter }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations });
}
