import type { MethodStage } from '../../shared/methods';
import type { MethodConfig, MethodName, MethodOf } from '../../shared/protocol';
import type { ZooModel } from '../models/zoo-model';
import { AttentionTransfer } from './at';
import { ContrastiveDistiller } from './crd';
import { DistilBertDistiller } from './distilbert';
import type { Distiller } from './distiller';
import { DecoupledDistiller } from './dkd';
import { MutualLearning, type Peer } from './dml';
import { FitnetDistiller } from './fitnet';
import { KnowledgeDistiller } from './kd';
import { MiniLmDistiller } from './minilm';
import { refuseTransformers } from './modules/sequence';
import { MultiTeacherDistiller } from './multi-teacher';
import { PatientDistiller } from './pkd';
import { SelfAttentionDistiller } from './sad';
import { ScratchTrainer } from './scratch';
import { SrrlDistiller } from './srrl';
import { TinyBertDistiller } from './tinybert';
import { UnlabeledTransfer } from './unlabeled';

export type { MethodStage };

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
  /** The class of every sample of that split (CRD draws its negatives from other classes). */
  labels?: Int32Array;
  /** Seeds the modules a method adds (regressors, heads, memory). */
  seed?: number;
}

function need<T>(value: T | undefined, what: string, method: MethodName): T {
  if (value === undefined) throw new Error(`method "${method}" needs ${what}`);
  return value;
}

const teacherOf = (parts: DistillerParts, method: MethodName) => need(parts.teacher, 'a teacher', method);
const seedOf = (parts: DistillerParts) => parts.seed ?? 0;

type DistillerFactory<N extends MethodName> = (method: MethodOf<N>, parts: DistillerParts) => Distiller;

/** A method that reads image feature maps: a transformer among its models is refused, naming the methods for text. */
function imageOnly<N extends MethodName>(factory: DistillerFactory<N>): DistillerFactory<N> {
  return (method, parts) => {
    refuseTransformers(method.name, [parts.student, parts.teacher]);
    return factory(method, parts);
  };
}

/** One line per method; a method without its line does not compile. */
const DISTILLERS: { [N in MethodName]: DistillerFactory<N> } = {
  teacher: (_, parts) => new ScratchTrainer(parts.student, 'teacher'),
  scratch: (_, parts) => new ScratchTrainer(parts.student, 'scratch'),
  kd: (method, parts) => new KnowledgeDistiller(parts.student, teacherOf(parts, 'kd'), method),
  unlabeled: (method, parts) => new UnlabeledTransfer(parts.student, teacherOf(parts, 'unlabeled'), method.temperature),
  'multi-teacher': (method, parts) => new MultiTeacherDistiller(parts.student, need(parts.teachers, 'its teachers', 'multi-teacher'), method),
  // One generation, distilled from the one before (the first from the teacher); the sequence is the run plan's.
  'born-again': (method, parts) => new KnowledgeDistiller(parts.student, teacherOf(parts, 'born-again'), method, 'born-again'),
  dml: (method, parts) => new MutualLearning(need(parts.peers, 'its peers', 'dml'), method.update),
  fitnet: imageOnly((method, parts) =>
    method.stages === 'two' && parts.stage !== 'hint'
      ? new KnowledgeDistiller(parts.student, teacherOf(parts, 'fitnet'), method, 'fitnet')
      : new FitnetDistiller(parts.student, teacherOf(parts, 'fitnet'), { ...method, seed: seedOf(parts) }, parts.stage === 'hint' ? 'hint' : 'joint'),
  ),
  pkd: (method, parts) => new PatientDistiller(parts.student, teacherOf(parts, 'pkd'), { ...method, seed: seedOf(parts) }),
  tinybert: (method, parts) => new TinyBertDistiller(parts.student, teacherOf(parts, 'tinybert'), { ...method, seed: seedOf(parts) }, parts.stage === 'intermediate' ? 'intermediate' : 'prediction'),
  distilbert: (method, parts) => new DistilBertDistiller(parts.student, teacherOf(parts, 'distilbert'), { ...method, seed: seedOf(parts) }),
  minilm: (method, parts) => new MiniLmDistiller(parts.student, teacherOf(parts, 'minilm'), method, parts.stage === 'intermediate' ? 'intermediate' : 'finetune'),
  at: imageOnly((method, parts) => new AttentionTransfer(parts.student, teacherOf(parts, 'at'), method)),
  sad: imageOnly((method, parts) => new SelfAttentionDistiller(parts.student, parts.teacher, method)),
  crd: (method, parts) =>
    new ContrastiveDistiller(parts.student, teacherOf(parts, 'crd'), method, { nData: need(parts.nData, 'the training set size', 'crd'), labels: parts.labels, seed: seedOf(parts) }),
  srrl: (method, parts) => new SrrlDistiller(parts.student, teacherOf(parts, 'srrl'), { ...method, seed: seedOf(parts) }),
  dkd: (method, parts) => new DecoupledDistiller(parts.student, teacherOf(parts, 'dkd'), method),
};

/** The one place a method name becomes a Distiller. */
export function createDistiller(method: MethodConfig, parts: DistillerParts): Distiller {
  return (DISTILLERS[method.name] as DistillerFactory<MethodName>)(method, parts);
}
