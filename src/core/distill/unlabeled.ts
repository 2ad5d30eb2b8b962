import type { ZooModel } from '../models/zoo-model';
import { BaseDistiller } from './base';
import type { ReplicaRecipe, StepOutput, TrainBatch } from './distiller';
import { kdLoss } from './losses';
import { TeacherLogits } from './teacher-logits';

/** Soft targets only, on a transfer set whose labels are never read: T²·KL(p_t‖p_s). */
export class UnlabeledTransfer extends BaseDistiller<'unlabeled'> {
  override readonly usesLabels = false;
  private readonly teacherLogits: TeacherLogits;

  constructor(
    student: ZooModel,
    private readonly teacher: ZooModel,
    private readonly temperature: number,
  ) {
    super('unlabeled', student);
    this.teacherLogits = new TeacherLogits(teacher);
  }

  replicaRecipe(): ReplicaRecipe {
    return { build: { kind: 'unlabeled', temperature: this.temperature }, teachers: [this.teacher] };
  }

  forwardTrain(batch: TrainBatch): StepOutput {
    const teacherLogits = this.teacherLogits.forBatch(batch.x, batch.indices, batch.augmented);
    const { logits } = this.student.forward(batch.x, true);
    return { logits, losses: { kd: kdLoss(logits, teacherLogits, this.temperature) } };
  }
}
