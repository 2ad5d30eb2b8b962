import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpecInput, TrainerEvent } from '../../src/shared/protocol';
import { initBackend } from '../../src/core/backend/select';
import { createRng } from '../../src/core/data/rng';
import { buildModel } from '../../src/core/models/zoo';
import type { ZooModel } from '../../src/core/models/zoo-model';
import { AHEAD_MARGIN, forwardMacs, planThreads } from '../../src/core/train/parallel/plan';
import { blocksOf, unpackOutputs } from '../../src/core/train/parallel/packed';
import { TeachersAhead, withTeachersAhead } from '../../src/core/train/parallel/teachers-ahead';
import { methodConfig, runMethod, scratchDir } from '../support/method-run';

// The overlap of a KD step with augmentation: the teachers run on the next batch on their own
// thread while the student trains on this one. Their logits must be those the method computes
// in-thread, a run must train exactly as on one thread, and the plan must choose it only where it pays.

const CIFAR = { inputShape: [32, 32, 3], numClasses: 100 };
const models: ZooModel[] = [];
function model(spec: ModelSpecInput, role: string, shape: { inputShape: number[]; numClasses: number }, seed = 1): ZooModel {
  const m = buildModel(spec, { ...shape, role, seed });
  models.push(m);
  return m;
}

describe('teachers ahead of the student', () => {
  before(() => initBackend('wasm', () => {}));
  after(() => {
    for (const m of models.splice(0)) m.dispose();
    tf.disposeVariables();
  });

  test('forwardMacs counts ResNet-20 on CIFAR-100 as the hand count of its convolutions and head', () => {
    const k3 = (hw: number, cin: number, cout: number) => hw * hw * cin * cout * 9;
    const byHand =
      k3(32, 3, 16) + // stem
      6 * k3(32, 16, 16) + // stage 1: 3 blocks × 2 convolutions
      (k3(16, 16, 32) + 5 * k3(16, 32, 32) + 16 * 16 * 16 * 32) + // stage 2, its 1×1 shortcut
      (k3(8, 32, 64) + 5 * k3(8, 64, 64) + 8 * 8 * 32 * 64) + // stage 3
      64 * 100; // head
    assert.equal(forwardMacs(model({ arch: 'resnet', depth: 20 }, 'student', CIFAR)), byHand);
  });

  test('the plan: resnet56 → resnet20 at 2 threads runs the teacher ahead; at 4 threads, or with a tiny teacher, every thread is a replica', () => {
    const student = model({ arch: 'resnet', depth: 20 }, 'student', CIFAR);
    const big = model({ arch: 'resnet', depth: 56 }, 'teacher', CIFAR);
    const tiny = model({ arch: 'mlp', hidden: [8] }, 'teacher', CIFAR);
    // resnet56's forward ≈ 3.05 × resnet20's: about a student step (3 forward passes).
    const ratio = forwardMacs(big) / (3 * forwardMacs(student));
    assert.ok(ratio > 0.95 && ratio < 1.1, `teacher forward / student step = ${ratio}`);
    assert.deepEqual(planThreads(2, student, [big]), { replicas: 1, teachersAhead: true });
    assert.deepEqual(planThreads(4, student, [big]), { replicas: 4, teachersAhead: false });
    assert.deepEqual(planThreads(2, student, [tiny]), { replicas: 2, teachersAhead: false });
    assert.deepEqual(planThreads(1, student, [big]), { replicas: 1, teachersAhead: false });
    assert.deepEqual(planThreads(2, student, []), { replicas: 2, teachersAhead: false });
    assert.ok(AHEAD_MARGIN >= 1);
  });

  test("the teachers' thread gives every teacher's in-thread outputs — logits, embedding, feature maps (inference mode, batch norm's moving statistics) — within 1e-6", async () => {
    const shape = { inputShape: [8, 8, 3], numClasses: 6 };
    const teachers = [model({ arch: 'cnn', widths: [4, 8] }, 'teacher', shape, 3), model({ arch: 'resnet', depth: 8 }, 'teacher-2', shape, 4)];
    // Moving statistics away from their start, so inference mode differs from training mode.
    for (const t of teachers) {
      const x = tf.randomNormal([16, 8, 8, 3], 1, 2, 'float32', 9);
      for (let i = 0; i < 3; i++) tf.dispose(t.net.apply(x, { training: true }) as tf.Tensor[]);
      x.dispose();
    }
    const ahead = await TeachersAhead.start({ teachers, features: true }, 'wasm');
    try {
      const rng = createRng(5);
      const x = tf.tensor(
        Float32Array.from({ length: 5 * 8 * 8 * 3 }, () => rng() * 2 - 1),
        [5, 8, 8, 3],
      );
      const got = unpackOutputs(await ahead.compute(x));
      const maxDifference = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
      teachers.forEach((t, k) => {
        const expected = t.forward(x, false);
        assert.deepEqual(got[k].logits.shape, [5, 6]);
        assert.equal(got[k].features.length, expected.features.length);
        assert.ok(got[k].features.length >= 2);
        blocksOf(expected).forEach((e, i) => {
          const difference = maxDifference(blocksOf(got[k])[i], e);
          assert.ok(difference <= 1e-6, `teacher ${k}, output ${i}: max difference ${difference}`);
        });
        // Against training mode (batch statistics): far apart, so the check above can fail.
        const training = (t.net.apply(x, { training: true }) as tf.Tensor[])[0];
        assert.ok(maxDifference(got[k].logits, training) > 1e-3);
        tf.dispose([...blocksOf(expected), training]);
      });
      tf.dispose([x, ...got.flatMap(blocksOf)]);
    } finally {
      await ahead.dispose();
    }
  });

  test('batch i+1 is drawn and sent before batch i is handed out; a batch drawn and not handed out is disposed', async () => {
    const shape = { inputShape: [4, 4, 1], numClasses: 3 };
    const teacher = model({ arch: 'mlp', hidden: [5] }, 'teacher', shape);
    const ahead = await TeachersAhead.start({ teachers: [teacher], features: false }, 'wasm');
    const drawn: number[] = [];
    function* source() {
      for (let i = 0; i < 4; i++) {
        drawn.push(i);
        yield { i, x: tf.fill([2, 4, 4, 1], i) };
      }
    }
    const disposed: number[] = [];
    try {
      const seen: number[] = [];
      for (const batch of withTeachersAhead(source(), ahead, (b) => (disposed.push(b.i), b.x.dispose()))) {
        assert.deepEqual(
          drawn,
          [...seen, batch.i, batch.i + 1].filter((i) => i < 4),
        );
        const [outputs] = unpackOutputs(await batch.teacherOutputs);
        assert.deepEqual(outputs.features, [], 'no feature maps where none were asked for');
        const expected = teacher.predict(batch.x);
        assert.deepEqual(Array.from(outputs.logits.dataSync()), Array.from(expected.dataSync()));
        tf.dispose([...blocksOf(outputs), expected, batch.x]);
        seen.push(batch.i);
        if (batch.i === 1) break;
      }
      assert.deepEqual(seen, [0, 1]);
      assert.deepEqual(disposed, [2]);
    } finally {
      await ahead.dispose();
    }
  });

  // Runs with augmentation on the built-in images: a 1-epoch teacher on one thread, a 2-epoch student on `threads`.
  const kdRun = (threads: number, teacherWidth: number, method: 'kd' | 'crd' = 'kd') =>
    methodConfig({
      data: { dataset: { kind: 'builtin' }, limitTrain: 96, limitValidation: 40, limitTest: 40 },
      teacher: { model: { arch: 'cnn', widths: [teacherWidth] }, train: { epochs: 1, threads: 1 } },
      student: { model: { arch: 'cnn', widths: [4] } },
      method: { name: method },
      train: { epochs: 2, batchSize: 32, threads, augment: { cropPadding: 2, horizontalFlip: true } },
    });
  const logs = (events: TrainerEvent[]) => events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
  const outcome = (run: Awaited<ReturnType<typeof runMethod>>) => ({
    epochs: run.epochs.map((e) => ({ phase: e.phase, losses: e.losses, train: e.trainAccuracy, val: e.valAccuracy })),
    test: run.summary.models.map((m) => m.testAccuracy),
  });

  test('KD with augmentation on 2 threads, the teacher ahead: the same losses, accuracies and test results as on one thread', async () => {
    const dir = scratchDir('ahead');
    try {
      const one = await runMethod(kdRun(1, 12), dir.path('one'));
      const two = await runMethod(kdRun(2, 12), dir.path('two'));
      assert.ok(
        logs(two.events).some((m) => m.startsWith('student: 2 threads, teachers ahead: one worker runs the teacher on the next augmented batch') && m.includes('1 replica, as on one thread')),
        logs(two.events).join('\n'),
      );
      assert.equal(outcome(two).epochs.length, 3);
      assert.deepEqual(outcome(two), outcome(one));
    } finally {
      dir.remove();
    }
  });

  test('with a smaller teacher: 2 threads go data parallel, and 3 threads (the teacher ahead + those 2 replicas) train exactly as those 2', async () => {
    const dir = scratchDir('ahead-dp');
    try {
      const two = await runMethod(kdRun(2, 6), dir.path('two'));
      const three = await runMethod(kdRun(3, 6), dir.path('three'));
      assert.ok(
        logs(two.events).some((m) => m.startsWith('student: 2 threads, data parallel')),
        logs(two.events).join('\n'),
      );
      assert.ok(
        logs(three.events).some((m) => m.startsWith('student: 3 threads, teachers ahead') && m.includes('2 replicas, data parallel')),
        logs(three.events).join('\n'),
      );
      assert.deepEqual(outcome(three), outcome(two));
    } finally {
      dir.remove();
    }
  });

  test('CRD with augmentation on 3 threads: no replicas (its memory banks), but its teacher ahead on a second thread, training exactly as on one thread', async () => {
    const dir = scratchDir('ahead-crd');
    try {
      const one = await runMethod(kdRun(1, 12, 'crd'), dir.path('one'));
      const three = await runMethod(kdRun(3, 12, 'crd'), dir.path('three'));
      assert.ok(
        logs(three.events).some((m) => m.startsWith('student: 2 of 3 threads, teachers ahead') && m.includes('no replicas: method "crd" cannot be replicated over threads: its memory banks')),
        logs(three.events).join('\n'),
      );
      assert.deepEqual(outcome(three), outcome(one));
    } finally {
      dir.remove();
    }
  });
});
