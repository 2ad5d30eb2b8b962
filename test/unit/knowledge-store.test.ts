// The files the knowledge views compute from: written once at the end of a real (tiny) run,
// read back and checked against the best checkpoints on disk evaluated independently here.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel } from '../../src/core/models/checkpoint';
import { disagreementSample, embeddingSample } from '../../src/core/run/knowledge-store';
import { prepareData } from '../../src/core/run/prepare-data';
import { predictLogits } from '../../src/core/train/evaluate';
import { decodeArray } from '../../src/shared/knowledge-files';
import { parseExperimentConfig, RunKnowledgePayload } from '../../src/shared/protocol';
import { readRunKnowledge } from '../../src/host/dashboard/knowledge-data';
import { runMethod, scratchDir } from '../support/method-run';
import { tinyConfig } from '../support/tiny-config';

const scratch = scratchDir('knowledge');
after(scratch.remove);

describe('knowledge store', () => {
  test('the embedding sample is a seeded draw of at most 2000 distinct validation indices, ascending', () => {
    const a = embeddingSample(5000, 42);
    assert.equal(a.length, 2000);
    assert.equal(new Set(a).size, 2000);
    assert.ok(a.every((v, i) => v >= 0 && v < 5000 && (i === 0 || v > a[i - 1])));
    assert.deepEqual(embeddingSample(5000, 42), a, 'the same seed draws the same sample');
    assert.notDeepEqual(embeddingSample(5000, 43), a, 'another seed draws another sample');
    assert.deepEqual([...embeddingSample(7, 1)], [0, 1, 2, 3, 4, 5, 6], 'fewer samples than the limit: all of them');
  });

  test('inputs are kept for samples where the models disagree, and only those', () => {
    const teacher = Int32Array.from([0, 1, 2, 3, 4, 5]);
    const student = Int32Array.from([0, 1, 9, 3, 9, 5]);
    assert.deepEqual([...disagreementSample([teacher, student], 6, 1)], [2, 4]);
    assert.deepEqual([...disagreementSample([teacher], 6, 1)], [], 'one model disagrees with no one');
    assert.equal(disagreementSample([teacher, student], 6, 1, 1).length, 1, 'capped');
  });

  test('a finished run stores every model’s best-checkpoint validation logits, embeddings of the sample and the labels, indexed in summary.json', async () => {
    const input = tinyConfig({
      name: 'knowledge',
      data: { dataset: { kind: 'builtin' }, limitTrain: 256, limitValidation: 120 },
      teacher: { model: { arch: 'cnn', widths: [4] }, train: { epochs: 2 } },
      train: { epochs: 3, batchSize: 32, learningRate: 3e-3 },
    });
    const run = await runMethod(input, scratch.path('run'));
    const config = parseExperimentConfig(input);
    const data = await prepareData(config.data, 0, undefined);
    const summary = run.folder.readSummary()!;
    const knowledge = summary.knowledge;
    assert.ok(knowledge, 'summary.json has a knowledge index');
    const classes = data.classNames.length;
    assert.equal(knowledge.count, data.validation.count);
    assert.equal(knowledge.classes, classes);
    assert.deepEqual(
      knowledge.models.map((m) => m.role),
      ['teacher', 'student-scratch', 'student'],
    );
    const read = (file: string) => new Uint8Array(readFileSync(run.folder.path(file)));
    assert.deepEqual([...decodeArray(read(knowledge.labels), 'int32', knowledge.count, knowledge.labels)], [...data.validation.y]);
    const sample = decodeArray(read(knowledge.embeddingSample.file), 'int32', knowledge.embeddingSample.count, knowledge.embeddingSample.file);
    assert.equal(sample.length, Math.min(2000, data.validation.count));

    const sampleSize = data.inputShape.reduce((a, b) => a * b, 1);
    for (const entry of knowledge.models) {
      const row = summary.models.find((m) => m.role === entry.role)!;
      assert.equal(entry.epoch, row.bestEpoch, `${entry.role}: the best epoch's weights`);
      const best = await loadModel(run.folder.checkpointDir(entry.role, 'best'));
      try {
        const expected = predictLogits(best, data.validation, data.inputShape);
        const stored: Float32Array = decodeArray(read(entry.logits), 'float32', knowledge.count * classes, entry.logits);
        assert.deepEqual([...stored], [...expected], `${entry.role}: stored logits are the best checkpoint's`);
        assert.ok(entry.embeddings, `${entry.role} has embeddings`);
        const dim = best.net.outputs[1].shape[1] as number;
        assert.equal(entry.embeddings.dim, dim);
        const embeddings = decodeArray(read(entry.embeddings.file), 'float32', sample.length * dim, entry.embeddings.file);
        // Sample 3 and the last one, embedded here one at a time.
        for (const k of [3, sample.length - 1]) {
          const i = sample[k];
          const x = tf.tensor(data.validation.x.subarray(i * sampleSize, (i + 1) * sampleSize), [1, ...data.inputShape]);
          const { embedding } = best.forward(x, false);
          const want = embedding.dataSync();
          tf.dispose([x, embedding]);
          for (let d = 0; d < dim; d++) assert.ok(Math.abs(embeddings[k * dim + d] - want[d]) < 1e-4, `${entry.role}: embedding of sample ${i}, dimension ${d}`);
        }
      } finally {
        best.dispose();
      }
    }

    // Inputs: raw pixels (×255) of samples on which the models' predictions differ.
    const inputs = knowledge.inputs;
    assert.ok(inputs, 'image runs keep inputs for the strips');
    const indices = decodeArray(read(inputs.indices), 'int32', inputs.count, inputs.indices);
    const pixels = decodeArray(read(inputs.pixels), 'uint8', inputs.count * sampleSize, inputs.pixels);
    const k = inputs.count - 1;
    const i = indices[k];
    for (const p of [0, 100, 400, sampleSize - 1]) assert.equal(pixels[k * sampleSize + p], Math.round(255 * data.rawValidation.x[i * sampleSize + p]));
  });
});

