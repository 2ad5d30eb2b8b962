// Synthetic runs for the webview tests: the events a trainer would send, with known numbers.
import type { DashboardCompareRun, DashboardEvent, DashboardRunHistory, PredictionSample, RunSummary } from '../../src/shared/protocol';
import { parseExperimentConfig } from '../../src/shared/protocol';
import { createRng as rng } from '../../src/core/data/rng';

export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export const CONFIG = parseExperimentConfig({
  name: 'synthetic-kd',
  teacher: { model: { arch: 'cnn', widths: [16, 32] } },
  student: { model: { arch: 'mlp', hidden: [32] } },
  method: { name: 'kd', temperature: 4, alpha: 0.9 },
  train: { epochs: 6 },
});

const PHASES = ['teacher', 'student-scratch', 'student'];

/** A 28×28 grey image with stripes whose angle depends on the class. */
function image(label: number, index: number): NonNullable<PredictionSample['image']> {
  const pixels: number[] = [];
  const angle = (label / 10) * Math.PI + index * 0.1;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const inside = (x - 13.5) ** 2 + (y - 13.5) ** 2 < 150;
      pixels.push(inside ? Math.round((0.5 + 0.5 * Math.sin((x * Math.cos(angle) + y * Math.sin(angle)) / 2)) * 1000) / 1000 : 0);
    }
  }
  return { width: 28, height: 28, channels: 1, pixels };
}

function logitsFor(random: () => number, label: number, confidence: number): number[] {
  const wrongTarget = Math.floor(random() * 10);
  return CLASS_NAMES.map((_, c) => (c === label ? confidence : c === wrongTarget ? confidence * 0.8 : 0) + (random() - 0.5) * 4);
}

export interface SyntheticOptions {
  epochs?: number;
  samples?: number;
  seed?: number;
  withPredictions?: boolean;
  /** Points within each epoch: `steps` events of STEPS_PER_EPOCH / STEP_EVERY points, STEP_POINTS_PER_EVENT a time. */
  withSteps?: boolean;
  /** The inputs once in `predictionInputs` and none in `predictions` (as runs write them now); else the images in every `predictions` event (older runs). */
  lean?: boolean;
}

export const STEPS_PER_EPOCH = 30;
export const STEP_EVERY = 3;
const STEP_POINTS_PER_EVENT = 4;

/** Noisy points within one epoch whose losses fall from `from` towards `to`; the accuracy rises. */
function stepEvents(random: () => number, phase: string, epoch: number, epochs: number, from: Record<string, number>, to: Record<string, number>): DashboardEvent[] {
  const points = [];
  for (let step = STEP_EVERY; step <= STEPS_PER_EPOCH; step += STEP_EVERY) {
    const t = step / STEPS_PER_EPOCH;
    const losses = Object.fromEntries(Object.keys(to).map((term) => [term, Math.round((from[term] + (to[term] - from[term]) * t) * (0.7 + 0.6 * random()) * 1e5) / 1e5]));
    points.push({ step, losses, accuracy: Math.round((0.5 + 0.3 * ((epoch - 1 + t) / epochs) + 0.1 * (random() - 0.5)) * 1e5) / 1e5 });
  }
  const events: DashboardEvent[] = [];
  for (let i = 0; i < points.length; i += STEP_POINTS_PER_EVENT) {
    events.push({ type: 'steps', phase, epoch, epochs, steps: STEPS_PER_EPOCH, points: points.slice(i, i + STEP_POINTS_PER_EVENT) });
  }
  return events;
}

/** Every event of a KD run (teacher, baseline, student) in the order the trainer sends them. */
export function syntheticEvents(options: SyntheticOptions = {}): DashboardEvent[] {
  const { epochs = 6, samples = 8, seed = 7, withPredictions = true, withSteps = false, lean = false } = options;
  const random = rng(seed);
  const labels = Array.from({ length: samples }, (_, i) => (i * 3 + 1) % 10);
  const events: DashboardEvent[] = [{ type: 'started', runId: 'run-synthetic', backend: 'wasm', config: { ...CONFIG, train: { ...CONFIG.train, epochs } }, phases: PHASES }];
  if (withPredictions && lean) events.push({ type: 'predictionInputs', samples: labels.map((label, index) => ({ index: index * 5, label, image: image(label, index) })) });
  const previousLosses = new Map<string, Record<string, number>>();
  let teacherVal = 0;
  for (const phase of PHASES) {
    const isStudent = phase === 'student';
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const progress = epoch / epochs;
      const ce = 2.3 * Math.exp(-1.5 * progress) + random() * 0.05;
      const losses: Record<string, number> = isStudent ? { ce: ce * 0.1, kd: 0.8 * Math.exp(-2 * progress), total: 0 } : { ce, total: 0 };
      losses.total = Object.values(losses).reduce((a, b) => a + b, 0);
      if (withSteps) events.push(...stepEvents(random, phase, epoch, epochs, previousLosses.get(phase) ?? { ...losses, total: losses.total * 1.5 }, losses));
      previousLosses.set(phase, losses);
      const val = (phase === 'teacher' ? 0.85 : isStudent ? 0.78 : 0.72) * (1 - Math.exp(-3 * progress)) + random() * 0.01;
      if (phase === 'teacher') teacherVal = val;
      events.push({
        type: 'progress',
        phase,
        epoch,
        epochs,
        step: 10,
        steps: 10,
        losses,
      });
      events.push({
        type: 'epoch',
        phase,
        epoch,
        epochs,
        losses,
        trainAccuracy: { [phase]: val + 0.03 },
        valAccuracy: { [phase]: val, ...(phase === 'teacher' ? {} : { teacher: teacherVal }) },
        ...(phase === 'teacher' ? {} : { agreement: (isStudent ? 0.7 : 0.6) + 0.25 * progress, valKl: (isStudent ? 0.3 : 0.5) * Math.exp(-progress) }),
        learningRate: 1e-3,
        seconds: 0.5,
      });
      if (withPredictions) {
        events.push({
          type: 'predictions',
          phase,
          epoch,
          classNames: CLASS_NAMES,
          samples: labels.map((label, index) => ({
            index: index * 5,
            label,
            ...(lean ? {} : { image: image(label, index) }),
            logits: { ...(phase === 'teacher' ? {} : { teacher: logitsFor(rng(seed * 1000 + index), label, 6) }), [phase]: logitsFor(random, label, 2 + 3 * progress) },
          })),
        });
      }
    }
  }
  events.push({ type: 'finished', summary: summary(1, 0) });
  return events;
}

