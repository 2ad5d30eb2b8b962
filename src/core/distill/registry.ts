import type { MethodConfig } from '../../protocol';
import type { ZooModel } from '../models/zoo-model';
import type { Distiller } from './distiller';
import { KnowledgeDistiller } from './kd';
import { ScratchTrainer } from './scratch';
import { UnlabeledTransfer } from './unlabeled';

export interface DistillerParts {
  student: ZooModel;
  teacher?: ZooModel;
}

function needTeacher(parts: DistillerParts, method: string): ZooModel {
  if (!parts.teacher) throw new Error(`method "${method}" needs a teacher`);
  return parts.teacher;
}

/** The one place a method name becomes a Distiller. */
export function createDistiller(method: MethodConfig, parts: DistillerParts): Distiller {
  switch (method.name) {
    case 'teacher':
    case 'scratch':
      return new ScratchTrainer(parts.student, method.name);
    case 'kd':
      return new KnowledgeDistiller(parts.student, needTeacher(parts, method.name), method);
    case 'unlabeled':
      return new UnlabeledTransfer(parts.student, needTeacher(parts, method.name), method.temperature);
  }
}
