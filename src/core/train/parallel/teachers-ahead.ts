import * as tf from '@tensorflow/tfjs-core';
import { Worker } from 'node:worker_threads';
import type { AheadTeachers, TeacherOutput } from '../../distill/distiller';
import type { ZooModel } from '../../models/zoo-model';
import { WorkerChannel } from './channel';
import { modelToWire } from './model-transfer';
import { packOutputs, unpackOutputs, type PackedOutputs } from './packed';
import { replicaWorkerFile } from './worker-file';

/**
 * Every teacher's inference-mode outputs on `x` — forward(x, false), as a method runs its teacher
 * in-thread — packed: logits, embedding, and the feature maps where `features` asks for them.
 */
export function teachersOutputs(teachers: ZooModel[], x: tf.Tensor, features: boolean): PackedOutputs {
  const outputs: TeacherOutput[] = teachers.map((t) => {
    const out = t.forward(x, false);
    if (features) return out;
    tf.dispose(out.features);
    return { logits: out.logits, embedding: out.embedding, features: [] };
  });
  try {
    return packOutputs(outputs, 0, x.shape[0]);
  } finally {
    for (const o of outputs) tf.dispose([o.logits, o.embedding, ...o.features]);
  }
}

/**
 * A method's frozen teachers on a worker thread of their own, each batch's outputs computed while
 * the main thread trains the batch before it (the overlap of a step with augmentation, whose
 * teacher outputs cannot be cached). The worker holds a copy of every teacher, weight for weight,
 * and runs the same inference-mode forward pass on the same inputs, so the outputs are those the
 * method would compute itself; they do not depend on timing, so a run stays deterministic.
 */
export class TeachersAhead {
  private constructor(private readonly channel: WorkerChannel) {}

  static async start({ teachers, features }: AheadTeachers, backend: 'wasm' | 'cpu', file: string = replicaWorkerFile()): Promise<TeachersAhead> {
    if (teachers.length === 0) throw new Error('teachers ahead: expected at least one teacher');
    const channel = new WorkerChannel(new Worker(file), "the teachers' worker thread");
    try {
      await channel.request({ type: 'initTeachers', backend, teachers: teachers.map(modelToWire), features }, 'ready');
    } catch (error) {
      await channel.close();
      throw error;
    }
    return new TeachersAhead(channel);
  }

  /** Starts the teachers on a batch; the outputs come back in the order asked. The worker reads a copy of x. */
  compute(x: tf.Tensor): Promise<PackedOutputs> {
    const data = (x.dataSync() as Float32Array).slice();
    const reply = this.channel.request({ type: 'teacherOutputs', x: data, shape: x.shape }, 'teacherOutputs', [data.buffer]);
    // A batch computed ahead and then not trained (the epoch's step limit, a cancel) is never awaited.
    reply.catch(() => {});
    return reply.then(({ values, shapes, counts }) => ({ values, shapes, counts }));
  }

  async dispose(): Promise<void> {
    await this.channel.close();
  }
}

/** A batch of `withTeachersAhead`, its teachers' outputs on the way. */
export type AheadBatch<B> = B & { teacherOutputs: Promise<PackedOutputs> };

/**
 * The batches of `source`, each handed out only once the next one has been drawn and sent to the
 * teachers' thread: while batch i trains, the teachers run on batch i+1. A batch drawn but not
 * handed out (the consumer stopped early) is given to `dispose`.
 */
export function* withTeachersAhead<B extends { x: tf.Tensor }>(source: Iterable<B>, ahead: TeachersAhead, dispose: (batch: B) => void): Generator<AheadBatch<B>> {
  const iterator = source[Symbol.iterator]();
  const draw = () => {
    const next = iterator.next();
    return next.done ? undefined : { ...next.value, teacherOutputs: ahead.compute(next.value.x) };
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

/** The outputs a batch was sent with, as tensors the caller disposes. */
export async function aheadOutputs(outputs: Promise<PackedOutputs>): Promise<TeacherOutput[]> {
  return unpackOutputs(await outputs);
}
