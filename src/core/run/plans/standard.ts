import { studentStages, usesTeacher } from '../../../shared/methods';
import type { ExperimentConfig } from '../../../shared/protocol';
import { prepareTeacher, trainBaseline } from './common';
import { seedOf, type Plan } from './plan';

/** teacher (trained, or loaded from its checkpoint) → from-scratch baseline → the student's stages. */
export const standardPlan: Plan = {
  phases(config: ExperimentConfig) {
    const method = config.method;
    if (method.name === 'teacher') return config.teacher.checkpoint ? [] : ['teacher'];
    if (method.name === 'scratch') return ['student'];
    const teacher = usesTeacher(method) && !config.teacher.checkpoint ? ['teacher'] : [];
    return [...teacher, ...(config.baseline ? ['student-scratch'] : []), ...studentStages(method, config.train.epochs).map((s) => s.role)];
  },

  async run(context) {
    const { config, data } = context;
    const method = config.method;
    if (method.name === 'teacher') {
      await (await prepareTeacher(context)).ready();
      return;
    }
    const teacher = usesTeacher(method) ? await prepareTeacher(context) : undefined;
    const student = context.build(config.student.model, 'student', seedOf(config, 'student'));
    const trainSplit = data.transfer ?? data.train;
    const stages = studentStages(method, config.train.epochs).map((stage) => ({
      ...stage,
      distiller: context.distiller(method, { student, teacher: teacher?.model, stage: stage.stage, nData: trainSplit.count, labels: trainSplit.y }),
    }));
    const reference = await teacher?.ready();
    const teacherParams = teacher?.model.paramCount();
    if (method.name !== 'scratch' && config.baseline) await trainBaseline(context, config.student.model, reference, teacherParams);
    for (const { role, distiller, epochs } of stages) {
      await context.train(role, distiller, epochs ? { ...config.train, epochs } : config.train, { reference, trainSplit, teacherParams });
    }
  },
};
