import type { MethodName } from '../../shared/protocol';
import type { ZooModel } from '../models/zoo-model';
import { requireLabels, type Distiller, type StepOutput, type TrainBatch } from './distiller';
import { crossEntropy } from './losses';

/** Plain supervised training with cross-entropy: the teacher, and the from-scratch baseline. */
export class ScratchTrainer implements Distiller {
  readonly usesLabels = true;
  constructor(
    readonly student: ZooModel,
    readonly method: MethodName = 'scratch',
  ) {}

  trainableVariables() {
    return this.student.trainableVariables();
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const { logits } = this.student.forward(batch.x, true);
    return { logits, losses: { ce: crossEntropy(logits, requireLabels(batch, this.method)) } };
  }

  dispose(): void {}
}
