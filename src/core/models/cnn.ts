import * as tfl from '@tensorflow/tfjs-layers';
import type { Backbone } from './backbone';
import { batchNormalization } from './batch-norm';
import { BN_MOMENTUM, type SeededInit } from './init';

/**
 * Per width: 3×3 conv → BN → ReLU → 2×2 max-pool. The embedding is the global average pool of the
 * last block, or, with `dense` > 0, a dense + ReLU layer on the flattened last block.
 */
export function cnnBackbone(input: tfl.SymbolicTensor, widths: number[], dense: number, init: SeededInit, prefix: string): Backbone {
  if (input.shape.length !== 4) throw new Error(`model "cnn" needs image inputs [H, W, C], got shape [${input.shape.slice(1).join(', ')}]`);
  let x = input;
  const features: tfl.SymbolicTensor[] = [];
  widths.forEach((filters, i) => {
    const n = i + 1;
    x = tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init.he(), name: `${prefix}_conv${n}` }).apply(x) as tfl.SymbolicTensor;
    x = batchNormalization({ momentum: BN_MOMENTUM, name: `${prefix}_bn${n}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.activation({ activation: 'relu', name: `${prefix}_relu${n}` }).apply(x) as tfl.SymbolicTensor;
    const spatial = x.shape[1] ?? 0;
    if (spatial >= 2) x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${prefix}_pool${n}` }).apply(x) as tfl.SymbolicTensor;
    features.push(x);
  });
  if (dense > 0) {
    const flat = tfl.layers.flatten({ name: `${prefix}_flatten` }).apply(x) as tfl.SymbolicTensor;
    const embedding = tfl.layers.dense({ units: dense, activation: 'relu', kernelInitializer: init.he(), name: `${prefix}_fc` }).apply(flat) as tfl.SymbolicTensor;
    return { features, embedding };
  }
  const embedding = tfl.layers.globalAveragePooling2d({ name: `${prefix}_gap` }).apply(x) as tfl.SymbolicTensor;
  return { features, embedding };
}
