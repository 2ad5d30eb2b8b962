// The curves within an epoch: every `every` steps, the mean of each loss term and the training
// accuracy over those steps become one point. The cadence bounds the points an epoch sends, so a
// run of long epochs moves on the charts without flooding the host, the webview or metrics.jsonl.
import type { StepPoint } from '../../shared/protocol';

/** At most this many points per epoch and model: enough for a curve, few enough to keep metrics.jsonl small. */
export const MAX_STEP_POINTS_PER_EPOCH = 100;

/** Steps per point: the fewest that keep an epoch of `stepsPerEpoch` steps within `maxPoints` points (ceil(steps / every) ≤ maxPoints). */
export function stepReportEvery(stepsPerEpoch: number, maxPoints = MAX_STEP_POINTS_PER_EPOCH): number {
  return Math.max(1, Math.ceil(stepsPerEpoch / maxPoints));
}

/** A point is reported after every `every`-th step of an epoch and after its last step. */
export function isReportStep(step: number, every: number, stepsPerEpoch: number): boolean {
  return step % every === 0 || step === stepsPerEpoch;
}

const significant = (value: number) => (Number.isFinite(value) ? Number(value.toPrecision(6)) : value);

/** The steps since the last point of one model: sums weighted by batch size. */
export class StepWindow {
  private sums: Record<string, number> = {};
  private seen = 0;
  private correct = 0;

  add(losses: Record<string, number>, size: number, correct: number): void {
    for (const [term, value] of Object.entries(losses)) this.sums[term] = (this.sums[term] ?? 0) + value * size;
    this.seen += size;
    this.correct += correct;
  }

  /** The window's point after `step`, and an empty window; undefined when no sample was seen. */
  take(step: number): StepPoint | undefined {
    if (this.seen === 0) return undefined;
    const seen = this.seen;
    const point: StepPoint = {
      step,
      losses: Object.fromEntries(Object.entries(this.sums).map(([term, sum]) => [term, significant(sum / seen)])),
      accuracy: significant(this.correct / seen),
    };
    this.sums = {};
    this.seen = 0;
    this.correct = 0;
    return point;
  }
}
