import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { initFromTeacher, initLayerMap } from '../../src/core/distill/distilbert-init';
import { createDistiller } from '../../src/core/distill/registry';
import { maskedCosineLoss } from '../../src/core/distill/losses/distilbert';
import { buildModel } from '../../src/core/models/zoo';
import type { ZooModel } from '../../src/core/models/zoo-model';
import { ConfigError, parseExperimentConfig } from '../../src/shared/protocol';
import { assertStepsTrain, textBatch, tinyTransformer, withPair } from '../support/tiny-text';

const weightsOf = (model: ZooModel, layer: string) =>
  model.net
    .getLayer(layer)
    .getWeights()
    .map((w) => Array.from(w.dataSync()));
const distilbert = (fields: Record<string, unknown> = {}) => parseExperimentConfig({ method: { name: 'distilbert', ...fields } }).method;

describe('DistilBERT on transformers', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('initLayerMap: every other teacher layer, spread evenly when the student is deeper than half', () => {
    assert.deepEqual(initLayerMap(6, 12), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(initLayerMap(2, 4), [0, 2]);
    assert.deepEqual(initLayerMap(3, 4), [0, 2, 3]);
    assert.deepEqual(initLayerMap(2, 2), [0, 1]);
  });

  test("initFromTeacher copies the embeddings and teacher layer 2i into student layer i; pooler and head keep the student's own", () => {
    const teacher = tinyTransformer('teacher', 1, { layers: 4, hidden: 16, heads: 2 });
    const student = tinyTransformer('student', 2, { layers: 2, hidden: 16, heads: 2 });
    const copied = initFromTeacher(student, teacher);
    assert.ok(copied.some((c) => c.student === 'student_layer1_attention_self_query' && c.teacher === 'teacher_layer2_attention_self_query'));
    for (const [s, t] of [
      ['student_embeddings', 'teacher_embeddings'],
      ['student_embeddings_LayerNorm', 'teacher_embeddings_LayerNorm'],
      ['student_layer0_attention_self_query', 'teacher_layer0_attention_self_query'],
      ['student_layer0_output_LayerNorm', 'teacher_layer0_output_LayerNorm'],
      ['student_layer1_attention_self_value', 'teacher_layer2_attention_self_value'],
      ['student_layer1_intermediate_dense', 'teacher_layer2_intermediate_dense'],
      ['student_layer1_output_dense', 'teacher_layer2_output_dense'],
    ]) {
      assert.deepEqual(weightsOf(student, s), weightsOf(teacher, t), `${s} from ${t}`);
    }
    assert.notDeepEqual(weightsOf(student, 'student_layer1_output_dense'), weightsOf(teacher, 'teacher_layer1_output_dense'));
    assert.notDeepEqual(weightsOf(student, 'student_pooler_dense'), weightsOf(teacher, 'teacher_pooler_dense'));
    // The copies are the student's own: training the student leaves the teacher as it was.
    const before = weightsOf(teacher, 'teacher_layer2_output_dense');
    tf.tidy(() =>
      student.net.getLayer('student_layer1_output_dense').setWeights(
        student.net
          .getLayer('student_layer1_output_dense')
          .getWeights()
          .map((w) => tf.add(w, 1)),
      ),
    );
    assert.deepEqual(weightsOf(teacher, 'teacher_layer2_output_dense'), before);
    teacher.dispose();
    student.dispose();
  });

  test('a teacher whose layers carry another prefix (a checkpoint saved under another role) is read by its own names', () => {
    const teacher = tinyTransformer('student-kd', 1, { layers: 2, hidden: 16, heads: 2 });
    const student = tinyTransformer('student', 2, { layers: 1, hidden: 16, heads: 2 });
    const copied = initFromTeacher(student, teacher);
    assert.ok(copied.some((c) => c.teacher === 'student_kd_layer0_output_dense'));
    assert.deepEqual(weightsOf(student, 'student_layer0_output_dense'), weightsOf(teacher, 'student_kd_layer0_output_dense'));
    teacher.dispose();
    student.dispose();
  });

  test('the distiller: kd, cos and ce as distilBertTerms on the last hidden states and the padding mask; the student starts from the teacher by default', () =>
    withPair({ layers: 4, hidden: 16, heads: 2 }, { layers: 2, hidden: 16, heads: 2 }, (teacher, student) => {
      const distiller = createDistiller(distilbert(), { student, teacher, seed: 0 });
      const batch = textBatch();
      const { losses, cos } = tf.tidy(() => {
        const out = distiller.forwardTrain(batch, { epoch: 0, epochs: 1 });
        const s = student.forward(batch.x, false).sequence!;
        const t = teacher.forward(batch.x, false).sequence!;
        return { losses: Object.fromEntries(Object.entries(out.losses).map(([k, v]) => [k, v.dataSync()[0]])), cos: maskedCosineLoss(s.hidden[1], t.hidden[3], s.mask).dataSync()[0] };
      });
      assert.deepEqual(Object.keys(losses).sort(), ['ce', 'cos', 'kd']);
      assert.ok(Math.abs(losses.cos - cos) < 1e-6, `${losses.cos} vs ${cos}`);
      assert.deepEqual(weightsOf(student, 'student_layer1_attention_self_key'), weightsOf(teacher, 'teacher_layer2_attention_self_key'));
      distiller.dispose();
    }));

  test('widths that differ: no initialisation by default, a projection for the cosine, and it trains; asking for it is a config error naming both widths', () =>
    withPair({ layers: 4, hidden: 16, heads: 2 }, { layers: 2, hidden: 8, heads: 2 }, (teacher, student) => {
      assertStepsTrain(createDistiller(distilbert(), { student, teacher, seed: 0 }));
      assert.throws(
        () => createDistiller(distilbert({ initFromTeacher: true }), { student, teacher, seed: 0 }),
        (e: Error) => e instanceof ConfigError && /initFromTeacher/.test(e.message) && /hidden is 8, the teacher's 16/.test(e.message),
      );
    }));

  test('trains from the copied layers: the total falls over a few steps on a handful of sentences', () =>
    withPair({ layers: 2, hidden: 16, heads: 2 }, { layers: 1, hidden: 16, heads: 2 }, (teacher, student) => assertStepsTrain(createDistiller(distilbert(), { student, teacher, seed: 0 }))));

  test('a transformer with an image model is refused, naming the field', () => {
    const student = tinyTransformer('student', 2, { layers: 1, hidden: 8, heads: 2 });
    const mlp = buildModel({ arch: 'mlp', hidden: [8] }, { inputShape: [8], numClasses: 3, role: 'teacher', seed: 1 });
    assert.throws(() => createDistiller(distilbert(), { student, teacher: mlp, seed: 0 }), /config.teacher.model.*both models must be transformers/);
    mlp.dispose();
    student.dispose();
  });
});
