// A replica's worker thread (data-parallel training): its own TensorFlow.js instance and copies of
// the models, computing gradients on its shard and applying the averaged ones it is sent.
// Bundled as dist/train-worker.js; from the sources (tests, bench) started through worker-boot.cjs.
import * as tf from '@tensorflow/tfjs-core';
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../../backend/select';
import { ScratchTrainer } from '../../distill/scratch';
import { KnowledgeDistiller } from '../../distill/kd';
import type { Distiller } from '../../distill/distiller';
import type { ZooModel } from '../../models/zoo-model';
import { createOptimizer } from '../optimizer';
import type { FromWorker, RecipeWire, ToWorker } from './messages';
import { modelFromWire } from './model-transfer';
import { Replica } from './replica';

if (!parentPort) throw new Error('train-worker: expected to run in a worker thread');
const port = parentPort;
const models: ZooModel[] = [];
let replica: Replica | undefined;

function rebuild(recipe: RecipeWire, student: ZooModel): Distiller {
  if (recipe.kind === 'supervised') return new ScratchTrainer(student, recipe.method);
  const teacher = modelFromWire(recipe.teacher);
  models.push(teacher);
  return new KnowledgeDistiller(student, teacher, recipe.options, recipe.method);
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
      await initBackend(message.backend, () => {});
      tf.env().set('PROD', true);
      const student = modelFromWire(message.student);
      models.push(student);
      const optimizer = createOptimizer(message.train);
      replica = new Replica(rebuild(message.recipe, student), optimizer, message.train.weightDecay);
      return post({ type: 'ready' });
    }
    case 'learningRate':
      return ready().optimizer.setLearningRate(message.rate);
    case 'compute': {
      const { shard, context } = message;
      const x = tf.tensor(shard.x, shard.shape, 'float32');
      const labels = tf.tensor1d(shard.labels, 'int32');
      try {
        const g = ready().gradients({ x, y: shard.withLabels ? labels : null, indices: shard.indices, augmented: shard.augmented }, labels, context);
        return post({ type: 'gradients', values: g.values, present: g.present, losses: g.losses, correct: g.correct }, [g.values.buffer as ArrayBuffer]);
      } finally {
        tf.dispose([x, labels]);
      }
    }
    case 'apply':
      return ready().apply(message.values, message.present);
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
