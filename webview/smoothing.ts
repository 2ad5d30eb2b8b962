// TensorBoard's scalar smoothing: an exponential moving average started at 0 and debiased by
// 1 − w^n (n the finite points so far), so the first points are not pulled towards 0. A
// non-finite value is passed through and not counted; a constant series is left as it is.

/** The slider's range, as TensorBoard's. */
export const SMOOTHING_MAX = 0.999;
/**
 * Higher than TensorBoard's 0.6: an epoch here has up to 100 points, so a run of 20 epochs draws
 * 2,000, and each point's window of a few batches is noisy; 0.9 averages over about 10 points.
 */
export const SMOOTHING_DEFAULT = 0.9;

export function clampSmoothing(weight: number): number {
  return Number.isFinite(weight) ? Math.min(SMOOTHING_MAX, Math.max(0, weight)) : SMOOTHING_DEFAULT;
}

/** The smoothed values of `values` at weight w in [0, 1): s_n = m_n / (1 − w^n), m_n = w·m_{n−1} + (1 − w)·y_n, m_0 = 0. */
export function smoothEma(values: readonly number[], weight: number): number[] {
  const constant = values.every((v) => v === values[0]);
  let last = 0;
  let count = 0;
  return values.map((value) => {
    if (constant || !Number.isFinite(value)) return value;
    last = last * weight + (1 - weight) * value;
    count++;
    return weight === 1 ? last : last / (1 - weight ** count);
  });
}
