import * as tf from '@tensorflow/tfjs-core';
import type { Distiller, StepContext, TrainBatch } from '../../distill/distiller';
import type { TrainOptimizer } from '../optimizer';
import { gradientStep, type StepResult } from '../step';
import { applyFlatGradients, flattenGradients, packTensors, type FlatGradients } from './flat';
import { reseedDropout } from './replica-dropout';

/** One shard's gradients with its loss terms and correct count. */
export type ShardGradients = FlatGradients & StepResult;

/**
 * What one replica trains: every trainable value (the student's and the modules' the method adds,
 * as distiller.trainableVariables() orders them), and the student's state (batch-norm moving
 * statistics). A module's own batch-norm statistics (FitNets' regressor, SRRL's connector) stay
 * per replica: the loss always runs them in training mode, and neither evaluation nor a
 * checkpoint reads them.
 */
export interface ReplicaWeights {
  trainable: Float32Array;
  state: Float32Array;
}

/**
 * One copy of what a step trains: a distiller (its student, and a teacher where it has one) with
 * its optimizer. Replica 0 lives on the main thread around the loop's own models; the others in
 * worker threads. Every replica applies the same averaged gradients, so their weights stay equal.
 */
export class Replica {
  private readonly variables: tf.Variable[];

  constructor(
    readonly distiller: Distiller,
    readonly optimizer: TrainOptimizer,
    private readonly weightDecay: number,
  ) {
    this.variables = distiller.trainableVariables();
  }

  /**
   * The gradients of this shard's loss (weight decay included, as trainStep adds it), not applied.
   * `dropoutSeed`: the trained model's dropout masks for this shard and step (replica-dropout.ts).
   */
  gradients(batch: TrainBatch, labels: tf.Tensor1D, context: StepContext, dropoutSeed?: number): ShardGradients {
    if (dropoutSeed !== undefined) reseedDropout(this.distiller.student.net, dropoutSeed);
    let flat: FlatGradients | undefined;
    const [result] = gradientStep(
      this.variables,
      () => [this.distiller.forwardTrain(batch, context)],
      (grads) => (flat = flattenGradients(this.variables, grads)),
      labels,
      this.weightDecay,
    );
    return { ...flat!, ...result };
  }

  apply(values: Float32Array, present: boolean[]): void {
    applyFlatGradients(this.optimizer.optimizer, this.variables, values, present);
  }

  weights(): ReplicaWeights {
    const net = this.distiller.student.net;
    return { trainable: packTensors(this.variables), state: packTensors(net.nonTrainableWeights.map((w) => w.read())) };
  }

  /** Gives every trainable variable its value from `values`, laid out as weights().trainable (a worker's replica starts from the main thread's). */
  setTrainable(values: Float32Array): void {
    const expected = this.variables.reduce((sum, v) => sum + v.size, 0);
    if (values.length !== expected) throw new Error(`setTrainable: the replica has ${expected} trainable values, the main thread sent ${values.length}`);
    let offset = 0;
    tf.tidy(() => {
      for (const v of this.variables) {
        v.assign(tf.tensor(values.subarray(offset, offset + v.size), v.shape, 'float32'));
        offset += v.size;
      }
    });
  }

  /** Replaces the state (batch-norm moving statistics) with `values`, laid out as weights().state. */
  setState(values: Float32Array): void {
    const state = this.distiller.student.net.nonTrainableWeights;
    let offset = 0;
    for (const w of state) {
      const shape = w.shape as number[];
      const size = shape.reduce((a, b) => a * b, 1);
      const value = tf.tensor(values.subarray(offset, offset + size), shape, 'float32');
      w.write(value);
      value.dispose();
      offset += size;
    }
    if (offset !== values.length) throw new Error(`setState: expected ${offset} state values, got ${values.length}`);
  }
}
