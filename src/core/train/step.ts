import * as tf from '@tensorflow/tfjs-core';
import type { Distiller, StepContext, TrainBatch } from '../distill/distiller';

export interface StepResult {
  /** Each loss term and `total`. */
  losses: Record<string, number>;
  /** Samples whose top-1 matched the label. */
  correct: number;
}

/**
 * One optimisation step: the method's loss terms, their sum's gradients (plus L2 weight decay
 * added to the gradient, as PyTorch's optimizers do), then the optimizer update.
 */
export function trainStep(
  distiller: Distiller,
  optimizer: tf.Optimizer,
  batch: TrainBatch,
  labels: tf.Tensor1D,
  context: StepContext,
  weightDecay: number,
): StepResult {
  const variables = distiller.trainableVariables();
  let names: string[] = [];
  const summary = tf.tidy(() => {
    let terms: tf.Scalar[] = [];
    let logits: tf.Tensor2D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const out = distiller.forwardTrain(batch, context);
      names = Object.keys(out.losses);
      terms = names.map((n) => tf.keep(out.losses[n]));
      logits = tf.keep(out.logits);
      return tf.addN(terms) as tf.Scalar;
    }, variables);
    if (weightDecay > 0) {
      for (const v of variables) grads[v.name] = tf.add(grads[v.name], tf.mul(v, weightDecay));
    }
    optimizer.applyGradients(grads);
    const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits!, 1), tf.cast(labels, 'int32')), 'float32'));
    const packed = tf.concat([tf.stack([...terms, value]), tf.reshape(correct, [1])]);
    // Kept so they outlive the gradient scope; this scope is their last user.
    tf.dispose([...terms, logits!]);
    return packed;
  });
  const values = summary.dataSync();
  summary.dispose();
  const losses: Record<string, number> = {};
  names.forEach((n, i) => (losses[n] = values[i]));
  losses.total = values[names.length];
  return { losses, correct: values[names.length + 1] };
}
