import { teacherTrainConfig, type ModelSpec } from '../../../shared/protocol';
import type { ZooModel } from '../../models/zoo-model';
import { evaluateLogits, predictLogits } from '../../train/evaluate';
import type { PhaseReference, PhaseResult } from '../../train/loop';
import { seedOf, type PlanContext } from './plan';
import { evaluatedRow } from './rows';

export interface TeacherSource {
  role: string;
  /** Trained here from this architecture… */
  spec?: ModelSpec;
  /** …or loaded from this checkpoint, which this config field gave. */
  checkpoint?: string;
  checkpointField?: string;
  seed: number;
}

/** A teacher built or loaded up front, trained (or evaluated, if loaded) when the plan gets to it. */
export interface PendingTeacher {
  role: string;
  model: ZooModel;
  /** Whether it is trained in this run (and so one of its phases). */
  trained: boolean;
  /** Trains or evaluates it once, writes its summary row, and gives it as a reference. */
  ready(): Promise<PhaseReference>;
}

/** The run's `teacher`: its checkpoint when one is given, else a model of `teacher.model`. */
export function mainTeacher(context: PlanContext): TeacherSource {
  const { config } = context;
  return { role: 'teacher', spec: config.teacher.model, checkpoint: config.teacher.checkpoint, seed: seedOf(config, 'teacher') };
}

export async function prepareTeacher(context: PlanContext, source: TeacherSource = mainTeacher(context)): Promise<PendingTeacher> {
  const { config, data } = context;
  const trained = !source.checkpoint;
  const model = source.checkpoint ? await context.load(source.checkpoint, source.checkpointField ?? 'config.teacher.checkpoint') : context.build(source.spec!, source.role, source.seed);
  let reference: Promise<PhaseReference> | undefined;
  const ready = async (): Promise<PhaseReference> => {
    if (!trained) {
      const classes = data.classNames.length;
      const valLogits = predictLogits(model, data.validation, data.inputShape);
      const testLogits = predictLogits(model, data.test, data.inputShape);
      const evaluation = evaluateLogits(valLogits, data.validation.y, classes);
      context.record(evaluatedRow(source.role, model, evaluation, evaluateLogits(testLogits, data.test.y, classes)));
      return { role: source.role, valLogits, valAccuracy: evaluation.top1, testLogits };
    }
    const distiller = context.distiller({ name: 'teacher' }, { student: model });
    const result = (await context.train(source.role, distiller, teacherTrainConfig(config))).get(source.role)!;
    return referenceOf(source.role, result);
  };
  return { role: source.role, model, trained, ready: () => (reference ??= ready()) };
}

/** A trained model as the reference of the next phase: it teaches with its last weights, so agreement is measured against those. */
export function referenceOf(role: string, result: PhaseResult): PhaseReference {
  return { role, valLogits: result.valLogits, valAccuracy: result.last.top1, testLogits: result.testLogits };
}

/** The from-scratch baseline: `spec` trained with CE from the student's initial seed. */
export async function trainBaseline(context: PlanContext, spec: ModelSpec, reference?: PhaseReference, teacherParams?: number): Promise<void> {
  const { config } = context;
  const model = context.build(spec, 'student-scratch', seedOf(config, 'student'));
  const distiller = context.distiller({ name: 'scratch' }, { student: model });
  await context.train('student-scratch', distiller, config.train, { reference, teacherParams });
}
