// A worker thread of a parallel run: either a replica (data parallelism), with its own
// TensorFlow.js instance and copies of the models, computing gradients on its shard and applying
// the averaged ones it is sent; or the thread that runs a method's frozen teachers on the next
// batch (teachers-ahead.ts). Bundled as dist/train-worker.js; from the sources (tests, bench)
// started through worker-boot.cjs.
import * as tf from '@tensorflow/tfjs-core';
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../../backend/select';
import type { ZooModel } from '../../models/zoo-model';
import { createOptimizer } from '../optimizer';
import type { FromWorker, ToWorker } from './messages';
import { modelFromWire } from './model-transfer';
import { Replica } from './replica';
import { buildReplicaDistiller } from './replica-build';
import { blocksOf, unpackOutputs } from './packed';
import { teachersOutputs } from './teachers-ahead';

if (!parentPort) throw new Error('train-worker: expected to run in a worker thread');
const port = parentPort;
const models: ZooModel[] = [];
let replica: Replica | undefined;
let teachers: { models: ZooModel[]; features: boolean } | undefined;

async function start(backend: 'wasm' | 'cpu'): Promise<void> {
  await initBackend(backend, () => {});
  tf.env().set('PROD', true);
}

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function ready(): Replica {
  if (!replica) throw new Error('train-worker: a step before init');
  return replica;
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init': {
      await start(message.backend);
      const student = modelFromWire(message.student);
      const own = message.recipe.teachers.map(modelFromWire);
      models.push(student, ...own);
      const distiller = buildReplicaDistiller(message.recipe.build, student, own);
      const optimizers = Array.from({ length: distiller.together?.members.length ?? 1 }, () => createOptimizer(message.train));
      replica = new Replica(distiller, optimizers, message.train.weightDecay, message.exchange);
      replica.setTrainable(message.variables);
      return post({ type: 'ready' });
    }
    case 'initTeachers': {
      await start(message.backend);
      teachers = { models: message.teachers.map(modelFromWire), features: message.features };
      models.push(...teachers.models);
      return post({ type: 'ready' });
    }
    case 'teacherOutputs': {
      if (!teachers) throw new Error('train-worker: teacher outputs asked before initTeachers');
      const x = tf.tensor(message.x, message.shape, 'float32');
      try {
        const outputs = teachersOutputs(teachers.models, x, teachers.features);
        return post({ type: 'teacherOutputs', ...outputs }, [outputs.values.buffer as ArrayBuffer]);
      } finally {
        x.dispose();
      }
    }
    case 'learningRate':
      return ready().setLearningRate(message.rate);
    case 'compute': {
      const { shard, context, dropoutSeed, part } = message;
      const x = tf.tensor(shard.x, shard.shape, 'float32');
      const labels = tf.tensor1d(shard.labels, 'int32');
      const teacherOutputs = shard.teacherOutputs && unpackOutputs(shard.teacherOutputs);
      try {
        const batch = { x, y: shard.withLabels ? labels : null, indices: shard.indices, augmented: shard.augmented, teacherOutputs, shardOf: shard.shardOf };
        const r = ready();
        const g = part === undefined ? r.gradients(batch, labels, context, dropoutSeed) : r.memberGradients(part, batch, labels, context, dropoutSeed);
        const results = 'results' in g ? g.results : [{ losses: g.losses, correct: g.correct }];
        const gradients = { values: g.values, present: g.present, ...(g.rows ? { rows: g.rows } : {}) };
        const buffers = [g.values, ...(g.rows ?? []).flatMap((r) => [r.rows, r.values])].map((a) => a.buffer as ArrayBuffer);
        return post({ type: 'gradients', gradients, results }, buffers);
      } finally {
        tf.dispose([x, labels, ...(teacherOutputs?.flatMap(blocksOf) ?? [])]);
      }
    }
    case 'apply':
      return ready().apply(message.gradients, message.part);
    case 'weights': {
      const w = ready().weights();
      return post({ type: 'weights', ...w }, [w.trainable.buffer as ArrayBuffer, w.state.buffer as ArrayBuffer]);
    }
    case 'setState':
      return ready().setState(message.state);
  }
}

// One message at a time, in order (init is asynchronous; the coordinator sends nothing else before it is ready).
let queue = Promise.resolve();
port.on('message', (message: ToWorker) => {
  queue = queue.then(() => handle(message).catch((error: Error) => post({ type: 'error', message: error.message, stack: error.stack })));
});
