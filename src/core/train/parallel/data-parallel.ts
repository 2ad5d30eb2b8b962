import * as tf from '@tensorflow/tfjs-core';
import { Worker } from 'node:worker_threads';
import type { TrainConfig } from '../../../shared/protocol';
import type { Distiller, ReplicaRecipe, StepContext, TrainBatch } from '../../distill/distiller';
import type { TrainOptimizer } from '../optimizer';
import type { StepResult } from '../step';
import { WorkerChannel } from './channel';
import { GradientSum, weightedSum, type FlatGradients } from './flat';
import type { RecipeWire } from './messages';
import { modelToWire } from './model-transfer';
import { Replica, type GradientExchange, type MemberPart, type ReplicaWeights } from './replica';
import { dropoutBase, shardDropoutSeed } from './replica-dropout';
import { countTokens, disposeMainShard, shardSizes, splitBatch } from './shards';
import { replicaWorkerFile } from './worker-file';

/** Averaged gradients of a whole batch, with its loss terms (sample-weighted means) and correct count. */
export interface AveragedGradients {
  values: Float32Array;
  present: boolean[];
  result: StepResult;
}

export interface DataParallelOptions {
  /** Replicas in all: the main thread's and threads − 1 workers. */
  threads: number;
  /** The workers' backend: the main thread's. */
  backend: 'wasm' | 'cpu';
  /** The worker script (default: replicaWorkerFile()). */
  workerFile?: string;
  /** How gradients travel (default 'rows': embedding tables' as the rows a shard touched; Replica's GradientExchange). The averages are the same bits either way. */
  exchange?: GradientExchange;
}

function recipeToWire(recipe: ReplicaRecipe): RecipeWire {
  return { build: recipe.build, teachers: recipe.teachers.map(modelToWire) };
}

/**
 * Synchronous data parallelism over worker_threads, as PyTorch's DistributedDataParallel without
 * SyncBN: each replica (the main thread's, around the loop's own models, and one per worker, each
 * its own TensorFlow.js instance) computes gradients on its contiguous share of the batch; the
 * main thread averages them weighted by shard size (for a loss that is a mean over the batch,
 * the gradient of the whole batch), in replica order, and every replica applies the same average
 * with the same optimizer, so the weights stay identical without being sent. Batch norm normalises
 * with each shard's own statistics, and each replica's moving statistics follow its shards:
 * synchronize() averages them (and checks the replicas still agree) before evaluation and checkpoints.
 * Transformers have no batch norm: there the average is the whole batch's gradient (dropout aside,
 * whose masks each shard draws for itself: replica-dropout.ts), a loss averaged over the batch's
 * real tokens dividing each shard's sum by its share of them (TrainBatch.shardOf). An embedding
 * table's gradient travels as the rows its shard touched, summed row by row (flat.ts): the same
 * bits as summing the dense tables, for a fraction of the values.
 */
export class DataParallel {
  /** Whether steps ran since the last synchronize(). */
  private stepped = false;
  /** gradients() calls so far: the step in each shard's dropout seed. */
  private steps = 0;
  /** The trained model's inputs are token ids (a transformer): shards are told the batch's real-token count. */
  private readonly tokenInputs: boolean;
  /** The base of the shards' dropout seeds, for a model with dropout layers. */
  private readonly dropout: number | undefined;

  private constructor(
    private readonly main: Replica,
    private readonly workers: WorkerChannel[],
  ) {
    const student = main.distiller.student;
    this.tokenInputs = student.info.spec.arch === 'transformer';
    this.dropout = dropoutBase(student.net);
  }

