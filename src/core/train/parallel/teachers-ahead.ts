import * as tf from '@tensorflow/tfjs-core';
import { Worker } from 'node:worker_threads';
import type { ZooModel } from '../../models/zoo-model';
import { WorkerChannel } from './channel';
import type { LogitsArrays } from './messages';
import { modelToWire } from './model-transfer';
import { logitTensors } from './shards';
import { replicaWorkerFile } from './worker-file';

/** Every teacher's inference-mode logits on `x` (ZooModel.predict, as a method runs it in-thread), one block after another. */
export function teachersLogits(teachers: ZooModel[], x: tf.Tensor): LogitsArrays {
  const logits = teachers.map((t) => t.predict(x));
  try {
    const widths = logits.map((l) => l.shape[1]);
    const rows = x.shape[0];
    const values = new Float32Array(rows * widths.reduce((a, b) => a + b, 0));
    let offset = 0;
    for (const l of logits) {
      values.set(l.dataSync() as Float32Array, offset);
      offset += l.size;
    }
    return { values, rows, widths };
  } finally {
    tf.dispose(logits);
  }
}

/**
 * A method's frozen teachers on a worker thread of their own, each batch's logits computed while
 * the main thread trains the batch before it (the overlap of a KD step with augmentation, whose
 * logits cannot be cached). The worker holds a copy of every teacher, weight for weight, and runs
 * the same inference-mode forward pass on the same inputs, so the logits are those the method
 * would compute itself; they do not depend on timing, so a run stays deterministic.
 */
export class TeachersAhead {
  private constructor(private readonly channel: WorkerChannel) {}

  static async start(teachers: ZooModel[], backend: 'wasm' | 'cpu', file: string = replicaWorkerFile()): Promise<TeachersAhead> {
    if (teachers.length === 0) throw new Error('teachers ahead: expected at least one teacher');
    const channel = new WorkerChannel(new Worker(file), "the teachers' worker thread");
    try {
      await channel.request({ type: 'initTeachers', backend, teachers: teachers.map(modelToWire) }, 'ready');
    } catch (error) {
      await channel.close();
      throw error;
    }
    return new TeachersAhead(channel);
  }

  /** Starts the teachers on a batch; the logits come back in the order asked. The worker reads a copy of x. */
  compute(x: tf.Tensor): Promise<LogitsArrays> {
    const data = (x.dataSync() as Float32Array).slice();
    const reply = this.channel.request({ type: 'teacherLogits', x: data, shape: x.shape }, 'teacherLogits', [data.buffer]);
    // A batch computed ahead and then not trained (the epoch's step limit, a cancel) is never awaited.
    reply.catch(() => {});
    return reply.then(({ values, rows, widths }) => ({ values, rows, widths }));
  }

  async dispose(): Promise<void> {
    await this.channel.close();
  }
}

/** A batch of `withTeachersAhead`, its teachers' logits on the way. */
export type AheadBatch<B> = B & { teacherLogits: Promise<LogitsArrays> };

/**
 * The batches of `source`, each handed out only once the next one has been drawn and sent to the
 * teachers' thread: while batch i trains, the teachers run on batch i+1. A batch drawn but not
 * handed out (the consumer stopped early) is given to `dispose`.
 */
export function* withTeachersAhead<B extends { x: tf.Tensor }>(source: Iterable<B>, ahead: TeachersAhead, dispose: (batch: B) => void): Generator<AheadBatch<B>> {
  const iterator = source[Symbol.iterator]();
  const draw = () => {
    const next = iterator.next();
    return next.done ? undefined : { ...next.value, teacherLogits: ahead.compute(next.value.x) };
  };
  let next = draw();
  try {
    while (next) {
      const current = next;
      next = draw();
      yield current;
    }
  } finally {
    if (next) dispose(next);
    iterator.return?.();
  }
}

/** The logits a batch was sent with, as tensors the caller disposes. */
export async function aheadLogits(logits: Promise<LogitsArrays>): Promise<tf.Tensor2D[]> {
  return logitTensors(await logits);
}
