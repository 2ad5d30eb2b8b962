import type { ZooModel } from '../models/zoo-model';
import type { Distiller, StepOutput, TrainBatch } from './distiller';
import { kdLoss } from './losses';

/** Soft targets only, on a transfer set whose labels are never read: T²·KL(p_t‖p_s). */
export class UnlabeledTransfer implements Distiller {
  readonly method = 'unlabeled' as const;
  readonly usesLabels = false;
  constructor(
    readonly student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly temperature: number,
  ) {}

  trainableVariables() {
    return this.student.trainableVariables();
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const teacherLogits = this.teacher.predict(batch.x);
    const { logits } = this.student.forward(batch.x, true);
    return { logits, losses: { kd: kdLoss(logits, teacherLogits, this.temperature) } };
  }

  dispose(): void {}
}
