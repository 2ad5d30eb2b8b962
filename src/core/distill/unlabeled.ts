import type { ZooModel } from '../models/zoo-model';
import type { Distiller, StepOutput, TrainBatch } from './distiller';
import { kdLoss } from './losses';
import { TeacherLogits } from './teacher-logits';

/** Soft targets only, on a transfer set whose labels are never read: T²·KL(p_t‖p_s). */
export class UnlabeledTransfer implements Distiller {
  readonly method = 'unlabeled' as const;
  private readonly teacherLogits: TeacherLogits;
  readonly usesLabels = false;
  constructor(
    readonly student: ZooModel,
    teacher: ZooModel,
    private readonly temperature: number,
  ) {
    this.teacherLogits = new TeacherLogits(teacher);
  }

  trainableVariables() {
    return this.student.trainableVariables();
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const teacherLogits = this.teacherLogits.forBatch(batch.x, batch.indices);
    const { logits } = this.student.forward(batch.x, true);
    return { logits, losses: { kd: kdLoss(logits, teacherLogits, this.temperature) } };
  }

  dispose(): void {}
}
