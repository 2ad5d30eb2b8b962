import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../shared/protocol';

export interface TrainOptimizer {
  optimizer: tf.Optimizer;
  setLearningRate(rate: number): void;
  /** Frees the optimizer's state (and, for SGD, the rate scalar tfjs's MomentumOptimizer.dispose leaves behind). */
  dispose(): void;
}

export function createOptimizer(config: TrainConfig): TrainOptimizer {
  const opt = config.optimizer;
  if (opt.kind === 'adam') {
    const adam = tf.train.adam(config.learningRate, opt.beta1, opt.beta2);
    // Adam reads its rate on every step, so the field can change between epochs.
    return { optimizer: adam, setLearningRate: (rate) => ((adam as unknown as { learningRate: number }).learningRate = rate), dispose: () => adam.dispose() };
  }
  const sgd = tf.train.momentum(config.learningRate, opt.momentum);
  return {
    optimizer: sgd,
    setLearningRate: (rate) => sgd.setLearningRate(rate),
    dispose: () => {
      sgd.dispose();
      // SGDOptimizer keeps −lr as a kept scalar `c`; MomentumOptimizer.dispose does not free it.
      (sgd as unknown as { c?: tf.Tensor }).c?.dispose();
    },
  };
}
