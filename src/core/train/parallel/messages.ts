// Every message between the coordinator (main thread) and a replica's worker thread.
import type { TrainConfig } from '../../../shared/protocol';
import type { StepContext } from '../../distill/distiller';
import type { KdMethod, KdOptions } from '../../distill/kd';
import type { ModelWire } from './model-transfer';
import type { ReplicaWeights } from './replica';
import type { ShardArrays } from './shards';

/** A distiller's recipe (ReplicaRecipe) with its teacher as weights. */
export type RecipeWire = { kind: 'supervised'; method: 'teacher' | 'scratch' } | { kind: 'kd'; method: KdMethod; options: KdOptions; teacher: ModelWire };

export type ToWorker =
  | { type: 'init'; backend: 'wasm' | 'cpu'; replica: number; student: ModelWire; recipe: RecipeWire; train: TrainConfig }
  | { type: 'learningRate'; rate: number }
  /** Replies `gradients`. */
  | { type: 'compute'; shard: ShardArrays; context: StepContext }
  | { type: 'apply'; values: Float32Array; present: boolean[] }
  /** Replies `weights`. */
  | { type: 'weights' }
  | { type: 'setState'; state: Float32Array };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'gradients'; values: Float32Array; present: boolean[]; losses: Record<string, number>; correct: number }
  | ({ type: 'weights' } & ReplicaWeights)
  | { type: 'error'; message: string; stack?: string };
