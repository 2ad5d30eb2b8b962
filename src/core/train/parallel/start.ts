import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig, TrainerEvent } from '../../../shared/protocol';
import type { Distiller } from '../../distill/distiller';
import type { TrainOptimizer } from '../optimizer';
import { DataParallel } from './data-parallel';

/** The methods whose distillers rebuild in a worker thread (a `replicaRecipe`): named in the note when another method asks for threads. */
export const THREADED_METHODS = ['teacher', 'scratch', 'kd', 'born-again', "fitnet's KD stage"];

/** tfjs's backend names of those that run in worker threads, as initBackend names them. */
const WORKER_BACKENDS: Record<string, 'wasm' | 'cpu'> = { wasm: 'wasm', cpu: 'cpu' };

type Log = (event: Extract<TrainerEvent, { type: 'log' }>) => void;

/**
 * The data-parallel engine for a phase whose `train.threads` is above 1, when its method and
 * backend allow it; otherwise undefined — the single-thread path — with a log line naming why.
 */
export async function startDataParallel(distiller: Distiller, optimizer: TrainOptimizer, config: TrainConfig, phase: string, log: Log): Promise<DataParallel | undefined> {
  const threads = config.threads ?? 1;
  if (threads <= 1) return undefined;
  const oneThread = (why: string) => log({ type: 'log', level: 'warn', message: `${phase}: trains on one thread, not ${threads}: ${why}` });
  if (distiller.together || !distiller.replicaRecipe) {
    oneThread(`method "${distiller.method}" does not train with threads > 1 yet (those that do: ${THREADED_METHODS.join(', ')})`);
    return undefined;
  }
  const backend = WORKER_BACKENDS[tf.getBackend()];
  if (!backend) {
    oneThread(`threads share a run out over worker threads on the wasm and cpu backends; ${tf.getBackend()} schedules its own`);
    return undefined;
  }
  const parallel = await DataParallel.start(distiller, optimizer, config, { threads, backend });
  log({
    type: 'log',
    level: 'info',
    message: `${phase}: ${threads} threads, data parallel (the main thread and ${threads - 1} worker${threads > 2 ? 's' : ''}, each with its own replica and a share of every batch); batch-norm statistics per replica, averaged before each evaluation and checkpoint (DDP without SyncBN)`,
  });
  return parallel;
}
