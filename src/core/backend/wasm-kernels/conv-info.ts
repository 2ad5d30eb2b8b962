import { backend_util } from '@tensorflow/tfjs-core';

type Shape4D = [number, number, number, number];

export interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Geometry of the forward conv whose gradient is being computed (NHWC only, like wasm's Conv2D). */
export function forwardConvInfo(kernelName: string, xShape: number[], filterShape: number[], attrs: ConvGradAttrs) {
  const dataFormat = backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (dataFormat !== 'channelsLast') {
    throw new Error(`${kernelName} on wasm supports only dataFormat 'NHWC', got '${attrs.dataFormat}'`);
  }
  return backend_util.computeConv2DInfo(xShape as Shape4D, filterShape as Shape4D, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, dataFormat);
}
