import * as tf from '@tensorflow/tfjs-core';
import type { Distiller, StepContext, StepOutput, TrainBatch } from '../distill/distiller';

export interface StepResult {
  /** Each loss term and `total`. */
  losses: Record<string, number>;
  /** Samples whose top-1 matched the label. */
  correct: number;
}

/**
 * One gradient computation: the loss terms of `forward`'s outputs, their sum's gradients with
 * respect to `variables` (plus L2 weight decay added to the gradient, as PyTorch's optimizers do),
 * handed to `apply`. Variables the loss does not reach (a head during a hint stage) get no
 * gradient and no update. One result per output.
 */
export function gradientStep(variables: tf.Variable[], forward: () => StepOutput[], apply: (grads: tf.NamedTensorMap) => void, labels: tf.Tensor1D, weightDecay: number): StepResult[] {
  let names: string[][] = [];
  const summary = tf.tidy(() => {
    let outputs: { terms: tf.Scalar[]; logits: tf.Tensor2D }[] = [];
    const { grads } = tf.variableGrads(() => {
      const outs = forward();
      names = outs.map((out) => Object.keys(out.losses));
      outputs = outs.map((out, i) => ({ terms: names[i].map((n) => tf.keep(out.losses[n])), logits: tf.keep(out.logits) }));
      return tf.addN(outputs.flatMap((o) => o.terms)) as tf.Scalar;
    }, variables);
    if (weightDecay > 0) {
      for (const v of variables) if (grads[v.name]) grads[v.name] = tf.add(grads[v.name], tf.mul(v, weightDecay));
    }
    apply(grads);
    const packed = tf.concat(
      outputs.map(({ terms, logits }) => {
        const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'float32'));
        return tf.concat([tf.stack([...terms, tf.addN(terms)]), tf.reshape(correct, [1])]);
      }),
    );
    // Kept so they outlive the gradient scope; this scope is their last user.
    tf.dispose(outputs.flatMap((o) => [...o.terms, o.logits]));
    return packed;
  });
  const values = summary.dataSync();
  summary.dispose();
  let offset = 0;
  return names.map((terms) => {
    const losses: Record<string, number> = {};
    terms.forEach((n, i) => (losses[n] = values[offset + i]));
    losses.total = values[offset + terms.length];
    const correct = values[offset + terms.length + 1];
    offset += terms.length + 2;
    return { losses, correct };
  });
}

/** One optimisation step of a method's trainable variables. */
export function trainStep(distiller: Distiller, optimizer: tf.Optimizer, batch: TrainBatch, labels: tf.Tensor1D, context: StepContext, weightDecay: number): StepResult {
  const [result] = gradientStep(
    distiller.trainableVariables(),
    () => [distiller.forwardTrain(batch, context)],
    (grads) => optimizer.applyGradients(grads),
    labels,
    weightDecay,
  );
  return result;
}

/**
 * One step of a method that trains several models together, one optimizer each: in turn (each
 * member's loss computed after the members before it have updated) or jointly (every member from
 * one forward pass). One result per member. In turn, the distiller's `forwardMember(i)` runs the
 * other members too; it keeps their state (BN moving statistics) as it was, so each member's
 * state moves once per step, in its own pass.
 */
export function trainTogetherStep(distiller: Distiller, optimizers: tf.Optimizer[], batch: TrainBatch, labels: tf.Tensor1D, context: StepContext, weightDecay: number): StepResult[] {
  const together = distiller.together;
  if (!together) throw new Error(`trainTogetherStep: method "${distiller.method}" trains a single model`);
  const { members } = together;
  if (optimizers.length !== members.length) throw new Error(`trainTogetherStep: expected ${members.length} optimizers, one per member, got ${optimizers.length}`);
  if (together.update === 'in-turn') {
    return members.flatMap((member, i) =>
      gradientStep(
        member.variables(),
        () => [together.forwardMember(i, batch, context)],
        (grads) => optimizers[i].applyGradients(grads),
        labels,
        weightDecay,
      ),
    );
  }
  const ofMember = (grads: tf.NamedTensorMap, i: number): tf.NamedTensorMap => Object.fromEntries(members[i].variables().flatMap((v) => (grads[v.name] ? [[v.name, grads[v.name]]] : [])));
  return gradientStep(
    members.flatMap((m) => m.variables()),
    () => together.forwardAll(batch, context),
    (grads) => optimizers.forEach((optimizer, i) => optimizer.applyGradients(ofMember(grads, i))),
    labels,
    weightDecay,
  );
}
