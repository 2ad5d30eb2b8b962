import type { ExperimentConfig, MethodOf } from '../../../shared/protocol';
import { teacherWeights } from '../../distill/multi-teacher';
import { describeModel } from '../../models/zoo';
import type { PhaseReference } from '../../train/loop';
import { mainTeacher, prepareTeacher, trainBaseline, type PendingTeacher, type TeacherSource } from './common';
import { evaluateEnsemble } from './ensemble';
import { seedOf, type Plan, type PlanContext } from './plan';

type MultiTeacher = MethodOf<'multi-teacher'>;

const methodOf = (config: ExperimentConfig) => config.method as MultiTeacher;

/** The ensemble, in the order of the weights: `teacher`, then `method.teachers` (trained), then `method.checkpoints`. */
function teacherSources(context: PlanContext): TeacherSource[] {
  const { config } = context;
  const method = methodOf(config);
  const trained = method.teachers.map((spec, i) => ({ role: `teacher-${i + 2}`, spec, seed: seedOf(config, 'teacher', i + 2) }));
  const loaded = method.checkpoints.map((checkpoint, j) => ({ role: `teacher-${trained.length + j + 2}`, checkpoint, checkpointField: `config.method.checkpoints[${j}]`, seed: 0 }));
  return [mainTeacher(context), ...trained, ...loaded];
}

/**
 * teachers → their ensemble (evaluated as the aggregate the student learns from: the mean logits
 * or the mean probability) → from-scratch baseline → the student, distilled from the ensemble.
 */
export const multiTeacherPlan: Plan = {
  phases(config) {
    const method = methodOf(config);
    return [...(config.teacher.checkpoint ? [] : ['teacher']), ...method.teachers.map((_, i) => `teacher-${i + 2}`), 'teacher-ensemble', ...(config.baseline ? ['student-scratch'] : []), 'student'];
  },

  async run(context) {
    const { config } = context;
    const method = methodOf(config);
    const sources = teacherSources(context);
    const weights = teacherWeights(method.weights, sources.length);
    // What the ensemble is, defaults resolved (on text the extra teacher defaults to a transformer): the CLI prints it, the extension logs it.
    const described = sources.map((s) => `${s.role} (${s.checkpoint ? `loaded from ${s.checkpoint}` : describeModel(s.spec!)})`);
    context.emit({ type: 'log', level: 'info', message: `multi-teacher: the ensemble is ${described.join(', ')}` });
    const teachers: PendingTeacher[] = [];
    for (const source of sources) teachers.push(await prepareTeacher(context, source));
    const student = context.build(config.student.model, 'student', seedOf(config, 'student'));
    const distiller = context.distiller(method, { student, teachers: teachers.map((t) => t.model) });
    const references: PhaseReference[] = [];
    for (const teacher of teachers) references.push(await teacher.ready());
    const teacherParams = teachers.reduce((sum, t) => sum + t.model.paramCount(), 0);
    const reference = evaluateEnsemble(
      context,
      'teacher-ensemble',
      teachers.map((t, k) => ({ model: t.model, valLogits: references[k].valLogits, testLogits: references[k].testLogits })),
      { weights, aggregate: method.aggregate },
    );
    if (config.baseline) await trainBaseline(context, config.student.model, reference, teacherParams);
    await context.train('student', distiller, config.train, { reference, teacherParams });
  },
};
