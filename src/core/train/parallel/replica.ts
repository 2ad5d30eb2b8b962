import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed } from '../../data/rng';
import type { Distiller, StepContext, TrainBatch, TrainedTogether } from '../../distill/distiller';
import type { ZooModel } from '../../models/zoo-model';
import type { TrainOptimizer } from '../optimizer';
import { gradientStep, type StepResult } from '../step';
import { applyFlatGradients, denseGradients, flattenGradients, packTensors, rowsIn, type FlatGradients } from './flat';
import { rowSparseVariables } from './rows';
import { reseedDropout } from './replica-dropout';

/** One shard's gradients with its loss terms and correct count. */
export type ShardGradients = FlatGradients & StepResult;

/** A shard's gradients for a part of a step of models trained together, with each member's terms (one, or every member's). */
export type MemberGradients = FlatGradients & { results: StepResult[] };

/**
 * The part of a step of models trained together (DML's peers) that a replica computes or applies:
 * member i alone, updated in turn (its loss after the members before it moved), or every member
 * from one forward pass ('all'; TrainedTogether.update).
 */
export type MemberPart = number | 'all';

/**
 * How a replica's gradients travel: every value end to end ('dense'), or with tall tables'
 * gradients as their nonzero rows ('rows': rowSparseVariables; the same sums, fewer values).
 */
export type GradientExchange = 'dense' | 'rows';

/**
 * What one replica trains: every trainable value (the student's and the modules' the method adds,
 * as distiller.trainableVariables() orders them), and the state (batch-norm moving statistics) of
 * the student, or of every member of models trained together, in member order. A module's own batch-norm statistics (FitNets' regressor, SRRL's connector) stay
 * per replica: the loss always runs them in training mode, and neither evaluation nor a
 * checkpoint reads them.
 */
export interface ReplicaWeights {
  trainable: Float32Array;
  state: Float32Array;
}

/**
 * One copy of what a step trains: a distiller (its student, and a teacher where it has one; or
 * the members of models trained together) with its optimizer (one per member). Replica 0 lives on
 * the main thread around the loop's own models; the others in worker threads. Every replica
 * applies the same averaged gradients, so their weights stay equal.
 */
export class Replica {
  private readonly variables: tf.Variable[];
  private readonly optimizers: TrainOptimizer[];

  constructor(
    readonly distiller: Distiller,
    optimizers: TrainOptimizer | TrainOptimizer[],
    private readonly weightDecay: number,
    private readonly exchange: GradientExchange = 'dense',
  ) {
    this.variables = distiller.trainableVariables();
    this.optimizers = Array.isArray(optimizers) ? optimizers : [optimizers];
    const expected = distiller.together?.members.length ?? 1;
    if (this.optimizers.length !== expected) throw new Error(`replica of method "${distiller.method}": expected ${expected} optimizer(s), one per trained model, got ${this.optimizers.length}`);
  }

  setLearningRate(rate: number): void {
    for (const optimizer of this.optimizers) optimizer.setLearningRate(rate);
  }

  /** The trained models: the student, or every member. */
  private models(): ZooModel[] {
    return this.distiller.together?.members.map((m) => m.model) ?? [this.distiller.student];
  }

  private together(): TrainedTogether {
    const together = this.distiller.together;
    if (!together) throw new Error(`replica of method "${this.distiller.method}": it trains one model, not members`);
    return together;
  }

  /** `dropoutSeed`: the masks for this shard and step (replica-dropout.ts); member k > 0 of models trained together draws from deriveSeed(seed, k). */
  private reseed(dropoutSeed: number | undefined): void {
    if (dropoutSeed === undefined) return;
    this.models().forEach((model, k) => reseedDropout(model.net, k === 0 ? dropoutSeed : deriveSeed(dropoutSeed, k)));
  }

