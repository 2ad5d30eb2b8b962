import * as tfl from '@tensorflow/tfjs-layers';
import type { Backbone } from './backbone';
import { batchNormalization } from './batch-norm';
import { BN_MOMENTUM, type SeededInit } from './init';

type Sym = tfl.SymbolicTensor;

/**
 * CIFAR-style ResNet (He et al. 2016, §4.2) as used by RepDistiller: depth = 6n + 2, three
 * stages of n basic blocks at 16·w, 32·w, 64·w channels, strides 1, 2, 2. Stage outputs are the
 * feature taps.
 */
export function resnetBackbone(input: Sym, depth: number, widthMultiplier: number, init: SeededInit, prefix: string): Backbone {
  if (input.shape.length !== 4) throw new Error(`model "resnet" needs image inputs [H, W, C], got shape [${input.shape.slice(1).join(', ')}]`);
  if ((depth - 2) % 6 !== 0) throw new Error(`model "resnet": depth must be 6n+2 (8, 14, 20, 32, 56), got ${depth}`);
  const blocksPerStage = (depth - 2) / 6;
  const widths = [16, 32, 64].map((c) => c * widthMultiplier);

  const convBn = (x: Sym, filters: number, kernelSize: number, strides: number, name: string): Sym => {
    const conv = tfl.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: init.he(), name: `${name}_conv` }).apply(x) as Sym;
    return batchNormalization({ momentum: BN_MOMENTUM, name: `${name}_bn` }).apply(conv) as Sym;
  };
  const relu = (x: Sym, name: string): Sym => tfl.layers.activation({ activation: 'relu', name }).apply(x) as Sym;

  let x = relu(convBn(input, widths[0], 3, 1, `${prefix}_stem`), `${prefix}_stem_relu`);
  const features: Sym[] = [];
  widths.forEach((filters, stage) => {
    for (let b = 0; b < blocksPerStage; b++) {
      const name = `${prefix}_s${stage + 1}b${b + 1}`;
      const strides = stage > 0 && b === 0 ? 2 : 1;
      const inChannels = x.shape[3];
      const branch = convBn(relu(convBn(x, filters, 3, strides, `${name}a`), `${name}a_relu`), filters, 3, 1, `${name}b`);
      const shortcut = strides !== 1 || inChannels !== filters ? convBn(x, filters, 1, strides, `${name}_short`) : x;
      x = relu(tfl.layers.add({ name: `${name}_add` }).apply([branch, shortcut]) as Sym, `${name}_relu`);
    }
    features.push(x);
  });
  const embedding = tfl.layers.globalAveragePooling2d({ name: `${prefix}_gap` }).apply(x) as Sym;
  return { features, embedding };
}