describe('knowledge read by the host', () => {
  test('every file the index names is sent, byte for byte; a damaged file is a problem naming it, and nothing on disk changes', async () => {
    const run = await runMethod(tinyConfig({ name: 'knowledge-host' }), scratch.path('host'));
    const read = readRunKnowledge(run.folder.dir);
    assert.ok(read.knowledge, read.problem);
    const { index, files } = read.knowledge;
    assert.ok(RunKnowledgePayload.safeParse(read.knowledge).success, 'the payload passes the webview schema');
    const named = [index.labels, index.embeddingSample.file, ...index.models.flatMap((m) => [m.logits, ...(m.embeddings ? [m.embeddings.file] : [])])];
    for (const file of named) assert.deepEqual(Buffer.from(files[file], 'base64'), readFileSync(run.folder.path(file)), file);

    const logits = run.folder.path(index.models[1].logits);
    const whole = readFileSync(logits);
    writeFileSync(logits, whole.subarray(0, whole.length - 3));
    const cut = readRunKnowledge(run.folder.dir);
    assert.equal(cut.knowledge, undefined);
    assert.match(
      cut.problem!,
      new RegExp(`${logits.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: expected ${whole.length / 4} float32 values \\(${whole.length} bytes\\), found ${whole.length - 3} bytes`),
    );
    assert.equal(readFileSync(logits).length, whole.length - 3, 'the damaged file is left as it was');

    const nan = Buffer.from(whole);
    nan.writeFloatLE(Number.NaN, 8);
    writeFileSync(logits, nan);
    assert.match(readRunKnowledge(run.folder.dir).problem!, /val-logits\.f32: value 2 is NaN, expected a finite number/);

    const labels = run.folder.path(index.labels);
    const badLabels = Buffer.from(readFileSync(labels));
    badLabels.writeInt32LE(index.classes, 0);
    writeFileSync(logits, whole);
    writeFileSync(labels, badLabels);
    assert.match(readRunKnowledge(run.folder.dir).problem!, /val-labels\.i32: value 0 is 10, expected an index in \[0, 10\)/);

    const summary = run.folder.readSummary()!;
    run.folder.writeSummary({ ...summary, knowledge: undefined });
    assert.match(readRunKnowledge(run.folder.dir).problem!, /stored no validation logits/);
  });
});

describe('knowledge of a loaded teacher', () => {
  test('a teacher loaded from a checkpoint (evaluated, not trained, here) has its logits stored as epoch 0', async () => {
    const first = await runMethod(tinyConfig({ name: 'knowledge-source', baseline: false }), scratch.path('source'));
    const checkpoint = first.folder.checkpointDir('teacher', 'best');
    const input = tinyConfig({ name: 'knowledge-loaded', teacher: { checkpoint }, baseline: false });
    const run = await runMethod(input, scratch.path('loaded'));
    const knowledge = run.folder.readSummary()!.knowledge!;
    assert.deepEqual(
      knowledge.models.map((m) => [m.role, m.epoch]),
      [
        ['teacher', 0],
        ['student', 1],
      ],
    );
    const data = await prepareData(parseExperimentConfig(input).data, 0, undefined);
    const teacher = await loadModel(checkpoint);
    try {
      const stored = decodeArray(new Uint8Array(readFileSync(run.folder.path(knowledge.models[0].logits))), 'float32', knowledge.count * knowledge.classes, 'teacher');
      assert.deepEqual([...stored], [...predictLogits(teacher, data.validation, data.inputShape)]);
    } finally {
      teacher.dispose();
    }
  });
});

describe('knowledge of an ensemble', () => {
  test("multi-teacher: the teachers' ensemble is stored with the weighted mean of their stored logits (the aggregate the student learns from), without embeddings", async () => {
    const input = tinyConfig({ name: 'knowledge-ensemble', baseline: false, method: { name: 'multi-teacher', teachers: [{ arch: 'mlp', hidden: [16] }], weights: [2, 1] } });
    const run = await runMethod(input, scratch.path('ensemble'));
    const knowledge = run.folder.readSummary()!.knowledge!;
    assert.deepEqual(
      knowledge.models.map((m) => m.role),
      ['teacher', 'teacher-2', 'teacher-ensemble', 'student'],
    );
    const logitsOf = (role: string) => {
      const entry = knowledge.models.find((m) => m.role === role)!;
      return decodeArray(new Uint8Array(readFileSync(run.folder.path(entry.logits))), 'float32', knowledge.count * knowledge.classes, role);
    };
    const [a, b, ensemble] = ['teacher', 'teacher-2', 'teacher-ensemble'].map(logitsOf);
    ensemble.forEach((z, i) => assert.ok(Math.abs(z - (2 * a[i] + b[i]) / 3) < 1e-5, `logit ${i}: ${z} vs ${(2 * a[i] + b[i]) / 3}`));
    assert.equal(knowledge.models.find((m) => m.role === 'teacher-ensemble')!.embeddings, undefined);
  });
});
