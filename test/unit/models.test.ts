import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildModel } from '../../src/core/models/zoo';
import { loadModel, saveModel } from '../../src/core/models/checkpoint';

const image = { inputShape: [28, 28, 1], numClasses: 10, seed: 1 };

describe('model zoo', () => {
  let dir: string;
  before(async () => {
    await tf.setBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'distill-models-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('mlp: one tap per hidden layer, the last is the embedding; params in closed form', () => {
    const model = buildModel({ arch: 'mlp', hidden: [64, 32] }, { ...image, role: 'student' });
    const out = tf.tidy(() => {
      const r = model.forward(tf.zeros([3, 28, 28, 1]), false);
      return { logits: r.logits.shape, embedding: r.embedding.shape, features: r.features.map((f) => f.shape) };
    });
    assert.deepEqual(out.logits, [3, 10]);
    assert.deepEqual(out.embedding, [3, 32]);
    assert.deepEqual(out.features, [
      [3, 64],
      [3, 32],
    ]);
    assert.equal(model.paramCount(), 784 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10);
    assert.equal(model.sizeBytes(), model.paramCount() * 4);
    model.dispose();
  });

  test('cnn: block outputs halve the spatial size; GAP embedding has the last width', () => {
    const model = buildModel({ arch: 'cnn', widths: [8, 16] }, { ...image, role: 'teacher' });
    const shapes = tf.tidy(() => model.forward(tf.zeros([2, 28, 28, 1]), false).features.map((f) => f.shape));
    assert.deepEqual(shapes, [
      [2, 14, 14, 8],
      [2, 7, 7, 16],
    ]);
    const embedding = tf.tidy(() => model.forward(tf.zeros([2, 28, 28, 1]), false).embedding.shape);
    assert.deepEqual(embedding, [2, 16]);
    model.dispose();
  });

  test('resnet8x2: three stages at 32/64/128 channels, strides 1/2/2', () => {
    const model = buildModel({ arch: 'resnet', depth: 8, widthMultiplier: 2 }, { ...image, role: 'teacher' });
    const shapes = tf.tidy(() => model.forward(tf.zeros([1, 28, 28, 1]), false).features.map((f) => f.shape));
    assert.deepEqual(shapes, [
      [1, 28, 28, 32],
      [1, 14, 14, 64],
      [1, 7, 7, 128],
    ]);
    model.dispose();
  });

  test("deeper resnets have more blocks: resnet20 has three times resnet8's block convs", () => {
    const convs = (depth: 8 | 20) => {
      const m = buildModel({ arch: 'resnet', depth, widthMultiplier: 1 }, { ...image, role: `r${depth}` });
      const n = m.net.layers.filter((l) => l.getClassName() === 'Conv2D' && !l.name.includes('short') && !l.name.includes('stem')).length;
      m.dispose();
      return n;
    };
    assert.equal(convs(8), 6);
    assert.equal(convs(20), 18);
  });

  test('the head maps the embedding to the logits', () => {
    const model = buildModel({ arch: 'mlp', hidden: [16] }, { inputShape: [5], numClasses: 3, seed: 2, role: 'student' });
    const diff = tf.tidy(() => {
      const r = model.forward(tf.randomNormal([4, 5], 0, 1, 'float32', 3), false);
      return tf.max(tf.abs(tf.sub(model.applyHead(r.embedding), r.logits))).dataSync()[0];
    });
    assert.ok(diff < 1e-6, `head(embedding) differs from logits by ${diff}`);
    model.dispose();
  });

  test('the same seed builds the same weights; another seed does not', () => {
    const first = (seed: number) => {
      const m = buildModel({ arch: 'cnn', widths: [4] }, { ...image, seed, role: 'x' });
      const values = Array.from(m.net.getWeights()[0].dataSync().slice(0, 8));
      m.dispose();
      return values;
    };
    assert.deepEqual(first(7), first(7));
    assert.notDeepEqual(first(7), first(8));
  });

  test('save and load in TF.js format round-trips the logits and the head', async () => {
    const model = buildModel({ arch: 'cnn', widths: [4, 8] }, { ...image, role: 'teacher' });
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 5);
    const before = model.predict(x);
    await saveModel(model, join(dir, 'cnn'));
    const loaded = await loadModel(join(dir, 'cnn'));
    const after = loaded.predict(x);
    assert.deepEqual(Array.from(after.dataSync()), Array.from(before.dataSync()));
    assert.equal(loaded.info.role, 'teacher');
    assert.equal(loaded.paramCount(), model.paramCount());
    // Plain tfjs-layers can read it too (the format is TF.js's own).
    const { readFileSync } = await import('node:fs');
    const json = JSON.parse(readFileSync(join(dir, 'cnn', 'model.json'), 'utf8'));
    const weights = readFileSync(join(dir, 'cnn', 'weights.bin'));
    const plain = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    assert.equal(plain.outputs.length, 2 + 2);
    tf.dispose([x, before, after]);
    [model, loaded].forEach((m) => m.dispose());
    plain.dispose();
  });

  test('loading a corrupt checkpoint names the file and the problem', async () => {
    const model = buildModel({ arch: 'mlp', hidden: [4] }, { inputShape: [3], numClasses: 2, seed: 1, role: 'teacher' });
    await saveModel(model, join(dir, 'small'));
    writeFileSync(join(dir, 'small', 'weights.bin'), Buffer.alloc(3));
    await assert.rejects(loadModel(join(dir, 'small')), /small: expected \d+ bytes of weights, found 3/);
    await assert.rejects(loadModel(join(dir, 'missing')), /missing: expected a model\.json there, found none$/);
    model.dispose();
  });

  test("a run's checkpoints/<role> folder given for a checkpoint: the error names the best and last checkpoints inside it", async () => {
    const model = buildModel({ arch: 'mlp', hidden: [4] }, { inputShape: [3], numClasses: 2, seed: 1, role: 'teacher' });
    const role = join(dir, 'checkpoints', 'teacher');
    await saveModel(model, join(role, 'best'));
    await saveModel(model, join(role, 'last'));
    const escape = (path: string) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await assert.rejects(
      loadModel(role),
      new RegExp(`teacher: expected a model\\.json there, found none; it holds the checkpoints ${escape(join(role, 'best'))} and ${escape(join(role, 'last'))}: give one of them`),
    );
    model.dispose();
  });

  test('a checkpoint whose manifest names weights outside its folder, or names none, is refused', async () => {
    const model = buildModel({ arch: 'mlp', hidden: [4] }, { inputShape: [3], numClasses: 2, seed: 1, role: 'teacher' });
    await saveModel(model, join(dir, 'outside'));
    // A weights file of the right size next to the checkpoint folder: loading it would succeed without the check.
    copyFileSync(join(dir, 'outside', 'weights.bin'), join(dir, 'stolen.bin'));
    const jsonPath = join(dir, 'outside', 'model.json');
    const json = JSON.parse(readFileSync(jsonPath, 'utf8'));
    json.weightsManifest[0].paths = ['../stolen.bin'];
    writeFileSync(jsonPath, JSON.stringify(json));
    await assert.rejects(loadModel(join(dir, 'outside')), /weights file "\.\.\/stolen\.bin" lies outside the checkpoint folder/);
    json.weightsManifest[0].paths = [join(dir, 'stolen.bin')];
    writeFileSync(jsonPath, JSON.stringify(json));
    await assert.rejects(loadModel(join(dir, 'outside')), /lies outside the checkpoint folder/);
    // A symbolic link inside the folder that points outside it.
    symlinkSync(join(dir, 'stolen.bin'), join(dir, 'outside', 'link.bin'));
    json.weightsManifest[0].paths = ['link.bin'];
    writeFileSync(jsonPath, JSON.stringify(json));
    await assert.rejects(loadModel(join(dir, 'outside')), /weights file "link\.bin" lies outside the checkpoint folder/);
    delete json.weightsManifest;
    writeFileSync(jsonPath, JSON.stringify(json));
    await assert.rejects(loadModel(join(dir, 'outside')), /model\.json: expected a weights manifest \(weightsManifest: .*\), found none/);
    model.dispose();
  });
});
