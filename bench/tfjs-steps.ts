import * as tf from '@tensorflow/tfjs-core';
import { TrainConfig } from '../src/shared/protocol';
import { createRng } from '../src/core/data/rng';
import type { Distiller, StepContext, TrainBatch } from '../src/core/distill/distiller';
import { KnowledgeDistiller } from '../src/core/distill/kd';
import { ScratchTrainer } from '../src/core/distill/scratch';
import { buildModel } from '../src/core/models/zoo';
import type { ZooModel } from '../src/core/models/zoo-model';
import { createOptimizer } from '../src/core/train/optimizer';
import { trainStep } from '../src/core/train/step';
import { BATCH_SIZE, INPUT_SHAPE, KD_ALPHA, KD_TEMPERATURE, NUM_CLASSES, type BenchCase } from './cases';
import { measureThroughput, type Throughput, type TimingOptions } from './timing';

/** One fixed synthetic batch: uniform [0, 1) pixels and uniform labels, seeded. */
export function syntheticBatch(seed = 1234): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const rng = createRng(seed);
  const pixels = new Float32Array(BATCH_SIZE * INPUT_SHAPE.reduce((a, b) => a * b, 1));
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng();
  const labels = new Float32Array(BATCH_SIZE);
  for (let i = 0; i < BATCH_SIZE; i++) labels[i] = Math.floor(rng() * NUM_CLASSES);
  return { x: tf.tensor4d(pixels, [BATCH_SIZE, ...INPUT_SHAPE] as [number, number, number, number]), y: tf.tensor1d(labels) };
}

export interface PreparedStep {
  step: () => void;
  dispose: () => void;
}

/** The engine's own training step (trainStep with Adam) for one case, on a fixed batch. */
export function prepareStep(benchCase: BenchCase, data: { x: tf.Tensor4D; y: tf.Tensor1D }): PreparedStep {
  const models: ZooModel[] = [];
  const build = (spec: BenchCase['model'], role: string, seed: number) => {
    const model = buildModel(spec, { inputShape: INPUT_SHAPE, numClasses: NUM_CLASSES, role, seed });
    models.push(model);
    return model;
  };
  const model = build(benchCase.model, benchCase.kind === 'kd' ? 'student' : benchCase.id.endsWith('teacher') ? 'teacher' : 'student', 1);
  let distiller: Distiller;
  if (benchCase.kind === 'kd') {
    if (!benchCase.teacher) throw new Error(`bench case ${benchCase.id}: KD needs a teacher`);
    const teacher = build(benchCase.teacher, 'teacher', 2);
    distiller = new KnowledgeDistiller(model, teacher, { temperature: KD_TEMPERATURE, alpha: KD_ALPHA, cacheTeacherLogits: false });
  } else {
    distiller = new ScratchTrainer(model, 'scratch');
  }
  const { optimizer } = createOptimizer(TrainConfig.parse({ batchSize: BATCH_SIZE, optimizer: { kind: 'adam' }, learningRate: 1e-3 }));
  const batch: TrainBatch = { x: data.x, y: data.y, indices: Int32Array.from({ length: BATCH_SIZE }, (_, i) => i) };
  const context: StepContext = { epoch: 0, epochs: 1 };
  return {
    step: () => void trainStep(distiller, optimizer, batch, data.y, context, 0),
    dispose: () => {
      distiller.dispose();
      optimizer.dispose();
      for (const m of models) m.dispose();
    },
  };
}

export interface TfjsCaseResult extends Throughput {
  id: string;
  /** Tensors left behind by the case (should be 0). */
  leakedTensors: number;
}

export function benchTfjsCase(benchCase: BenchCase, timing: TimingOptions, data: { x: tf.Tensor4D; y: tf.Tensor1D }): TfjsCaseResult {
  const before = tf.memory().numTensors;
  const prepared = prepareStep(benchCase, data);
  let result: Throughput;
  try {
    result = measureThroughput(prepared.step, timing);
  } finally {
    prepared.dispose();
  }
  return { id: benchCase.id, ...result, leakedTensors: tf.memory().numTensors - before };
}