  /**
   * The gradients of this shard's loss (weight decay included, as trainStep adds it), not applied.
   * `dropoutSeed`: the trained model's dropout masks for this shard and step (replica-dropout.ts).
   */
  gradients(batch: TrainBatch, labels: tf.Tensor1D, context: StepContext, dropoutSeed?: number): ShardGradients {
    this.reseed(dropoutSeed);
    let flat: FlatGradients | undefined;
    const [result] = gradientStep(
      this.variables,
      () => [this.distiller.forwardTrain(batch, context)],
      (grads) => (flat = flattenGradients(this.variables, grads, this.rowSparse(this.variables))),
      labels,
      this.weightDecay,
    );
    return { ...flat!, ...result };
  }

  /** Models trained together: the gradients of member `part`'s loss on this shard with respect to its variables, or of every member's from one pass (as trainTogetherStep computes them), not applied. */
  memberGradients(part: MemberPart, batch: TrainBatch, labels: tf.Tensor1D, context: StepContext, dropoutSeed?: number): MemberGradients {
    const together = this.together();
    this.reseed(dropoutSeed);
    const variables = this.variablesOf(part);
    let flat: FlatGradients | undefined;
    const results = gradientStep(
      variables,
      () => (part === 'all' ? together.forwardAll(batch, context) : [together.forwardMember(part, batch, context)]),
      (grads) => (flat = flattenGradients(variables, grads, this.rowSparse(variables))),
      labels,
      this.weightDecay,
    );
    return { ...flat!, results };
  }

  /** The variables whose gradients travel as rows, where the exchange sends rows. */
  private rowSparse(variables: tf.Variable[]): boolean[] | undefined {
    return this.exchange === 'rows' ? rowSparseVariables(variables) : undefined;
  }

  private variablesOf(part: MemberPart): tf.Variable[] {
    const { members } = this.together();
    return part === 'all' ? members.flatMap((m) => m.variables()) : members[part].variables();
  }

  /** Gradients laid out as gradients() (no `part`) or memberGradients(part) gives them, dense: every variable's end to end. */
  dense(gradients: FlatGradients, part?: MemberPart): Float32Array {
    const variables = part === undefined ? this.variables : this.variablesOf(part);
    return denseGradients(variables, gradients, rowSparseVariables(variables));
  }

  /** Applies gradients laid out as gradients() (no `part`) or memberGradients(part) gives them, each member's with its own optimizer. */
  apply(gradients: FlatGradients, part?: MemberPart): void {
    if (part === undefined) return applyFlatGradients(this.optimizers[0].optimizer, this.variables, gradients, rowSparseVariables(this.variables));
    if (part !== 'all') {
      const variables = this.variablesOf(part);
      return applyFlatGradients(this.optimizers[part].optimizer, variables, gradients, rowSparseVariables(variables));
    }
    // Every member's in turn: its dense values, its flags and its tables' rows.
    let offset = 0;
    let index = 0;
    let table = 0;
    this.together().members.forEach((member, i) => {
      const variables = member.variables();
      const rowSparse = rowSparseVariables(variables);
      const sparse = rowsIn(gradients, rowSparse);
      const size = variables.reduce((sum, v, j) => sum + (sparse[j] ? 0 : v.size), 0);
      const tables = sparse.filter(Boolean).length;
      const own: FlatGradients = {
        values: gradients.values.subarray(offset, offset + size),
        present: gradients.present.slice(index, index + variables.length),
        ...(gradients.rows ? { rows: gradients.rows.slice(table, table + tables) } : {}),
      };
      applyFlatGradients(this.optimizers[i].optimizer, variables, own, rowSparse);
      offset += size;
      index += variables.length;
      table += tables;
    });
  }

  private stateWeights() {
    return this.models().flatMap((model) => model.net.nonTrainableWeights);
  }

  weights(): ReplicaWeights {
    return { trainable: packTensors(this.variables), state: packTensors(this.stateWeights().map((w) => w.read())) };
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
    let offset = 0;
    for (const w of this.stateWeights()) {
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
