// Messages between the extension host and the trainer process.
import type { ExperimentConfig } from './config';
import type { RunSummary } from './records';

export type HostToTrainer =
  | { type: 'start'; config: unknown; runDir: string; baseDir?: string }
  | { type: 'cancel' };

export interface EpochMetrics {
  /** The model being trained in this phase. */
  phase: string;
  epoch: number;
  epochs: number;
  /** Mean of every loss term over the epoch, including `total`. */
  losses: Record<string, number>;
  /** Accuracy per model role (the trained one, and the teacher for reference). */
  trainAccuracy: Record<string, number>;
  valAccuracy: Record<string, number>;
  valTop5?: Record<string, number>;
  /** Top-1 agreement with the teacher on validation, and KL(teacher‖student) there. */
  agreement?: number;
  valKl?: number;
  learningRate: number;
  seconds: number;
}

export interface PredictionSample {
  index: number;
  label: number;
  /** Pixels in [0,1], row-major HWC; absent for tabular data. */
  image?: { width: number; height: number; channels: number; pixels: number[] };
  logits: Record<string, number[]>;
}

export type TrainerEvent =
  | { type: 'started'; runId: string; backend: string; config: ExperimentConfig; phases: string[] }
  | { type: 'progress'; phase: string; epoch: number; epochs: number; step: number; steps: number; losses: Record<string, number> }
  | ({ type: 'epoch' } & EpochMetrics)
  | { type: 'predictions'; phase: string; epoch: number; classNames: string[]; samples: PredictionSample[] }
  | { type: 'checkpoint'; phase: string; epoch: number; kind: 'best' | 'last'; path: string }
  | { type: 'finished'; summary: RunSummary }
  | { type: 'cancelled'; phase?: string }
  | { type: 'failed'; message: string; stack?: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

