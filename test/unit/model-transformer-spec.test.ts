// The transformer as the rest of the product meets it: its spec and CLI shorthand, the errors a
// wrong build gets, its memory estimate, a checkpoint round trip and a data-parallel replica.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { parseModelFlag } from '../../src/cli/model-flag';
import { loadModel, saveModel } from '../../src/core/models/checkpoint';
import { modelSize } from '../../src/core/models/memory-estimate';
import { buildModel, describeModel } from '../../src/core/models/zoo';
import type { ForwardResult, ZooModel } from '../../src/core/models/zoo-model';
import { modelFromWire, modelToWire } from '../../src/core/train/parallel/model-transfer';
import { ModelSpec, type TransformerSpec } from '../../src/shared/protocol';
import { values } from '../support/wasm-tensors';

const text = { inputShape: [6], numClasses: 3, seed: 5, vocabSize: 17, role: 'student' };
const tiny = { arch: 'transformer', layers: 2, hidden: 8, heads: 2, maxLength: 8 } as const;
const IDS = [
  [2, 4, 9, 3, 0, 0],
  [2, 16, 3, 0, 0, 0],
];

/** Every tap of a forward pass, in inference mode, as plain arrays. */
function taps(model: ZooModel): number[][] {
  return tf.tidy(() => {
    const r: ForwardResult = model.forward(tf.tensor2d(IDS), false);
    const s = r.sequence!;
    return [r.logits, r.embedding, ...r.features, s.mask, s.embeddingOutput, ...s.scores, ...s.probs, ...s.values, ...s.cls].map((t) => Array.from(t.dataSync()));
  });
}

function randomise(model: ZooModel): void {
  const weights = model.net.weights.map((w, i) =>
    tf.tensor(
      values(
        w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
        30 + i,
      ),
      w.shape as number[],
    ),
  );
  model.net.setWeights(weights);
  tf.dispose(weights);
}

