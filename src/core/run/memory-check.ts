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
export function assertFits(spec: ModelSpec, role: string, shape: { inputShape: number[]; numClasses: number }, batchSize: number, backend: string): void {
  const bytes = trainingBytes(modelSize(spec, shape.inputShape, shape.numClasses), batchSize);
  const limit = memoryLimit(backend);
  if (bytes > limit) {
    throw new Error(
      `model ${role} (${describeModel(spec)}) needs about ${formatBytes(bytes)} to train at batch ${batchSize}, more than the ${formatBytes(limit)} the ${backend} backend can use; choose a smaller model or train.batchSize`,
    );
  }
}
