import type { ZooModel } from '../../models/zoo-model';

/**
 * Multiply-adds of one sample's forward pass, counted from the built layers: each kernel (conv,
 * dense; rank ≥ 2, embeddings excepted: a lookup, not a product) times the positions it slides
 * over (the output's dimensions between batch and channels). An estimate for choosing how to share
 * out threads, not a profile.
 */
export function forwardMacs(model: ZooModel): number {
  let macs = 0;
  for (const layer of model.net.layers) {
    if (layer.getClassName() === 'Embedding') continue;
    const shape = layer.outputShape;
    const out = (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
    const positions = out.slice(1, -1).reduce<number>((a, d) => a * (d ?? 1), 1);
    for (const w of layer.trainableWeights) if (w.shape.length >= 2) macs += positions * w.shape.reduce<number>((a, d) => a * (d ?? 1), 1);
  }
  return macs;
}

/**
 * Data parallelism's efficiency per thread here (PERF-NOTES: 1.55× on 2 threads, ≈ 0.78 each),
 * against a teachers' thread that exchanges only a batch and its logits: the teachers' plan is
 * taken when its estimated step is within this factor of data parallelism's ideal one. It also
 * keeps a single student replica's numerics at 2 threads (no batch norm per shard).
 */
export const AHEAD_MARGIN = 1.15;

/** How a phase's threads are shared out: replicas of the student (data parallel when 2 or more), and whether one more thread runs the teachers ahead. */
export interface ThreadPlan {
  replicas: number;
  teachersAhead: boolean;
}

/**
 * With `threads` and teachers whose outputs can be computed ahead (augmentation on, teachers run
 * in inference mode on the batch): one thread for the teachers and threads − 1 student replicas when the
 * slower of the two — the teachers' forward pass on the batch, or a replica's share of the
 * student's step (forward and backward ≈ 3 forward passes) — is within AHEAD_MARGIN of the whole
 * step spread evenly over every thread; otherwise every thread a replica, each running the
 * teachers on its own shard. A big teacher with a small student, or many threads, goes the second way.
 */
export function planThreads(threads: number, student: ZooModel, aheadTeachers: ZooModel[]): ThreadPlan {
  if (threads < 2 || aheadTeachers.length === 0) return { replicas: threads, teachersAhead: false };
  const teachers = aheadTeachers.reduce((sum, t) => sum + forwardMacs(t), 0);
  const studentStep = 3 * forwardMacs(student);
  const ahead = Math.max(teachers, studentStep / (threads - 1));
  const even = (teachers + studentStep) / threads;
  return ahead <= AHEAD_MARGIN * even ? { replicas: threads - 1, teachersAhead: true } : { replicas: threads, teachersAhead: false };
}
