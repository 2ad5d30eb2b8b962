import type { ZooModel } from '../models/zoo-model';
import type { Distiller, StepOutput, TrainBatch } from './distiller';
import { KnowledgeDistiller, type KdOptions } from './kd';

/**
 * One generation of Born-Again Networks: KD from the previous generation (the first learns from
 * the teacher). The sequence and the ensemble are the run plan's (`run/plans/born-again.ts`).
 */
export class BornAgainGeneration implements Distiller {
  readonly method = 'born-again' as const;
  readonly usesLabels = true;
  private readonly kd: KnowledgeDistiller;

  constructor(
    readonly student: ZooModel,
    previous: ZooModel,
    options: KdOptions,
  ) {
    this.kd = new KnowledgeDistiller(student, previous, options);
  }

  trainableVariables() {
    return this.kd.trainableVariables();
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    return this.kd.forwardTrain(batch);
  }

  dispose(): void {
    this.kd.dispose();
  }
}
