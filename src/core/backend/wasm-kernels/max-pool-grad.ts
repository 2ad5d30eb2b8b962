// wasm's MaxPoolGrad (4.22) starts its running max at FLT_MIN, the smallest *positive* float,
// instead of -infinity: a window whose values are all <= 0 loses its gradient (or sends it to
// element 0), and ties go to the last max where cpu and TensorFlow pick the first. Any pool
// not preceded by a relu trains wrongly; MaxPoolWithArgmax has the same flaw, so it cannot
// stand in. This scans each window on the wasm heap directly; it is also faster than the stock
// kernel, as it reads each input pixel's channels contiguously. The common 2x2, stride-2 pool
// without padding runs as a SIMD kernel (same first-maximum rule).
import { backend_util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdFor } from './simd';

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const maxPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth, padInfo } = info;

  const out = wasm.makeOutput(input.shape, 'float32');
  // Views after the allocation: growing the wasm heap detaches older ones.
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  const x = wasm.typedArrayFromHeap(input) as Float32Array;
  const dys = wasm.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);

  const simd = channels % 4 === 0 ? simdFor(wasm) : null;
  const tiled = filterHeight === 2 && filterWidth === 2 && strideHeight === 2 && strideWidth === 2;
  if (simd && tiled && padInfo.top === 0 && padInfo.left === 0 && 2 * outHeight <= inHeight && 2 * outWidth <= inWidth) {
    simd.fn.maxpool2grad({
      x: simd.address(input),
      dy: simd.address(dy),
      dx: simd.address(out),
      batch: batchSize,
      height: inHeight,
      width: inWidth,
      channels,
      outHeight,
      outWidth,
    });
    return out;
  }

  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const top = oy * strideHeight - padInfo.top;
      const rowStart = Math.max(top, 0);
      const rowEnd = Math.min(top + filterHeight, inHeight);
      for (let ox = 0; ox < outWidth; ox++) {
        const left = ox * strideWidth - padInfo.left;
        const colStart = Math.max(left, 0);
        const colEnd = Math.min(left + filterWidth, inWidth);
        best.fill(-Infinity);
        bestAt.fill(-1);
        // Row-major window order with a strict '>' keeps the first maximum, as cpu does.
        for (let row = rowStart; row < rowEnd; row++) {
          for (let col = colStart; col < colEnd; col++) {
            const pixel = ((b * inHeight + row) * inWidth + col) * channels;
            for (let c = 0; c < channels; c++) {
              const value = x[pixel + c];
              if (value > best[c]) {
                best[c] = value;
                bestAt[c] = pixel + c;
              }
            }
          }
        }
        const dyPixel = ((b * outHeight + oy) * outWidth + ox) * channels;
        for (let c = 0; c < channels; c++) {
          if (bestAt[c] >= 0) dx[bestAt[c]] += dys[dyPixel + c];
        }
      }
    }
  }
  return out;
};

export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad,
};
