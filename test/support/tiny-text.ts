// Tiny transformers and a handful of token-id "sentences" for the text methods' tests: real models
// of the zoo, small enough to train a few steps in well under a second.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { buildModel } from '../../src/core/models/zoo';
import type { ZooModel } from '../../src/core/models/zoo-model';

export const VOCAB = 24;
export const LENGTH = 8;
export const CLASSES = 3;

/** A transformer of the zoo over [B, LENGTH] ids, without dropout (the tests compare values). */
export function tinyTransformer(role: string, seed: number, spec: { layers: number; hidden: number; heads: number; intermediate?: number }): ZooModel {
  return buildModel({ arch: 'transformer', maxLength: LENGTH, dropout: 0, ...spec }, { inputShape: [LENGTH], numClasses: CLASSES, role, seed, vocabSize: VOCAB });
}

/**
 * Six sentences, [CLS]=1 … [SEP]=2 then PAD=0, of 3 to 8 tokens; the class is told by which of
 * three token ranges the words come from, so a model can learn it.
 */
export const SENTENCES: number[][] = [
  [1, 3, 4, 5, 2, 0, 0, 0],
  [1, 10, 11, 2, 0, 0, 0, 0],
  [1, 17, 18, 19, 20, 21, 22, 2],
  [1, 6, 7, 3, 8, 2, 0, 0],
  [1, 12, 13, 14, 15, 2, 0, 0],
  [1, 23, 16, 2, 0, 0, 0, 0],
];
export const LABELS = [0, 1, 2, 0, 1, 2];

export function textBatch(): { x: tf.Tensor2D; y: tf.Tensor1D; indices: Int32Array } {
  return { x: tf.tensor2d(SENTENCES), y: tf.tensor1d(LABELS, 'int32'), indices: Int32Array.from(SENTENCES.keys()) };
}

/** `steps` Adam steps on one batch, minimising the sum of the distiller's terms; the totals before and after. */
export function trainSteps(
  distiller: { trainableVariables(): tf.Variable[]; forwardTrain(batch: never, context: { epoch: number; epochs: number }): { losses: Record<string, tf.Scalar> } },
  batch: ReturnType<typeof textBatch>,
  steps: number,
  learningRate = 3e-3,
): number[] {
  const optimizer = tf.train.adam(learningRate);
  const totals: number[] = [];
  for (let i = 0; i < steps; i++) {
    const cost = optimizer.minimize(() => tf.addN(Object.values(distiller.forwardTrain(batch as never, { epoch: 0, epochs: 1 }).losses)) as tf.Scalar, true, distiller.trainableVariables());
    totals.push(cost!.dataSync()[0]);
    cost!.dispose();
  }
  optimizer.dispose();
  return totals;
}

type Spec = Parameters<typeof tinyTransformer>[2];

/** A tiny teacher (seed 1) and student (seed 2) for `body`, disposed afterwards whatever happens. */
export function withPair(teacherSpec: Spec, studentSpec: Spec, body: (teacher: ZooModel, student: ZooModel) => void): void {
  const teacher = tinyTransformer('teacher', 1, teacherSpec);
  const student = tinyTransformer('student', 2, studentSpec);
  try {
    body(teacher, student);
  } finally {
    teacher.dispose();
    student.dispose();
  }
}

/** Twelve Adam steps on the sentences make the distiller's total fall, every total finite; the distiller is disposed. */
export function assertStepsTrain(distiller: Parameters<typeof trainSteps>[0] & { dispose(): void }, label = ''): void {
  try {
    const totals = trainSteps(distiller, textBatch(), 12);
    assert.ok(totals.every(Number.isFinite) && totals.at(-1)! < totals[0], `${label}${totals.join(' → ')}`);
  } finally {
    distiller.dispose();
  }
}
