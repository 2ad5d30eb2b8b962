import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { createDistiller } from '../../src/core/distill/registry';
import { attentionDistributionKl, valueRelationKl } from '../../src/core/distill/losses/minilm';
import { buildModel } from '../../src/core/models/zoo';
import { modelKindProblem, studentStages } from '../../src/shared/methods';
import { ConfigError, parseExperimentConfig } from '../../src/shared/protocol';
import { assertStepsTrain, textBatch, tinyTransformer, withPair } from '../support/tiny-text';

const minilm = (fields: Record<string, unknown> = {}) => parseExperimentConfig({ method: { name: 'minilm', ...fields } }).method;

describe('MiniLM', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test("stage 1: the last layers' attention KL and value-relation KL from the taps, without labels", () =>
    withPair({ layers: 3, hidden: 16, heads: 2 }, { layers: 1, hidden: 8, heads: 2 }, (teacher, student) => {
      const distiller = createDistiller(minilm(), { student, teacher, seed: 0, stage: 'intermediate' });
      assert.equal(distiller.usesLabels, false);
      const batch = textBatch();
      const { terms, want } = tf.tidy(() => {
        const out = distiller.forwardTrain({ ...batch, y: null }, { epoch: 0, epochs: 1 });
        const s = student.forward(batch.x, false).sequence!;
        const t = teacher.forward(batch.x, false).sequence!;
        return {
          terms: Object.fromEntries(Object.entries(out.losses).map(([k, v]) => [k, v.dataSync()[0]])),
          want: { attention: attentionDistributionKl(s.scores[0], t.scores[2], s.mask).dataSync()[0], value: valueRelationKl(s.values[0], t.values[2], s.mask).dataSync()[0] },
        };
      });
      assert.deepEqual(Object.keys(terms).sort(), ['attention', 'value']);
      for (const k of ['attention', 'value'] as const) assert.ok(Math.abs(terms[k] - want[k]) < 1e-5 * Math.max(1, want[k]) && want[k] > 0, `${k}: ${terms[k]} vs ${want[k]}`);
      distiller.dispose();
    }));

  test('two stages, self-attention then fine-tuning with CE (+ KD here); both train on a handful of sentences', () => {
    assert.deepEqual(
      studentStages(minilm() as never, 3).map((s) => s.role),
      ['student-intermediate', 'student'],
    );
    withPair({ layers: 2, hidden: 16, heads: 2 }, { layers: 1, hidden: 8, heads: 2 }, (teacher, student) => {
      assertStepsTrain(createDistiller(minilm(), { student, teacher, seed: 0, stage: 'intermediate' }), 'intermediate: ');
      assertStepsTrain(createDistiller(minilm({ kdWeight: 1 }), { student, teacher, seed: 0 }), 'finetune: ');
    });
  });

  test('heads that differ: refused naming both counts, unless relation heads regroup the values (MiniLM-v2) with the attention term off', () =>
    withPair({ layers: 2, hidden: 16, heads: 4 }, { layers: 1, hidden: 8, heads: 2 }, (teacher, student) => {
      assert.throws(
        () => createDistiller(minilm(), { student, teacher, seed: 0, stage: 'intermediate' }),
        (e: Error) => e instanceof ConfigError && /student has 2 attention heads per layer and the teacher 4/.test(e.message) && /relationHeads/.test(e.message),
      );
      const distiller = createDistiller(minilm({ attentionWeight: 0, relationHeads: 2 }), { student, teacher, seed: 0, stage: 'intermediate' });
      assert.deepEqual(
        tf.tidy(() => Object.keys(distiller.forwardTrain(textBatch(), { epoch: 0, epochs: 1 }).losses)),
        ['value'],
      );
      distiller.dispose();
    }));

  test('a model that is not a transformer is refused, naming the field', () => {
    const teacher = tinyTransformer('teacher', 1, { layers: 1, hidden: 8, heads: 2 });
    const mlp = buildModel({ arch: 'mlp', hidden: [8] }, { inputShape: [8], numClasses: 3, role: 'student', seed: 1 });
    assert.throws(() => createDistiller(minilm(), { student: mlp, teacher, seed: 0, stage: 'intermediate' }), /config.student.model.*transformers/);
    mlp.dispose();
    teacher.dispose();
  });
});

describe('image-only methods refuse transformers', () => {
  test('modelKindProblem: AT, SAD and FitNets refuse text, naming the alternatives; MiniLM refuses images; the others take both', () => {
    for (const name of ['at', 'sad', 'fitnet']) {
      assert.match(
        modelKindProblem(name, 'text') ?? '',
        /cannot train or read a transformer; for text models use DistilBERT \(distilbert\), PKD \(pkd\), TinyBERT \(tinybert\), MiniLM \(minilm\), KD \(kd\)/,
      );
      assert.equal(modelKindProblem(name, 'image'), undefined);
    }
    assert.match(modelKindProblem('minilm', 'image') ?? '', /needs text models/);
    for (const name of ['kd', 'dkd', 'crd', 'srrl', 'distilbert', 'pkd', 'tinybert', 'minilm']) assert.equal(modelKindProblem(name, 'text'), undefined, name);
  });

  for (const name of ['at', 'sad', 'fitnet']) {
    test(`${name}: a config error naming the text methods`, () =>
      withPair({ layers: 2, hidden: 8, heads: 2 }, { layers: 1, hidden: 8, heads: 2 }, (teacher, student) =>
        assert.throws(
          () => createDistiller(parseExperimentConfig({ method: { name } }).method, { student, teacher, seed: 0 }),
          (e: Error) => e instanceof ConfigError && /config.student.model/.test(e.message) && /image feature maps/.test(e.message) && /DistilBERT.*PKD.*TinyBERT.*MiniLM.*KD/.test(e.message),
        ),
      ));
  }
});
