import { AttentionTransfer } from '../../distill/at';
import { DistilBertDistiller } from '../../distill/distilbert';
import { DecoupledDistiller } from '../../distill/dkd';
import { MutualLearning } from '../../distill/dml';
import type { Distiller, ReplicaBuild } from '../../distill/distiller';
import { FitnetDistiller } from '../../distill/fitnet';
import { KnowledgeDistiller } from '../../distill/kd';
import { MiniLmDistiller } from '../../distill/minilm';
import { MultiTeacherDistiller } from '../../distill/multi-teacher';
import { PatientDistiller } from '../../distill/pkd';
import { SelfAttentionDistiller } from '../../distill/sad';
import { ScratchTrainer } from '../../distill/scratch';
import { SrrlDistiller } from '../../distill/srrl';
import { TinyBertDistiller } from '../../distill/tinybert';
import { UnlabeledTransfer } from '../../distill/unlabeled';
import type { ZooModel } from '../../models/zoo-model';

function one(teachers: ZooModel[], build: ReplicaBuild): ZooModel {
  if (teachers.length !== 1) throw new Error(`replica of method "${build.kind}": expected one teacher, got ${teachers.length}`);
  return teachers[0];
}

/** A distiller around a replica's own student and teachers, from the main thread's recipe (Distiller.replicaRecipe). */
export function buildReplicaDistiller(build: ReplicaBuild, student: ZooModel, teachers: ZooModel[]): Distiller {
  switch (build.kind) {
    case 'supervised':
      return new ScratchTrainer(student, build.method);
    case 'kd':
      return new KnowledgeDistiller(student, one(teachers, build), build.options, build.method);
    case 'dkd':
      return new DecoupledDistiller(student, one(teachers, build), build.options);
    case 'at':
      return new AttentionTransfer(student, one(teachers, build), build.options);
    case 'sad':
      return new SelfAttentionDistiller(student, teachers[0], build.options);
    case 'srrl':
      return new SrrlDistiller(student, one(teachers, build), build.options);
    case 'fitnet':
      return new FitnetDistiller(student, one(teachers, build), build.options, build.stage);
    case 'multi-teacher':
      return new MultiTeacherDistiller(student, teachers, build.options);
    case 'unlabeled':
      return new UnlabeledTransfer(student, one(teachers, build), build.temperature);
    case 'pkd':
      return new PatientDistiller(student, one(teachers, build), build.options);
    case 'tinybert':
      return new TinyBertDistiller(student, one(teachers, build), build.options, build.stage);
    case 'distilbert':
      return new DistilBertDistiller(student, one(teachers, build), build.options);
    case 'dml':
      if (teachers.length + 1 !== build.roles.length) throw new Error(`replica of method "dml": expected ${build.roles.length} peers, got ${teachers.length + 1}`);
      return new MutualLearning(
        [student, ...teachers].map((model, i) => ({ role: build.roles[i], model })),
        build.update,
      );
    case 'minilm':
      return new MiniLmDistiller(student, one(teachers, build), build.options, build.stage);
  }
}
