import * as tf from '@tensorflow/tfjs-core';
import { buildModel } from '../../models/zoo';
import type { ModelInfo, ZooModel } from '../../models/zoo-model';
import { packTensors } from './flat';

/** A model as a worker thread receives it: what to build, and every weight (trainable and not) in the net's order. */
export interface ModelWire {
  info: ModelInfo;
  weights: Float32Array;
}

export function modelToWire(model: ZooModel): ModelWire {
  if (!model.info.spec) throw new Error(`model "${model.info.role}" has no zoo spec, so a worker thread cannot rebuild it`);
  return { info: model.info, weights: packTensors(model.net.getWeights()) };
}

/** Builds the model of `wire.info` and gives it the sender's weights: a replica, weight for weight. */
export function modelFromWire(wire: ModelWire): ZooModel {
  const { spec, inputShape, numClasses, role, vocabSize } = wire.info;
  const model = buildModel(spec, { inputShape, numClasses, role, seed: 0, vocabSize });
  const shapes = model.net.weights.map((w) => w.shape as number[]);
  const expected = shapes.reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
  if (expected !== wire.weights.length) {
    model.dispose();
    throw new Error(`model "${role}": the replica has ${expected} weight values, the sender ${wire.weights.length}`);
  }
  let offset = 0;
  const tensors = shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(wire.weights.subarray(offset, offset + size), shape, 'float32');
    offset += size;
    return t;
  });
  model.net.setWeights(tensors);
  tf.dispose(tensors);
  return model;
}
