import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig, TrainerEvent } from '../../../shared/protocol';
import type { Distiller } from '../../distill/distiller';
import type { ZooModel } from '../../models/zoo-model';
import { assertThreadsFit, type HeldModel, type ThreadLoad } from '../../run/memory-check';
import type { TrainOptimizer } from '../optimizer';
import { DataParallel } from './data-parallel';
import { planThreads } from './plan';
import { shardSizes } from './shards';
import { TeachersAhead } from './teachers-ahead';

/** The methods whose distillers rebuild in a worker thread (a `replicaRecipe`): named in the note when another method asks for threads. */
export const THREADED_METHODS = ['teacher', 'scratch', 'kd', 'unlabeled', 'born-again', 'dml', 'fitnet', 'dkd', 'at', 'sad', 'srrl', 'multi-teacher', 'pkd', 'tinybert', 'distilbert', 'minilm'];

/** tfjs's backend names of those that run in worker threads, as initBackend names them. */
const WORKER_BACKENDS: Record<string, 'wasm' | 'cpu'> = { wasm: 'wasm', cpu: 'cpu' };

type Log = (event: Extract<TrainerEvent, { type: 'log' }>) => void;

/** The worker threads of a phase: student replicas (data parallel), the teachers' thread, or both; none on one thread. */
export interface PhaseThreads {
  parallel?: DataParallel;
  ahead?: TeachersAhead;
}

export async function disposeThreads(threads: PhaseThreads): Promise<void> {
  await Promise.all([threads.parallel?.dispose(), threads.ahead?.dispose()]);
}

const held = (model: ZooModel, trained: boolean): HeldModel => ({ spec: model.info.spec, role: model.info.role, shape: model.info, trained });

/** Why a method's student cannot be replicated over threads, or undefined where it can. */
function oneThreadReason(distiller: Distiller): string | undefined {
  if (distiller.singleThreadReason) return `method "${distiller.method}" cannot be replicated over threads: ${distiller.singleThreadReason}`;
  if (!distiller.replicaRecipe) return `method "${distiller.method}" does not train with threads > 1 yet (those that do: ${THREADED_METHODS.join(', ')})`;
  return undefined;
}

/**
 * The worker threads for a phase whose `train.threads` is above 1, when its method and backend
 * allow it; otherwise none — the single-thread path — with a log line naming why. With
 * augmentation (`augmented`: teacher outputs cannot be cached) and a method whose teachers run in
 * inference mode on the batch, planThreads may give one thread to the teachers, run a batch ahead,
 * and the rest to student replicas; a method that cannot be replicated (CRD) still gets the
 * teachers' thread. The threads' memory is checked before any starts.
 */
export async function startThreads(
  distiller: Distiller,
  /** The loop's optimizer, or one per member for models trained together. */
  optimizer: TrainOptimizer | TrainOptimizer[],
  config: TrainConfig,
  phase: string,
  log: Log,
  { augmented = false }: { augmented?: boolean } = {},
): Promise<PhaseThreads> {
  const threads = config.threads ?? 1;
  if (threads <= 1) return {};
  const oneThread = (why: string) => log({ type: 'log', level: 'warn', message: `${phase}: trains on one thread, not ${threads}: ${why}` });
  const backend = WORKER_BACKENDS[tf.getBackend()];
  if (!backend) {
    oneThread(`threads share a run out over worker threads on the wasm and cpu backends; ${tf.getBackend()} schedules its own`);
    return {};
  }
  const ahead = augmented ? distiller.aheadTeachers?.() : undefined;
  const aheadTeachers = ahead?.teachers ?? [];
  const why = oneThreadReason(distiller);
  if (why && aheadTeachers.length === 0) {
    oneThread(why);
    return {};
  }
  // A method that cannot be replicated still gains a thread from its teachers, where they run ahead.
  const plan = why ? { replicas: 1, teachersAhead: true } : planThreads(threads, distiller.student, aheadTeachers);
  const trained = distiller.together?.members.map((m) => m.model) ?? [distiller.student];
  const teachers = (distiller.replicaRecipe?.().teachers ?? aheadTeachers).filter((t) => !trained.includes(t));
  const loads: ThreadLoad[] = shardSizes(config.batchSize, plan.replicas).map((batchSize, r) => ({
    name: r === 0 ? 'the main thread' : `replica ${r}'s worker`,
    batchSize,
    // A replica holds its teachers even where their outputs come from the teachers' thread (counted as run: a little over).
    models: [...trained.map((m) => held(m, true)), ...teachers.map((t) => held(t, false))],
  }));
  if (plan.teachersAhead) loads.push({ name: "the teachers' worker", batchSize: config.batchSize, models: aheadTeachers.map((t) => held(t, false)) });
  assertThreadsFit(loads, tf.getBackend());

  const started: PhaseThreads = {};
  try {
    if (ahead && plan.teachersAhead) started.ahead = await TeachersAhead.start(ahead, backend);
    if (plan.replicas >= 2) started.parallel = await DataParallel.start(distiller, optimizer, config, { threads: plan.replicas, backend });
  } catch (error) {
    await disposeThreads(started);
    throw error;
  }
  const replicas = `${plan.replicas} replica${plan.replicas > 1 ? 's' : ''}`;
  const normalisation =
    distiller.student.info.spec.arch === 'transformer'
      ? 'no batch norm, so the averaged gradient is the whole batch’s; each shard draws its own dropout masks, seeded by the run’s seed, the step and the shard'
      : 'batch-norm statistics per replica, averaged before each evaluation and checkpoint (DDP without SyncBN)';
  const dataParallel = `data parallel (the main thread and ${plan.replicas - 1} worker${plan.replicas > 2 ? 's' : ''}, each with its own replica and a share of every batch); ${normalisation}`;
  const used = plan.replicas + (plan.teachersAhead ? 1 : 0);
  log({
    type: 'log',
    level: used < threads ? 'warn' : 'info',
    message: plan.teachersAhead
      ? `${phase}: ${used < threads ? `${used} of ${threads}` : threads} threads, teachers ahead: one worker runs the teacher${aheadTeachers.length > 1 ? 's' : ''} on the next augmented batch while the student trains on this one (${replicas}${plan.replicas >= 2 ? `, ${dataParallel}` : ', as on one thread'})${why ? `; no replicas: ${why}` : ''}`
      : `${phase}: ${threads} threads, ${dataParallel}`,
  });
  return started;
}
