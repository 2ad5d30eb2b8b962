import { totalmem } from 'node:os';
import { formatBytes } from '../../shared/format';
import type { ModelSpec } from '../../shared/protocol';
import { modelSize, trainingBytes } from '../models/memory-estimate';
import { describeModel } from '../models/zoo';

/** wasm32 addresses 4 GiB; the other backends are bounded by the machine's memory. */
export function memoryLimit(backend: string): number {
  return backend === 'wasm' ? Math.min(4 * 2 ** 30, totalmem()) : totalmem();
}

/** Refuses, before anything is allocated, a model whose training at `batchSize` cannot fit, naming it and its estimated size. */
export function assertFits(spec: ModelSpec, role: string, shape: { inputShape: number[]; numClasses: number; vocabSize?: number }, batchSize: number, backend: string): void {
  const bytes = trainingBytes(modelSize(spec, shape.inputShape, shape.numClasses, shape.vocabSize), batchSize);
  const limit = memoryLimit(backend);
  if (bytes > limit) {
    throw new Error(
      `model ${role} (${describeModel(spec)}) needs about ${formatBytes(bytes)} to train at batch ${batchSize}, more than the ${formatBytes(limit)} the ${backend} backend can use; choose a smaller model or train.batchSize`,
    );
  }
}

/** A model a thread holds: trained (weights, gradients, optimizer moments, activations for backward) or frozen (weights, one forward's activations). */
export interface HeldModel {
  spec: ModelSpec;
  role: string;
  shape: { inputShape: number[]; numClasses: number; vocabSize?: number };
  trained: boolean;
}

/** What a thread of a parallel phase holds: its models, at its share of the batch. */
export interface ThreadLoad {
  name: string;
  models: HeldModel[];
  batchSize: number;
}

function heldBytes(model: HeldModel, batchSize: number): number {
  const size = modelSize(model.spec, model.shape.inputShape, model.shape.numClasses, model.shape.vocabSize);
  return model.trained ? trainingBytes(size, batchSize) : 4 * (size.params + batchSize * size.activationsPerSample);
}

/**
 * Refuses, before any worker starts, threads whose models cannot fit: each thread (a replica of
 * the student and its teachers, or the thread that runs the teachers ahead) holds its own copies,
 * in its own WASM memory (4 GiB each on wasm), and together they share the machine's memory.
 */
export function assertThreadsFit(threads: ThreadLoad[], backend: string, setting = 'train.threads'): void {
  const each = threads.map((t) => t.models.reduce((sum, m) => sum + heldBytes(m, t.batchSize), 0));
  const limit = memoryLimit(backend);
  const worst = each.reduce((w, bytes, i) => (bytes > each[w] ? i : w), 0);
  if (each[worst] > limit) {
    throw new Error(
      `${setting}: ${threads[worst].name} holds ${threads[worst].models.map((m) => m.role).join(' + ')} at batch ${threads[worst].batchSize}, about ${formatBytes(each[worst])}, more than the ${formatBytes(limit)} a ${backend} thread can use; choose smaller models or train.batchSize`,
    );
  }
  const total = each.reduce((a, b) => a + b, 0);
  if (total > totalmem()) {
    throw new Error(
      `${setting}: ${threads.length} threads (${threads.map((t) => t.name).join(', ')}) each hold their own copies of the models, about ${formatBytes(total)} in all, more than the machine's ${formatBytes(totalmem())}; lower ${setting}`,
    );
  }
}
