import type { ExperimentConfig, MethodOf } from '../../../shared/protocol';
import type { PhaseReference, PhaseResult } from '../../train/loop';
import { prepareTeacher, referenceOf, trainBaseline } from './common';
import { evaluateEnsemble } from './ensemble';
import { seedOf, type Plan } from './plan';

type BornAgain = MethodOf<'born-again'>;

const methodOf = (config: ExperimentConfig) => config.method as BornAgain;
const generationRoles = (method: BornAgain) => Array.from({ length: method.generations }, (_, g) => `generation-${g + 1}`);

/**
 * The baseline is the generations' architecture from scratch; a teacher trained here already is
 * that when the generations keep its architecture.
 */
function runsBaseline(config: ExperimentConfig): boolean {
  return config.baseline && (methodOf(config).model !== undefined || config.teacher.checkpoint !== undefined);
}

/** teacher → [baseline] → generation 1 … G, each distilled from the one before → their ensemble (mean of probabilities). */
export const bornAgainPlan: Plan = {
  phases(config) {
    const method = methodOf(config);
    return [...(config.teacher.checkpoint ? [] : ['teacher']), ...(runsBaseline(config) ? ['student-scratch'] : []), ...generationRoles(method), 'ensemble'];
  },

  async run(context) {
    const { config } = context;
    const method = methodOf(config);
    const teacher = await prepareTeacher(context);
    const spec = method.model ?? teacher.model.info.spec;
    const generations = generationRoles(method).map((role, g) => ({ role, model: context.build(spec, role, seedOf(config, 'generation', g + 1)) }));
    const distillers = generations.map(({ model }, g) => context.distiller(method, { student: model, teacher: g === 0 ? teacher.model : generations[g - 1].model }));
    const teacherReference = await teacher.ready();
    const teacherParams = teacher.model.paramCount();
    if (runsBaseline(config)) await trainBaseline(context, spec, teacherReference, teacherParams);
    const results: PhaseResult[] = [];
    let reference: PhaseReference = teacherReference;
    for (const [g, { role }] of generations.entries()) {
      const result = (await context.train(role, distillers[g], config.train, { reference, teacherParams })).get(role)!;
      results.push(result);
      reference = referenceOf(role, result);
    }
    evaluateEnsemble(
      context,
      'ensemble',
      generations.map(({ model }, g) => ({ model, valLogits: results[g].valLogits, testLogits: results[g].testLogits })),
      { reference: teacherReference, teacherParams },
    );
  },
};
