import * as tf from '@tensorflow/tfjs-core';
import type { ZooModel } from '../models/zoo-model';

/** Mean milliseconds of one batch-1 inference forward pass, after a warm-up. */
export function measureLatencyMs(model: ZooModel, repeats = 30): number {
  const x = tf.zeros([1, ...model.info.inputShape]);
  try {
    const once = () => {
      const logits = model.predict(x);
      logits.dataSync();
      logits.dispose();
    };
    for (let i = 0; i < 3; i++) once();
    const start = performance.now();
    for (let i = 0; i < repeats; i++) once();
    return (performance.now() - start) / repeats;
  } finally {
    x.dispose();
  }
}