  /** Starts threads − 1 workers holding copies of the distiller's models, ready to step. */
  /** `optimizer`: the loop's, or one per member for models trained together (in member order). */
  static async start(distiller: Distiller, optimizer: TrainOptimizer | TrainOptimizer[], train: TrainConfig, options: DataParallelOptions): Promise<DataParallel> {
    const recipe = distiller.replicaRecipe?.();
    if (!recipe)
      throw new Error(`data-parallel training: method "${distiller.method}" cannot be replicated in worker threads${distiller.singleThreadReason ? `: ${distiller.singleThreadReason}` : ''}`);
    if (!(Number.isInteger(options.threads) && options.threads >= 2)) throw new Error(`data-parallel training: expected at least 2 threads, got ${options.threads}`);
    const file = options.workerFile ?? replicaWorkerFile();
    const student = modelToWire(distiller.student);
    const wire = recipeToWire(recipe);
    const workers = Array.from({ length: options.threads - 1 }, (_, i) => new WorkerChannel(new Worker(file), `replica ${i + 1}'s worker thread`));
    const exchange = options.exchange ?? 'rows';
    const main = new Replica(distiller, optimizer, train.weightDecay, exchange);
    const variables = main.weights().trainable;
    const parallel = new DataParallel(main, workers);
    try {
      await Promise.all(workers.map((w, i) => w.request({ type: 'init', backend: options.backend, replica: i + 1, student, recipe: wire, variables, train, exchange }, 'ready')));
    } catch (error) {
      await parallel.dispose();
      throw error;
    }
    return parallel;
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  setLearningRate(rate: number): void {
    this.main.setLearningRate(rate);
    for (const w of this.workers) w.post({ type: 'learningRate', rate });
  }

  /**
   * Every replica's gradients on its shard — of the whole step, or of `part` of a step of models
   * trained together — averaged, with each result's terms (sample-weighted) and correct counts.
   */
  private async averaged(batch: TrainBatch, labels: tf.Tensor1D, context: StepContext, part?: MemberPart): Promise<{ gradients: FlatGradients; results: StepResult[] }> {
    const total = batch.x.shape[0];
    const sizes = shardSizes(total, this.threads);
    const { main, others } = splitBatch(batch, labels, sizes, this.tokenInputs ? { samples: total, tokens: countTokens(batch.x) } : undefined);
    const step = this.steps++;
    const dropoutSeed = (shard: number) => (this.dropout === undefined ? undefined : shardDropoutSeed(this.dropout, context.epoch, step, shard));
    const replies = others.map((shard, i) => {
      if (sizes[i + 1] === 0) return undefined;
      const transfer = [shard.x.buffer, shard.labels.buffer, shard.indices.buffer, ...(shard.teacherOutputs ? [shard.teacherOutputs.values.buffer] : [])] as ArrayBuffer[];
      const reply = this.workers[i].request({ type: 'compute', shard, context, dropoutSeed: dropoutSeed(i + 1), part }, 'gradients', transfer);
      // Awaited below; if the main thread's own shard throws first, a failing worker must not become an unhandled rejection.
      reply.catch(() => {});
      return reply;
    });
    let own: FlatGradients & { results: StepResult[] };
    try {
      if (part === undefined) {
        const { losses, correct, ...g } = this.main.gradients(main.batch, main.labels, context, dropoutSeed(0));
        own = { ...g, results: [{ losses, correct }] };
      } else {
        own = this.main.memberGradients(part, main.batch, main.labels, context, dropoutSeed(0));
      }
    } finally {
      disposeMainShard(main, batch);
    }
    const weight = (samples: number) => samples / total;
    // Summed in replica order as they come: this shard's while the workers still compute.
    const sum = new GradientSum();
    const { results: ownResults, ...ownGradients } = own;
    sum.add(ownGradients, weight(sizes[0]));
    const shards = [{ results: ownResults, samples: sizes[0] }];
    for (const [i, reply] of replies.entries()) {
      if (!reply) continue;
      const { gradients, results } = await reply;
      sum.add(gradients, weight(sizes[i + 1]));
      shards.push({ results, samples: sizes[i + 1] });
    }
    const gradients = sum.result();
    const results = ownResults.map((_, r) => {
      const losses: Record<string, number> = {};
      for (const s of shards) for (const [k, v] of Object.entries(s.results[r].losses)) losses[k] = (losses[k] ?? 0) + weight(s.samples) * v;
      return { losses, correct: shards.reduce((sum, s) => sum + s.results[r].correct, 0) };
    });
    return { gradients, results };
  }

  /** Every replica's gradients on its shard, averaged: what one replica would compute on the whole batch (batch norm aside). Nothing is applied. */
  async gradients(batch: TrainBatch, labels: tf.Tensor1D, context: StepContext): Promise<AveragedGradients> {
    const { gradients, results } = await this.averaged(batch, labels, context);
    return { values: this.main.dense(gradients), present: gradients.present, result: results[0] };
  }

  /** Applies the same gradients, every variable's end to end, on every replica (of `part`, for models trained together). */
  apply(values: Float32Array, present: boolean[], part?: MemberPart): void {
    this.applyEverywhere({ values, present }, part);
  }

  /** Posts the gradients to every worker (each gets a copy of the same values), then applies them here. */
  private applyEverywhere(gradients: FlatGradients, part?: MemberPart): void {
    this.stepped = true;
    for (const w of this.workers) w.post({ type: 'apply', gradients, part });
    this.main.apply(gradients, part);
  }

  /** One optimisation step over the whole batch, shared out among the replicas. */
  async step(batch: TrainBatch, labels: tf.Tensor1D, context: StepContext): Promise<StepResult> {
    const { gradients, results } = await this.averaged(batch, labels, context);
    this.applyEverywhere(gradients);
    return results[0];
  }

  /**
   * One step of models trained together (DML's peers), as trainTogetherStep on one thread: in
   * turn, each member's shard gradients averaged and applied everywhere before the next member's
   * loss is computed (so K exchanges a step); joint, every member's from one pass. One result per member.
   */
  async stepTogether(batch: TrainBatch, labels: tf.Tensor1D, context: StepContext): Promise<StepResult[]> {
    const together = this.main.distiller.together;
    if (!together) throw new Error(`data-parallel training: method "${this.main.distiller.method}" trains one model; use step()`);
    if (together.update === 'joint') {
      const { gradients, results } = await this.averaged(batch, labels, context, 'all');
      this.applyEverywhere(gradients, 'all');
      return results;
    }
    const results: StepResult[] = [];
    for (let i = 0; i < together.members.length; i++) {
      const { gradients, results: member } = await this.averaged(batch, labels, context, i);
      this.applyEverywhere(gradients, i);
      results.push(member[0]);
    }
    return results;
  }

  /** Every replica's weights, the main thread's first. */
  async replicaWeights(): Promise<ReplicaWeights[]> {
    const others = await Promise.all(this.workers.map((w) => w.request({ type: 'weights' }, 'weights')));
    return [this.main.weights(), ...others.map(({ trainable, state }) => ({ trainable, state }))];
  }

  /**
   * Makes the replicas' batch-norm moving statistics their mean (on every replica), so the main
   * thread's model — the one evaluated and checkpointed — carries what every shard saw. Throws if
   * a replica's trainable weights differ from the main thread's: they cannot, unless a replica broke.
   */
  async synchronize(): Promise<void> {
    if (!this.stepped) return;
    this.stepped = false;
    const all = await this.replicaWeights();
    const reference = all[0].trainable;
    all.forEach(({ trainable }, r) => {
      const at = trainable.findIndex((v, i) => !Object.is(v, reference[i]));
      if (trainable.length !== reference.length || at >= 0) throw new Error(`data-parallel training: replica ${r}'s weights drifted from replica 0's (first at value ${at})`);
    });
    const state = weightedSum(all.map((w) => ({ values: w.state, weight: 1 / all.length })));
    if (state.length === 0) return;
    this.main.setState(state);
    for (const w of this.workers) {
      const copy = state.slice();
      w.post({ type: 'setState', state: copy }, [copy.buffer]);
    }
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
