import * as tfl from '@tensorflow/tfjs-layers';
import type { Backbone } from './backbone';
import type { SeededInit } from './init';

/** Dense → ReLU blocks; each block's activation is a feature tap, the last one the embedding. */
export function mlpBackbone(input: tfl.SymbolicTensor, hidden: number[], init: SeededInit, prefix: string): Backbone {
  let x = input.shape.length > 2 ? (tfl.layers.flatten({ name: `${prefix}_flatten` }).apply(input) as tfl.SymbolicTensor) : input;
  const features: tfl.SymbolicTensor[] = [];
  hidden.forEach((units, i) => {
    x = tfl.layers.dense({ units, activation: 'relu', kernelInitializer: init.he(), name: `${prefix}_fc${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    features.push(x);
  });
  return { features, embedding: x };
}
