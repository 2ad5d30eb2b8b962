import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { createDistiller } from '../../src/core/distill/registry';
import { tinyBertAttentionLoss } from '../../src/core/distill/losses/tinybert';
import { studentStages } from '../../src/shared/methods';
import { ConfigError, parseExperimentConfig } from '../../src/shared/protocol';
import { assertStepsTrain, textBatch, withPair } from '../support/tiny-text';

const tinybert = (fields: Record<string, unknown> = {}) => parseExperimentConfig({ method: { name: 'tinybert', ...fields } }).method;

describe('TinyBERT on transformers', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test("stage 1: embedding, hidden and attention terms; student layer m's scores against teacher layer 2m (4 → 2 layers)", () =>
    withPair({ layers: 4, hidden: 16, heads: 2 }, { layers: 2, hidden: 8, heads: 2 }, (teacher, student) => {
      const distiller = createDistiller(tinybert(), { student, teacher, seed: 0, stage: 'intermediate' });
      const batch = textBatch();
      const { terms, attention } = tf.tidy(() => {
        const out = distiller.forwardTrain(batch, { epoch: 0, epochs: 1 });
        const s = student.forward(batch.x, false).sequence!;
        const t = teacher.forward(batch.x, false).sequence!;
        return {
          terms: Object.fromEntries(Object.entries(out.losses).map(([k, v]) => [k, v.dataSync()[0]])),
          attention: tinyBertAttentionLoss(s.scores, [t.scores[1], t.scores[3]], s.mask).dataSync()[0],
        };
      });
      assert.deepEqual(Object.keys(terms).sort(), ['attention', 'embedding', 'hidden']);
      assert.ok(Math.abs(terms.attention - attention) < 1e-5 * attention, `${terms.attention} vs ${attention}`);
      for (const v of Object.values(terms)) assert.ok(Number.isFinite(v) && v > 0);
      distiller.dispose();
    }));

  test('both stages train: the intermediate total falls (per-layer W), then the prediction stage (soft CE only) falls', () => {
    assert.deepEqual(
      studentStages(tinybert() as never, 3).map((s) => s.role),
      ['student-intermediate', 'student'],
    );
    withPair({ layers: 2, hidden: 16, heads: 2 }, { layers: 1, hidden: 8, heads: 2 }, (teacher, student) => {
      assertStepsTrain(createDistiller(tinybert({ projection: 'per-layer' }), { student, teacher, seed: 0, stage: 'intermediate' }), 'intermediate: ');
      const prediction = createDistiller(tinybert(), { student, teacher, seed: 0 });
      assert.deepEqual(Object.keys(tf.tidy(() => prediction.forwardTrain(textBatch(), { epoch: 0, epochs: 1 }).losses)), ['soft']);
      assertStepsTrain(prediction, 'prediction: ');
    });
  });

  test('heads that differ are a config error naming both counts', () =>
    withPair({ layers: 2, hidden: 16, heads: 4 }, { layers: 1, hidden: 8, heads: 2 }, (teacher, student) =>
      assert.throws(
        () => createDistiller(tinybert(), { student, teacher, seed: 0, stage: 'intermediate' }),
        (e: Error) => e instanceof ConfigError && /student has 2 attention heads per layer and the teacher 4/.test(e.message),
      ),
    ));
});
