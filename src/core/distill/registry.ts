import type { MethodConfig } from '../../shared/protocol';
import type { ZooModel } from '../models/zoo-model';
import { AttentionTransfer } from './at';
import { BornAgainGeneration } from './born-again';
import { ContrastiveDistiller } from './crd';
import { DistilBertDistiller } from './distilbert';
import type { Distiller } from './distiller';
import { DecoupledDistiller } from './dkd';
import { MutualLearning, type Peer } from './dml';
import { FitnetDistiller } from './fitnet';
import { KnowledgeDistiller } from './kd';
import { MultiTeacherDistiller } from './multi-teacher';
import { PatientDistiller } from './pkd';
import { SelfAttentionDistiller } from './sad';
import { ScratchTrainer } from './scratch';
import { SrrlDistiller } from './srrl';
import { TinyBertDistiller } from './tinybert';
import { UnlabeledTransfer } from './unlabeled';

/** The stages of methods trained in more than one (FitNets' hint pre-training, TinyBERT's intermediate layers); absent: the method's last stage. */
export type MethodStage = 'hint' | 'intermediate';

export interface DistillerParts {
  student: ZooModel;
  teacher?: ZooModel;
  /** multi-teacher: every teacher, in the order of the method's weights. */
  teachers?: ZooModel[];
  /** dml: every peer, the student first. */
  peers?: Peer[];
  stage?: MethodStage;
  /** Samples in the split the method iterates (CRD's memory banks). */
  nData?: number;
  /** Seeds the modules a method adds (regressors, heads, memory). */
  seed?: number;
}

function needTeacher(parts: DistillerParts, method: string): ZooModel {
  if (!parts.teacher) throw new Error(`method "${method}" needs a teacher`);
  return parts.teacher;
}

function need<T>(value: T | undefined, what: string, method: string): T {
  if (value === undefined) throw new Error(`method "${method}" needs ${what}`);
  return value;
}

/** The one place a method name becomes a Distiller. */
export function createDistiller(method: MethodConfig, parts: DistillerParts): Distiller {
  const { student } = parts;
  const seed = parts.seed ?? 0;
  switch (method.name) {
    case 'teacher':
    case 'scratch':
      return new ScratchTrainer(student, method.name);
    case 'kd':
      return new KnowledgeDistiller(student, needTeacher(parts, method.name), method);
    case 'unlabeled':
      return new UnlabeledTransfer(student, needTeacher(parts, method.name), method.temperature);
    case 'multi-teacher':
      return new MultiTeacherDistiller(student, need(parts.teachers, 'its teachers', method.name), method);
    case 'born-again':
      return new BornAgainGeneration(student, needTeacher(parts, method.name), method);
    case 'dml':
      return new MutualLearning(need(parts.peers, 'its peers', method.name), method.update);
    case 'fitnet':
      if (method.stages === 'two' && parts.stage !== 'hint') return new KnowledgeDistiller(student, needTeacher(parts, method.name), method);
      return new FitnetDistiller(student, needTeacher(parts, method.name), { ...method, seed }, parts.stage === 'hint' ? 'hint' : 'joint');
    case 'pkd':
      return new PatientDistiller(student, needTeacher(parts, method.name), { ...method, seed });
    case 'tinybert':
      return new TinyBertDistiller(student, needTeacher(parts, method.name), { ...method, seed }, parts.stage === 'intermediate' ? 'intermediate' : 'prediction');
    case 'distilbert':
      return new DistilBertDistiller(student, needTeacher(parts, method.name), { ...method, seed });
    case 'at':
      return new AttentionTransfer(student, needTeacher(parts, method.name), method);
    case 'sad':
      return new SelfAttentionDistiller(student, parts.teacher, method);
    case 'crd':
      return new ContrastiveDistiller(student, needTeacher(parts, method.name), method, { nData: need(parts.nData, 'the training set size', method.name), seed });
    case 'srrl':
      return new SrrlDistiller(student, needTeacher(parts, method.name), { ...method, seed });
    case 'dkd':
      return new DecoupledDistiller(student, needTeacher(parts, method.name), method);
  }
}