/** The history the host would read back from metrics.jsonl (no progress; latest predictions per phase). */
export function historyOf(runDir: string, events: DashboardEvent[]): DashboardRunHistory {
  const kept = events.filter((e) => e.type !== 'progress');
  const lastPredictions = new Map<string, number>();
  kept.forEach((e, i) => e.type === 'predictions' && lastPredictions.set(e.phase, i));
  return {
    runDir,
    record: { id: 'run-synthetic', experiment: 'synthetic-kd', status: 'completed', method: 'kd', createdAt: '2026-01-01T00:00:00.000Z' },
    config: CONFIG,
    events: kept.filter((e, i) => e.type !== 'predictions' || lastPredictions.get(e.phase) === i),
  };
}

export function summary(seed: number, shift: number, method: RunSummary['method'] = 'kd'): RunSummary {
  return {
    experiment: method === 'kd' ? 'synthetic-kd' : 'synthetic-scratch',
    method,
    dataset: 'fashion-mnist-small',
    backend: 'wasm',
    seed,
    wallTimeSec: 30 + seed,
    models: [
      {
        role: 'teacher',
        arch: 'cnn 16-32',
        params: 29_034,
        bytes: 116_136,
        bestValAccuracy: 0.86 + shift,
        bestEpoch: 5,
        lastValAccuracy: 0.85 + shift,
        testAccuracy: 0.855 + shift,
        testAccuracyLast: 0.85 + shift,
        latencyMs: 1.2,
        wallTimeSec: 20,
      },
      {
        role: 'student-scratch',
        arch: 'mlp 32',
        params: 25_450,
        bytes: 101_800,
        bestValAccuracy: 0.8 + shift,
        bestEpoch: 6,
        lastValAccuracy: 0.79 + shift,
        testAccuracy: 0.795 + shift,
        testAccuracyLast: 0.79 + shift,
        latencyMs: 0.3,
        wallTimeSec: 4,
        compression: 29_034 / 25_450,
        agreement: 0.8,
      },
      {
        role: 'student',
        arch: 'mlp 32',
        params: 25_450,
        bytes: 101_800,
        bestValAccuracy: 0.82 + shift,
        bestEpoch: 6,
        lastValAccuracy: 0.81 + shift,
        testAccuracy: 0.815 + 2 * shift,
        testAccuracyLast: 0.805 + shift,
        latencyMs: 0.3,
        wallTimeSec: 6,
        compression: 29_034 / 25_450,
        agreement: 0.88 + shift / 2,
      },
    ],
  };
}

/** Three seeds of one KD config and one scratch run of another. */
export function compareFixture(): DashboardCompareRun[] {
  const kd = (seed: number, shift: number): DashboardCompareRun => ({
    runDir: `/runs/synthetic-kd/run-${seed}`,
    id: `run-${seed}`,
    experiment: 'synthetic-kd',
    status: 'completed',
    config: { ...CONFIG, seed },
    summary: summary(seed, shift),
  });
  const scratchConfig = parseExperimentConfig({ name: 'synthetic-scratch', method: { name: 'scratch' }, student: { model: { arch: 'mlp', hidden: [256, 256] } } });
  const scratch: DashboardCompareRun = {
    runDir: '/runs/synthetic-scratch/run-1',
    id: 'run-1',
    experiment: 'synthetic-scratch',
    status: 'completed',
    config: scratchConfig,
    summary: {
      experiment: 'synthetic-scratch',
      method: 'scratch',
      dataset: 'fashion-mnist-small',
      backend: 'wasm',
      seed: 42,
      wallTimeSec: 12,
      models: [{ role: 'student', arch: 'mlp 256-256', params: 269_322, bytes: 1_077_288, bestValAccuracy: 0.84, bestEpoch: 5, lastValAccuracy: 0.83, latencyMs: 0.5, wallTimeSec: 12 }],
    },
  };
  return [kd(1, 0), kd(2, 0.02), kd(3, -0.01), scratch];
}
