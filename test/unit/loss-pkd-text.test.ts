import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { pkdTransformerLayers, pkdTransformerLoss } from '../../src/core/distill/losses/pkd';
import { centralDifferences, maxRelativeError, seededArray, type T3 } from '../support/text-loss-reference';
import { testOnCpuAndWasm } from '../support/on-backends';

// PKD-BERT in float64 from the hidden states of every layer [B, L, D]: the student's patience is
// stack(full_output[:-1]) of the [CLS] token (full_output[i][:, 0]), the teacher's the [CLS] of
// the layers in --fc_layer_idx; patience_loss(normalized_patience=True) normalises each [b, l, :]
// over D (F.normalize) and takes F.mse_loss over [B, L, D].
function patienceLoss(studentHidden: T3[], teacherHidden: T3[], fcLayerIdx: number[]): number {
  const normalise = (row: number[]) => row.map((v) => v / Math.max(Math.hypot(...row), 1e-12));
  const studentPatience = studentHidden.slice(0, -1).map((h) => h.map((seq) => normalise(seq[0])));
  const teacherPatience = fcLayerIdx.map((i) => teacherHidden[i].map((seq) => normalise(seq[0])));
  const diffs = studentPatience.flatMap((layer, l) => layer.flatMap((row, b) => row.map((v, d) => (v - teacherPatience[l][b][d]) ** 2)));
  return diffs.reduce((a, v) => a + v, 0) / diffs.length;
}
const cls = (h: tf.Tensor3D) => tf.reshape(tf.slice(h, [0, 0, 0], [-1, 1, -1]), [h.shape[0], h.shape[2]]) as tf.Tensor2D;

// A 3-layer student and a 6-layer teacher, [B=2, L=3, D=4].
const STUDENT = [0, 1, 2].map((l) => seededArray([2, 3, 4], 40 + l)) as T3[];
const TEACHER = [0, 1, 2, 3, 4, 5].map((l) => seededArray([2, 3, 4], 50 + l)) as T3[];

describe('PKD on transformers', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test("the layers of run_student_patience.py: the student's all but the last, the teacher's skip or last, never its last", () => {
    assert.deepEqual(pkdTransformerLayers(6, 12, 'skip'), { student: [0, 1, 2, 3, 4], teacher: [1, 3, 5, 7, 9] });
    assert.deepEqual(pkdTransformerLayers(6, 12, 'last'), { student: [0, 1, 2, 3, 4], teacher: [6, 7, 8, 9, 10] });
    assert.deepEqual(pkdTransformerLayers(3, 12, 'last').teacher, [9, 10]);
    assert.deepEqual(pkdTransformerLayers(2, 4, 'skip'), { student: [0], teacher: [1] });
    assert.deepEqual(pkdTransformerLayers(3, 6, 'skip').teacher, [1, 3]);
    assert.deepEqual(pkdTransformerLayers(3, 6, 'last').teacher, [3, 4]);
  });

  test('a one-layer student, or a teacher shallower than the student, is refused with the counts', () => {
    assert.throws(() => pkdTransformerLayers(1, 4, 'skip'), /at least 2 layers; the student has 1/);
    assert.throws(() => pkdTransformerLayers(4, 2, 'last'), /teacher has 2 layers, the student 4/);
  });

  for (const strategy of ['skip', 'last'] as const) {
    test(`matches patience_loss on the [CLS] vectors in float64 (${strategy})`, () => {
      const got = tf.tidy(
        () =>
          pkdTransformerLoss(
            STUDENT.map((h) => cls(tf.tensor3d(h))),
            TEACHER.map((h) => cls(tf.tensor3d(h))),
            strategy,
          ).dataSync()[0],
      );
      const want = patienceLoss(STUDENT, TEACHER, pkdTransformerLayers(3, 6, strategy).teacher);
      assert.ok(Math.abs(got - want) < 1e-6, `${got} vs ${want}`);
    });
  }

  test("the student's last layer is left to KD: changing it changes nothing", () => {
    const loss = (student: T3[]) =>
      tf.tidy(
        () =>
          pkdTransformerLoss(
            student.map((h) => cls(tf.tensor3d(h))),
            TEACHER.map((h) => cls(tf.tensor3d(h))),
            'skip',
          ).dataSync()[0],
      );
    assert.equal(loss([STUDENT[0], STUDENT[1], seededArray([2, 3, 4], 99) as T3]), loss(STUDENT));
    assert.notEqual(loss([STUDENT[0], seededArray([2, 3, 4], 99) as T3, STUDENT[2]]), loss(STUDENT));
  });

  testOnCpuAndWasm("gradient in the student's hidden states matches finite differences; only [CLS] moves", () => {
    const grads = tf.tidy(() => {
      const t = TEACHER.map((h) => cls(tf.tensor3d(h)));
      const last = cls(tf.tensor3d(STUDENT[2]));
      return tf
        .grads((h0: tf.Tensor, h1: tf.Tensor) => pkdTransformerLoss([cls(h0 as tf.Tensor3D), cls(h1 as tf.Tensor3D), last], t, 'skip'))(STUDENT.slice(0, 2).map((h) => tf.tensor3d(h)))
        .map((g) => g.arraySync() as T3);
    });
    const numeric = centralDifferences((hs: T3[]) => patienceLoss([...hs, STUDENT[2]], TEACHER, [1, 3]), STUDENT.slice(0, 2));
    assert.ok(maxRelativeError(grads, numeric) < 1e-4, `max error ${maxRelativeError(grads, numeric)}`);
    assert.ok(
      grads.every((layer) =>
        layer.every((seq) =>
          seq
            .slice(1)
            .flat()
            .every((g) => g === 0),
        ),
      ),
      'tokens other than [CLS]',
    );
  });
});
