import type { Split } from './types';

/** Per-channel (images, last axis of [H, W, C]) or per-feature (tabular, [F]) statistics. */
export interface Normalizer {
  mean: number[];
  std: number[];
}

/** Mean and population std along the last axis of inputShape; a constant channel gets std 1. */
export function fitNormalizer(split: Split, inputShape: number[]): Normalizer {
  const channels = inputShape[inputShape.length - 1];
  const sum = new Float64Array(channels);
  const sumSq = new Float64Array(channels);
  for (let i = 0; i < split.x.length; i++) sum[i % channels] += split.x[i];
  const perChannel = split.x.length / channels;
  const mean = Array.from(sum, (s) => (perChannel > 0 ? s / perChannel : 0));
  // Two passes: sum of squared deviations stays accurate where E[x²]−E[x]² would cancel.
  for (let i = 0; i < split.x.length; i++) {
    const d = split.x[i] - mean[i % channels];
    sumSq[i % channels] += d * d;
  }
  const std = Array.from(sumSq, (s) => {
    const sd = perChannel > 0 ? Math.sqrt(s / perChannel) : 0;
    return sd > 1e-7 ? sd : 1;
  });
  return { mean, std };
}

/** A new split with (x − mean) / std per channel; the input is not changed. */
export function applyNormalizer(split: Split, normalizer: Normalizer): Split {
  const { mean, std } = normalizer;
  const channels = mean.length;
  const x = new Float32Array(split.x.length);
  for (let i = 0; i < x.length; i++) x[i] = (split.x[i] - mean[i % channels]) / std[i % channels];
  return { x, y: split.y, count: split.count };
}
