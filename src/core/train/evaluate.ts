import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../data/types';
import type { ZooModel } from '../models/zoo-model';
import { agreement, meanKl, topKAccuracy } from './metrics';

/** The model's inference-mode logits for a whole split, as [count × classes]. */
export function predictLogits(model: ZooModel, split: Split, inputShape: number[], batchSize = 256): Float32Array {
  const classes = model.info.numClasses;
  const sampleSize = inputShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(split.count * classes);
  for (let start = 0; start < split.count; start += batchSize) {
    const size = Math.min(batchSize, split.count - start);
    const chunk = tf.tidy(() => {
      const x = tf.tensor(split.x.subarray(start * sampleSize, (start + size) * sampleSize), [size, ...inputShape]);
      return model.predict(x);
    });
    out.set(chunk.dataSync(), start * classes);
    chunk.dispose();
  }
  return out;
}

export interface Evaluation {
  top1: number;
  /** Only past five classes, where top-5 means something. */
  top5?: number;
  /** Against the teacher, when teacher logits are given. */
  agreement?: number;
  kl?: number;
}

export function evaluateLogits(logits: Float32Array, labels: Int32Array, classes: number, teacherLogits?: Float32Array): Evaluation {
  const result: Evaluation = { top1: topKAccuracy(logits, labels, classes, 1) };
  if (classes > 5) result.top5 = topKAccuracy(logits, labels, classes, 5);
  if (teacherLogits) {
    result.agreement = agreement(teacherLogits, logits, classes);
    result.kl = meanKl(teacherLogits, logits, classes);
  }
  return result;
}
