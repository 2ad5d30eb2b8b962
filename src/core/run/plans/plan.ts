import type { ExperimentConfig, MethodConfig, ModelSpec, ModelSummary, TrainConfig, TrainerEvent } from '../../../shared/protocol';
import type { Split } from '../../data/types';
import type { Distiller } from '../../distill/distiller';
import type { DistillerParts } from '../../distill/registry';
import type { ZooModel } from '../../models/zoo-model';
import type { PhaseReference, PhaseResult } from '../../train/loop';
import type { PreparedData } from '../prepare-data';

export interface TrainOptions {
  /** The model the trained one is compared with (agreement, KL, predictions). */
  reference?: PhaseReference;
  /** What the phase iterates; the training split by default. */
  trainSplit?: Split;
  /** Parameters of what the trained model replaces, for its compression ratio. */
  teacherParams?: number;
}

/** What a plan can do in a run: build and own models and distillers, train phases, write summary rows. */
export interface PlanContext {
  readonly config: ExperimentConfig;
  readonly data: PreparedData;
  emit(event: TrainerEvent): void;
  /** A model of the zoo, owned by the run (disposed when it ends). */
  build(spec: ModelSpec, role: string, seed: number): ZooModel;
  /** A saved model, owned by the run, checked against the data; `field` names the config field that gave it. */
  load(checkpoint: string, field: string): Promise<ZooModel>;
  /** A distiller owned by the run, its modules seeded from the run's seed. */
  distiller(method: MethodConfig, parts: DistillerParts): Distiller;
  /** Trains a phase and writes the summary row of each model it trained. */
  train(phase: string, distiller: Distiller, train: TrainConfig, options?: TrainOptions): Promise<Map<string, PhaseResult>>;
  record(row: ModelSummary): void;
  /** Validation logits of a role with no model of its own (an ensemble), for the knowledge views. */
  keepValidationLogits(role: string, logits: Float32Array): void;
}

/**
 * How a method runs: the roles it trains or evaluates, in order (the `started` event lists them),
 * and the run itself. Plans build every model and distiller before training anything, so a
 * config that cannot work fails before the first epoch.
 */
export interface Plan {
  phases(config: ExperimentConfig): string[];
  run(context: PlanContext): Promise<void>;
}

/**
 * Distinct, reproducible initial weights per model: the teacher takes the run's seed, the student
 * (and the from-scratch baseline, so that the comparison is fair) the next one, and each further
 * teacher, generation or peer its own.
 */
export function seedOf(config: ExperimentConfig, family: 'teacher' | 'student' | 'generation' | 'peer', index = 1): number {
  switch (family) {
    case 'teacher':
      return index === 1 ? config.seed : config.seed + 100 + index;
    case 'student':
      return config.seed + 1;
    case 'generation':
      return config.seed + 200 + index;
    case 'peer':
      return index === 1 ? config.seed + 1 : config.seed + 300 + index;
  }
}
