// The curves of a run: every loss term, train/val accuracy of each model, agreement and KL with
// the teacher. Pure: the same run state gives the same series, live or replayed.
import { epochsByPhase, type RunState } from './run-state';

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
  for (const [phase, epochs] of epochsByPhase(run)) {
    if (epochs.length === 0) continue;
    // `total` first, then the terms in the order the method reports them; a lone term is its own total.
    const reported = [...new Set(epochs.flatMap((e) => Object.keys(e.losses)))];
    const parts = reported.filter((t) => t !== 'total');
    const terms = parts.length > 1 && reported.includes('total') ? ['total', ...parts] : parts.length ? parts : reported;
    terms.forEach((term, i) => {
      loss.push({ id: `loss:${phase}:${term}`, label: `${phase} · ${term}`, phase, dash: i, points: pointsOf(epochs, (e) => e.losses[term]) });
    });
    accuracy.push(
      { id: `acc:${phase}:train`, label: `${phase} · train`, phase, dash: 1, points: pointsOf(epochs, (e) => e.trainAccuracy[phase]) },
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