describe('transformer spec, build and persistence', () => {
  let dir: string;
  before(async () => {
    await tf.setBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'distill-transformer-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('spec defaults: 4 layers × 128 hidden, 4 heads, feed-forward 4 × hidden, maxLength 128, dropout 0.1; bounds refuse nonsense', () => {
    const spec = ModelSpec.parse({ arch: 'transformer' });
    assert.deepEqual(spec, { arch: 'transformer', layers: 4, hidden: 128, heads: 4, maxLength: 128, dropout: 0.1 });
    assert.equal(describeModel(spec), 'transformer 4x128h4');
    assert.equal(describeModel(ModelSpec.parse({ arch: 'transformer', layers: 2, hidden: 64, heads: 2, intermediate: 128 })), 'transformer 2x64h2 ff128');
    for (const bad of [{ layers: 0 }, { heads: 0 }, { dropout: 1 }, { maxLength: 1 }, { hidden: 1e6 }, { width: 3 }]) {
      assert.equal(ModelSpec.safeParse({ arch: 'transformer', ...bad }).success, false, JSON.stringify(bad));
    }
  });

  test('CLI shorthand: transformer, transformer:4x256h4, transformer:2x64h2i128; the others still parse; errors say what was expected', () => {
    assert.deepEqual(parseModelFlag('transformer', 'teacher'), { arch: 'transformer' });
    assert.deepEqual(parseModelFlag('Transformer:4x256h4', 'teacher'), { arch: 'transformer', layers: 4, hidden: 256, heads: 4 });
    assert.deepEqual(parseModelFlag('transformer:2x64h2i128', 'student'), { arch: 'transformer', layers: 2, hidden: 64, heads: 2, intermediate: 128 });
    assert.deepEqual(parseModelFlag('mlp:512,512', 'student'), { arch: 'mlp', hidden: [512, 512] });
    assert.deepEqual(parseModelFlag('resnet32x4', 'teacher'), { arch: 'resnet', depth: 32, widthMultiplier: 4 });
    assert.deepEqual(parseModelFlag('cnn:8,16+fc32', 'student'), { arch: 'cnn', widths: [8, 16], dense: 32 });
    assert.throws(() => parseModelFlag('transformer:4x100h3', 'teacher'), /--teacher: transformer hidden size 100 is not a multiple of its 3 heads/);
    assert.throws(() => parseModelFlag('transformer:4x256', 'student'), /--student: expected .*transformer\[:<layers>x<hidden>h<heads>\[i<feed-forward>\]\], got "transformer:4x256"/);
  });

  test('clear errors: no vocabulary, image inputs, sequences longer than maxLength, hidden not a multiple of heads', () => {
    assert.throws(() => buildModel(tiny, { ...text, vocabSize: undefined }), /model "transformer" needs the vocabulary size of a text data set/);
    assert.throws(() => buildModel(tiny, { ...text, inputShape: [28, 28, 1] }), /model "transformer" needs token-id inputs \[L\] from a text data set, got shape \[28, 28, 1\]/);
    assert.throws(() => buildModel(tiny, { ...text, inputShape: [9] }), /the data's sequences hold 9 tokens, more than the model's maxLength 8/);
    assert.throws(() => buildModel({ ...tiny, hidden: 10, heads: 4 }, text), /model "transformer": hidden: expected a multiple of heads \(4\) .* got 10/);
  });

  test('the memory estimate counts the built parameters (vocabulary, positions, blocks, pooler, head) and grows with L²·heads', () => {
    for (const spec of [tiny, { ...tiny, layers: 3, hidden: 12, heads: 3, intermediate: 20 }]) {
      const parsed = ModelSpec.parse(spec);
      const model = buildModel(parsed, text);
      assert.equal(modelSize(parsed, text.inputShape, 3, text.vocabSize).params, model.paramCount(), JSON.stringify(spec));
      model.dispose();
    }
    const parsed = ModelSpec.parse(tiny) as TransformerSpec;
    const grow = (heads: number) => modelSize({ ...parsed, heads }, [8], 3, 17).activationsPerSample - modelSize({ ...parsed, heads }, [4], 3, 17).activationsPerSample;
    assert.ok(grow(2) > grow(1));
  });

  test('a checkpoint round-trips every tap exactly, with its vocabulary size, and the loaded model trains', async () => {
    const model = buildModel(tiny, text);
    randomise(model);
    const folder = join(dir, 'ckpt');
    await saveModel(model, folder);
    const saved = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
    assert.equal(saved.userDefinedMetadata.distillLab.vocabSize, 17);
    const loaded = await loadModel(folder);
    assert.deepEqual(taps(loaded), taps(model));
    assert.equal(loaded.info.vocabSize, 17);
    assert.deepEqual(loaded.featureShapes(), [
      [6, 8],
      [6, 8],
    ]);
    assert.equal(loaded.trainableVariables().length, model.trainableVariables().length);
    const labels = tf.oneHot(tf.tensor1d([1, 2], 'int32'), 3);
    const optimizer = tf.train.adam(0.01);
    const loss = () => tf.losses.softmaxCrossEntropy(labels, loaded.forward(tf.tensor2d(IDS), false).logits) as tf.Scalar;
    const first = tf.tidy(() => loss().dataSync()[0]);
    for (let i = 0; i < 5; i++) optimizer.minimize(loss);
    assert.ok(tf.tidy(() => loss().dataSync()[0]) < first, 'five Adam steps lower the loss of the loaded model');
    tf.dispose(labels);
    optimizer.dispose();
    model.dispose();
    loaded.dispose();
  });

  test('a data-parallel replica (rebuilt from spec and vocabulary, weights copied) gives the same taps', () => {
    const model = buildModel(tiny, text);
    randomise(model);
    const replica = modelFromWire(modelToWire(model));
    assert.deepEqual(taps(replica), taps(model));
    model.dispose();
    replica.dispose();
  });
});
