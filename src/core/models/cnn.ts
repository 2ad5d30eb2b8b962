import * as tfl from '@tensorflow/tfjs-layers';
import type { Backbone } from './backbone';
import { BN_MOMENTUM, type SeededInit } from './init';

/** Per width: 3×3 conv → BN → ReLU → 2×2 max-pool; global average pooling gives the embedding. */
export function cnnBackbone(input: tfl.SymbolicTensor, widths: number[], init: SeededInit, prefix: string): Backbone {
  if (input.shape.length !== 4) throw new Error(`model "cnn" needs image inputs [H, W, C], got shape [${input.shape.slice(1).join(', ')}]`);
  let x = input;
  const features: tfl.SymbolicTensor[] = [];
  widths.forEach((filters, i) => {
    const n = i + 1;
    x = tfl.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init.he(), name: `${prefix}_conv${n}` })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ momentum: BN_MOMENTUM, name: `${prefix}_bn${n}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.activation({ activation: 'relu', name: `${prefix}_relu${n}` }).apply(x) as tfl.SymbolicTensor;
    const spatial = x.shape[1] ?? 0;
    if (spatial >= 2) x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${prefix}_pool${n}` }).apply(x) as tfl.SymbolicTensor;
    features.push(x);
  });
  const embedding = tfl.layers.globalAveragePooling2d({ name: `${prefix}_gap` }).apply(x) as tfl.SymbolicTensor;
  return { features, embedding };
}
