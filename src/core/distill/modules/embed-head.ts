import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { l2NormalizeRows } from '../losses/l2-normalize';
import { linearNet, variablesOf } from './connector';

/** CRD's embed head (RepDistiller `Embed`): Linear(d → featDim) then L2 normalisation of each row. */
export class EmbedHead {
  private readonly net: tfl.LayersModel;

  constructor(inputSize: number, featDim: number, seed: number) {
    this.net = linearNet([inputSize], featDim, 'linear', seed);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return l2NormalizeRows(this.net.apply(x) as tf.Tensor2D);
  }

  trainableVariables(): tf.Variable[] {
    return variablesOf(this.net);
  }

  dispose(): void {
    this.net.dispose();
  }
}
