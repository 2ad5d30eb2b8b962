// The curves of a run: every loss term, train/val accuracy of each model, agreement and KL with
// the teacher. Pure: the same run state gives the same series, live or replayed. x is in
// fractional epochs: a point within an epoch at epoch − 1 + step / steps, an epoch's validation
// at its end (x = epoch). Where a model reported points within its epochs, its loss terms and
// train accuracy are those points (smoothed in the chart); runs without them draw the epoch means.
import { epochsByPhase, stepsByPhase, type PhaseStepPoint, type RunState } from './run-state';

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  /** Stable across updates, so a chart keeps each dataset's colour and legend state. */
  id: string;
  label: string;
  phase: string;
  /** 0 solid, 1.. dashed variants (train vs val, loss terms). */
  dash: number;
  axis?: 'y' | 'y1';
  /** Points within epochs: drawn smoothed, the raw curve faint behind. */
  smooth?: boolean;
  points: Point[];
}

export interface RunSeries {
  loss: Series[];
  accuracy: Series[];
  agreement: Series[];
}

export function runSeries(run: RunState): RunSeries {
  const loss: Series[] = [];
  const accuracy: Series[] = [];
  const agreement: Series[] = [];
  const stepsOf = stepsByPhase(run);
  for (const [phase, epochs] of epochsByPhase(run)) {
    const steps = stepsOf.get(phase) ?? [];
    if (epochs.length === 0 && steps.length === 0) continue;
    // `total` first, then the terms in the order the method reports them; a lone term is its own total.
    const reported = [...termsOf(steps, termsOf(epochs))];
    const parts = reported.filter((t) => t !== 'total');
    const terms = parts.length > 1 && reported.includes('total') ? ['total', ...parts] : parts.length ? parts : reported;
    const smooth = steps.length > 0;
    terms.forEach((term, i) => {
      const points = smooth ? stepPointsOf(steps, (p) => p.losses[term]) : pointsOf(epochs, (e) => e.losses[term]);
      loss.push({ id: `loss:${phase}:${term}`, label: `${phase} · ${term}`, phase, dash: i, smooth, points });
    });
    accuracy.push(
      {
        id: `acc:${phase}:train`,
        label: `${phase} · train`,
        phase,
        dash: 1,
        smooth,
        points: smooth ? stepPointsOf(steps, (p) => p.accuracy) : pointsOf(epochs, (e) => e.trainAccuracy[phase]),
      },
      { id: `acc:${phase}:val`, label: `${phase} · val`, phase, dash: 0, points: pointsOf(epochs, (e) => e.valAccuracy[phase]) },
    );
    if (epochs.some((e) => e.agreement !== undefined)) {
      agreement.push({ id: `agree:${phase}`, label: `${phase} · agreement`, phase, dash: 0, points: pointsOf(epochs, (e) => e.agreement) });
    }
    if (epochs.some((e) => e.valKl !== undefined)) {
      agreement.push({ id: `kl:${phase}`, label: `${phase} · KL(teacher‖student)`, phase, dash: 1, axis: 'y1', points: pointsOf(epochs, (e) => e.valKl) });
    }
  }
  return { loss, accuracy, agreement };
}

function pointsOf<T extends { epoch: number }>(epochs: T[], value: (e: T) => number | undefined): Point[] {
  return epochs.flatMap((e) => {
    const y = value(e);
    return typeof y === 'number' && Number.isFinite(y) ? [{ x: e.epoch, y }] : [];
  });
}

/** The loss terms reported, in order of first appearance (a loop: a run has thousands of points). */
function termsOf(reports: readonly { losses: Record<string, number> }[], terms = new Set<string>()): Set<string> {
  for (const report of reports) for (const term in report.losses) terms.add(term);
  return terms;
}

/** The fractional epoch a point within an epoch is drawn at. */
export function stepX(point: Pick<PhaseStepPoint, 'epoch' | 'step' | 'steps'>): number {
  return point.epoch - 1 + point.step / point.steps;
}

function stepPointsOf(points: PhaseStepPoint[], value: (p: PhaseStepPoint) => number | undefined): Point[] {
  return points.flatMap((p) => {
    const y = value(p);
    return typeof y === 'number' && Number.isFinite(y) ? [{ x: stepX(p), y }] : [];
  });
}
