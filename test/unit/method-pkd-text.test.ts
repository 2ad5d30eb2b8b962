import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { createDistiller } from '../../src/core/distill/registry';
import { pkdLoss } from '../../src/core/distill/losses/pkd';
import { ConfigError, parseExperimentConfig } from '../../src/shared/protocol';
import { assertStepsTrain, textBatch, withPair } from '../support/tiny-text';

const pkd = (fields: Record<string, unknown> = {}) => parseExperimentConfig({ method: { name: 'pkd', ...fields } }).method;

describe('PKD on transformers', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const [strategy, teacherLayer] of [
    ['skip', [1, 3]],
    ['last', [3, 4]],
  ] as const) {
    test(`the patience term is β·pkdLoss of the [CLS] vectors: student layers 0, 1 of 3, teacher ${teacherLayer.join(', ')} of 6 (${strategy})`, () =>
      withPair({ layers: 6, hidden: 8, heads: 2 }, { layers: 3, hidden: 8, heads: 2 }, (teacher, student) => {
        const distiller = createDistiller(pkd({ strategy }), { student, teacher, seed: 0 });
        const batch = textBatch();
        const [got, want] = tf.tidy(() => {
          const out = distiller.forwardTrain(batch, { epoch: 0, epochs: 1 });
          const s = student.forward(batch.x, false).sequence!;
          const t = teacher.forward(batch.x, false).sequence!;
          return [out.losses.pkd.dataSync()[0], 500 * pkdLoss([s.cls[0], s.cls[1]], [t.cls[teacherLayer[0]], t.cls[teacherLayer[1]]]).dataSync()[0]];
        });
        assert.ok(Math.abs(got - want) < 1e-4 * want, `${got} vs ${want}`);
        distiller.dispose();
      }));
  }

  test('trains: the total falls over a few steps, every term finite', () =>
    withPair({ layers: 4, hidden: 16, heads: 2 }, { layers: 2, hidden: 8, heads: 2 }, (teacher, student) => assertStepsTrain(createDistiller(pkd(), { student, teacher, seed: 0 }))));

  test('a one-layer student is a config error saying why', () =>
    withPair({ layers: 2, hidden: 8, heads: 2 }, { layers: 1, hidden: 8, heads: 2 }, (teacher, student) =>
      assert.throws(
        () => createDistiller(pkd(), { student, teacher, seed: 0 }),
        (e: Error) => e instanceof ConfigError && /config.student.model/.test(e.message) && /at least 2 layers; the student has 1/.test(e.message),
      ),
    ));
});
