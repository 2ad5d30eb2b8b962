import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { ReplicaRecipe, StepOutput, TrainBatch } from './distiller';
import { crossEntropy } from './losses';

/** Plain supervised training with cross-entropy: the teacher, and the from-scratch baseline. */
export class ScratchTrainer extends BaseDistiller<'teacher' | 'scratch'> {
  constructor(student: ZooModel, method: 'teacher' | 'scratch' = 'scratch') {
    super(method, student);
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const { logits } = this.student.forward(batch.x, true);
    return { logits, losses: { ce: crossEntropy(logits, this.labels(batch)) } };
  }

  replicaRecipe(): ReplicaRecipe {
    return { build: { kind: 'supervised', method: this.method }, teachers: [] };
  }
}
