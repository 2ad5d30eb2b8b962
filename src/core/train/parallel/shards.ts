import * as tf from '@tensorflow/tfjs-core';
import type { TrainBatch } from '../../distill/distiller';
import { blocksOf, packOutputs, type PackedOutputs } from './packed';

/** Samples per replica: as even as possible, the first replicas taking one more; a replica may get none (a batch smaller than the threads). */
export function shardSizes(samples: number, replicas: number): number[] {
  if (!Number.isInteger(samples) || samples < 0) throw new Error(`shardSizes: expected a non-negative integer sample count, got ${samples}`);
  if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`shardSizes: expected at least one replica, got ${replicas}`);
  const base = Math.floor(samples / replicas);
  const extra = samples % replicas;
  return Array.from({ length: replicas }, (_, r) => base + (r < extra ? 1 : 0));
}

/** A replica's share of a batch as plain arrays, for a worker thread (each owns its buffer, so it can be transferred). */
export interface ShardArrays {
  x: Float32Array;
  shape: number[];
  /** The samples' labels (training accuracy reads them). */
  labels: Int32Array;
  /** Whether the method is given the labels (false on a transfer set). */
  withLabels: boolean;
  indices: Int32Array;
  augmented: boolean;
  /** The shard's rows of the teachers' outputs computed ahead (TrainBatch.teacherOutputs), where the batch has them. */
  teacherOutputs?: PackedOutputs;
  /** TrainBatch.shardOf: the whole batch's samples and real tokens. */
  shardOf?: { samples: number; tokens: number };
}

/** A batch of token ids' real tokens: ids ≠ 0, PaddingMask's rule (0 is padding). */
export function countTokens(x: tf.Tensor): number {
  const ids = x.dataSync();
  let tokens = 0;
  for (let i = 0; i < ids.length; i++) if (ids[i] !== 0) tokens++;
  return tokens;
}

/**
 * The contiguous shards of a batch: the first as tensors (replica 0 trains on the main thread), the
 * rest as arrays; every shard carries `shardOf` where it is given (TrainBatch.shardOf).
 */
export function splitBatch(batch: TrainBatch, labels: tf.Tensor1D, sizes: number[], shardOf?: TrainBatch['shardOf']): { main: { batch: TrainBatch; labels: tf.Tensor1D }; others: ShardArrays[] } {
  const total = batch.x.shape[0];
  if (sizes.reduce((a, b) => a + b, 0) !== total) throw new Error(`splitBatch: shard sizes ${sizes.join('+')} do not add up to the batch of ${total}`);
  const [n0] = sizes;
  const main =
    n0 === total
      ? { batch: { ...batch, shardOf }, labels }
      : {
          batch: {
            x: tf.slice(batch.x, 0, n0),
            y: batch.y && (tf.slice(batch.y, 0, n0) as tf.Tensor1D),
            indices: batch.indices.subarray(0, n0),
            augmented: batch.augmented,
            teacherOutputs: batch.teacherOutputs?.map((t) => ({
              logits: tf.slice(t.logits, 0, n0) as tf.Tensor2D,
              embedding: tf.slice(t.embedding, 0, n0) as tf.Tensor2D,
              features: t.features.map((f) => tf.slice(f, 0, n0)),
            })),
            shardOf,
          },
          labels: tf.slice(labels, 0, n0) as tf.Tensor1D,
        };
  if (sizes.length === 1) return { main, others: [] };
  const rowSize = batch.x.size / total;
  const x = batch.x.dataSync() as Float32Array;
  const y = labels.dataSync() as Int32Array;
  const others: ShardArrays[] = [];
  let start = n0;
  for (const n of sizes.slice(1)) {
    others.push({
      x: x.slice(start * rowSize, (start + n) * rowSize),
      shape: [n, ...batch.x.shape.slice(1)],
      labels: Int32Array.from(y.subarray(start, start + n)),
      withLabels: batch.y !== null,
      indices: batch.indices.slice(start, start + n),
      augmented: batch.augmented ?? false,
      ...(batch.teacherOutputs ? { teacherOutputs: packOutputs(batch.teacherOutputs, start, n) } : {}),
      ...(shardOf ? { shardOf } : {}),
    });
    start += n;
  }
  return { main, others };
}

/** Frees the main shard's tensors where they are slices of the batch (not the batch itself). */
export function disposeMainShard(shard: { batch: TrainBatch; labels: tf.Tensor1D }, batch: TrainBatch): void {
  if (shard.batch.x !== batch.x) tf.dispose([shard.batch.x, shard.labels, ...(shard.batch.y ? [shard.batch.y] : []), ...(shard.batch.teacherOutputs?.flatMap(blocksOf) ?? [])]);
}
