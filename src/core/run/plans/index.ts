import type { ExperimentConfig, MethodConfig } from '../../../shared/protocol';
import { bornAgainPlan } from './born-again';
import { dmlPlan } from './dml';
import { multiTeacherPlan } from './multi-teacher';
import type { Plan } from './plan';
import { standardPlan } from './standard';

/** Methods that train more than a teacher, a baseline and a student have a plan of their own. */
export function planFor(method: MethodConfig): Plan {
  switch (method.name) {
    case 'multi-teacher':
      return multiTeacherPlan;
    case 'born-again':
      return bornAgainPlan;
    case 'dml':
      return dmlPlan;
    default:
      return standardPlan;
  }
}

/** Roles of the models a run trains or evaluates, in order. */
export function phasesOf(config: ExperimentConfig): string[] {
  return planFor(config.method).phases(config);
}
