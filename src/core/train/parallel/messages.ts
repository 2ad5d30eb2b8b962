// Every message between the coordinator (main thread) and a worker thread: a replica's, or the
// thread that runs the teachers ahead (teachers-ahead.ts) — one worker script serves both.
import type { TrainConfig } from '../../../shared/protocol';
import type { ReplicaBuild, StepContext } from '../../distill/distiller';
import type { ModelWire } from './model-transfer';
import type { PackedOutputs } from './packed';
import type { FlatGradients } from './flat';
import type { GradientExchange, MemberPart, ReplicaWeights } from './replica';
import type { StepResult } from '../step';
import type { ShardArrays } from './shards';

/** A distiller's recipe (ReplicaRecipe) with its teachers as weights. */
export interface RecipeWire {
  build: ReplicaBuild;
  teachers: ModelWire[];
}

export type ToWorker =
  /** Replies `ready`. `variables`: the main replica's trainable values (distiller.trainableVariables()), so the methods' added modules start equal too. */
  | { type: 'init'; backend: 'wasm' | 'cpu'; replica: number; student: ModelWire; recipe: RecipeWire; variables: Float32Array; train: TrainConfig; exchange: GradientExchange }
  /** Replies `ready`: the worker holds frozen teachers and answers `teacherOutputs`, with their feature maps or not. */
  | { type: 'initTeachers'; backend: 'wasm' | 'cpu'; teachers: ModelWire[]; features: boolean }
  /** Replies `teacherOutputs`: every teacher's inference-mode outputs on the batch. */
  | { type: 'teacherOutputs'; x: Float32Array; shape: number[] }
  | { type: 'learningRate'; rate: number }
  /** Replies `gradients`: of the whole step, or, for models trained together, of `part` (Replica.memberGradients). */
  | { type: 'compute'; shard: ShardArrays; context: StepContext; dropoutSeed?: number; part?: MemberPart }
  /** `gradients` laid out as the worker's replica computes them (Replica.apply). */
  | { type: 'apply'; gradients: FlatGradients; part?: MemberPart }
  /** Replies `weights`. */
  | { type: 'weights' }
  | { type: 'setState'; state: Float32Array };

export type FromWorker =
  | { type: 'ready' }
  /** `results`: the step's terms, or each member's that `part` computed. */
  | { type: 'gradients'; gradients: FlatGradients; results: StepResult[] }
  | ({ type: 'weights' } & ReplicaWeights)
  | ({ type: 'teacherOutputs' } & PackedOutputs)
  | { type: 'error'; message: string; stack?: string };
