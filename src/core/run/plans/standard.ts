import type { ExperimentConfig, MethodConfig } from '../../../shared/protocol';
import type { MethodStage } from '../../distill/registry';
import { prepareTeacher, trainBaseline } from './common';
import { seedOf, type Plan } from './plan';

export interface StudentStage {
  role: string;
  stage?: MethodStage;
  /** Epochs of this stage when they differ from `train.epochs`. */
  epochs?: number;
}

/** The phases that train the student: one, or a pre-training stage first (FitNets two-stage, TinyBERT). */
export function studentStages(method: MethodConfig): StudentStage[] {
  if (method.name === 'fitnet' && method.stages === 'two') return [{ role: 'student-hint', stage: 'hint', epochs: method.hintEpochs }, { role: 'student' }];
  if (method.name === 'tinybert') return [{ role: 'student-intermediate', stage: 'intermediate', epochs: method.intermediateEpochs }, { role: 'student' }];
  return [{ role: 'student' }];
}

/** Whether a method learns from the run's teacher (SAD only when it adds KD). */
export function needsTeacher(method: MethodConfig): boolean {
  switch (method.name) {
    case 'teacher':
    case 'scratch':
    case 'dml':
      return false;
    case 'sad':
      return method.kdWeight > 0;
    default:
      return true;
  }
}

/** teacher (trained, or loaded from its checkpoint) → from-scratch baseline → the student's stages. */
export const standardPlan: Plan = {
  phases(config: ExperimentConfig) {
    const method = config.method;
    if (method.name === 'teacher') return config.teacher.checkpoint ? [] : ['teacher'];
    if (method.name === 'scratch') return ['student'];
    const teacher = needsTeacher(method) && !config.teacher.checkpoint ? ['teacher'] : [];
    return [...teacher, ...(config.baseline ? ['student-scratch'] : []), ...studentStages(method).map((s) => s.role)];
  },

  async run(context) {
    const { config, data } = context;
    const method = config.method;
    if (method.name === 'teacher') {
      await (await prepareTeacher(context)).ready();
      return;
    }
    const teacher = needsTeacher(method) ? await prepareTeacher(context) : undefined;
    const student = context.build(config.student.model, 'student', seedOf(config, 'student'));
    const trainSplit = data.transfer ?? data.train;
    const stages = studentStages(method).map((stage) => ({
      ...stage,
      distiller: context.distiller(method, { student, teacher: teacher?.model, stage: stage.stage, nData: trainSplit.count }),
    }));
    const reference = await teacher?.ready();
    const teacherParams = teacher?.model.paramCount();
    if (method.name !== 'scratch' && config.baseline) await trainBaseline(context, config.student.model, reference, teacherParams);
    for (const { role, distiller, epochs } of stages) {
      await context.train(role, distiller, epochs ? { ...config.train, epochs } : config.train, { reference, trainSplit, teacherParams });
    }
  },
};
