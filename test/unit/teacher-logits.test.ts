import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { TeacherLogits, TeacherOutputs } from '../../src/core/distill/teacher-logits';
import { buildModel } from '../../src/core/models/zoo';

before(async () => {
  await tf.setBackend('cpu');
});

test("a sample's teacher logits are computed once and then read back unchanged", () => {
  const teacher = buildModel({ arch: 'mlp', hidden: [8] }, { inputShape: [6], numClasses: 4, seed: 3, role: 'teacher' });
  let forwards = 0;
  const predict = teacher.predict.bind(teacher);
  teacher.predict = (x) => (forwards++, predict(x));
  const cache = new TeacherLogits(teacher);
  const x = tf.randomNormal([5, 6], 0, 1, 'float32', 9);
  const indices = Int32Array.from([10, 11, 12, 13, 14]);
  const direct = predict(x);
  const first = cache.forBatch(x, indices);
  const second = cache.forBatch(x, indices);
  assert.equal(forwards, 1);
  assert.deepEqual(Array.from(second.dataSync()), Array.from(direct.dataSync()));
  assert.deepEqual(Array.from(first.dataSync()), Array.from(direct.dataSync()));
  // A batch holding a sample never seen runs the teacher again.
  cache.forBatch(x, Int32Array.from([10, 11, 12, 13, 99]));
  assert.equal(forwards, 2);
  tf.dispose([x, direct, first, second]);
  teacher.dispose();
});

test('with augmentation the teacher sees every batch, the augmented view itself, and nothing is cached', () => {
  const teacher = buildModel({ arch: 'mlp', hidden: [8] }, { inputShape: [6], numClasses: 4, seed: 3, role: 'teacher' });
  let forwards = 0;
  const predict = teacher.predict.bind(teacher);
  teacher.predict = (x) => (forwards++, predict(x));
  const cache = new TeacherLogits(teacher);
  const indices = Int32Array.from([0, 1, 2]);
  const viewA = tf.randomNormal([3, 6], 0, 1, 'float32', 1);
  const viewB = tf.randomNormal([3, 6], 0, 1, 'float32', 2);
  const a = cache.forBatch(viewA, indices, true);
  const b = cache.forBatch(viewB, indices, true);
  assert.equal(forwards, 2);
  const expectedB = predict(viewB);
  assert.deepEqual(Array.from(b.dataSync()), Array.from(expectedB.dataSync()), 'the second view’s own logits, not the first’s');
  assert.notDeepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  // Nothing was kept: the same indices without augmentation run the teacher again.
  tf.dispose(cache.forBatch(viewA, indices));
  assert.equal(forwards, 3);
  tf.dispose([viewA, viewB, a, b, expectedB]);
  teacher.dispose();
});

test('TeacherOutputs keeps logits and embedding per sample (CRD), and bypasses the cache with augmentation', () => {
  const teacher = buildModel({ arch: 'mlp', hidden: [8] }, { inputShape: [6], numClasses: 4, seed: 3, role: 'teacher' });
  let forwards = 0;
  const forward = teacher.forward.bind(teacher);
  teacher.forward = (x, training) => (forwards++, forward(x, training));
  const cache = new TeacherOutputs(teacher);
  const x = tf.randomNormal([3, 6], 0, 1, 'float32', 5);
  const indices = Int32Array.from([4, 5, 6]);
  const direct = forward(x, false);
  const first = cache.forBatch(x, indices);
  const second = cache.forBatch(x, indices);
  assert.equal(forwards, 1);
  for (const out of [first, second]) {
    assert.deepEqual(Array.from(out.logits.dataSync()), Array.from(direct.logits.dataSync()));
    assert.deepEqual(Array.from(out.embedding.dataSync()), Array.from(direct.embedding.dataSync()));
  }
  const view = cache.forBatch(x, indices, true);
  assert.equal(forwards, 2, 'an augmented batch runs the teacher');
  tf.dispose([x, direct.logits, direct.embedding, ...direct.features, first.logits, first.embedding, second.logits, second.embedding, view.logits, view.embedding]);
  teacher.dispose();
});
