import { countNegatives, NegativeSampler, type DrawnNegatives, type NegativeSamplerOptions } from './contrast-negatives';
import { WorkerNegatives } from './negatives-worker';

/**
 * Where a ContrastMemory's negatives come from: its seeded stream, drawn in the order the batches
 * are taken. `prefetch` says which batch comes next, so a source on another thread can draw it
 * while this step computes; the draws are the same either way.
 */
export interface NegativeSource {
  /** The batch's draws (arrays valid until the next take). */
  take(idx: Int32Array): DrawnNegatives;
  /** The batch after the last one taken or announced. */
  prefetch(idx: Int32Array): void;
  dispose(): void;
}

/** Draws on this thread, into buffers kept between steps (a fresh multi-megabyte array costs more than refilling one). */
export class LocalNegatives implements NegativeSource {
  private readonly sampler: NegativeSampler;
  private indices = new Int32Array(0);
  private counts = new Float32Array(0);

  constructor(private readonly options: NegativeSamplerOptions) {
    this.sampler = new NegativeSampler(options);
  }

  take(idx: Int32Array): DrawnNegatives {
    const { k, nData } = this.options;
    if (this.indices.length !== idx.length * (k + 1)) this.indices = new Int32Array(idx.length * (k + 1));
    if (this.counts.length !== idx.length * nData) this.counts = new Float32Array(idx.length * nData);
    this.sampler.draw(idx, this.indices);
    return { indices: this.indices, counts: countNegatives(this.indices, idx.length, nData, this.counts) };
  }

  prefetch(): void {}

  dispose(): void {}
}

export function negativeSource(options: NegativeSamplerOptions, onWorker: boolean): NegativeSource {
  return onWorker ? new WorkerNegatives(options) : new LocalNegatives(options);
}
