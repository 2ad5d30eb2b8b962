// The zoo's transformer against a float64 BERT written separately (test/support/bert-reference.ts):
// every tap of the forward pass, the invariance to padding, and the gradients of chosen weights
// against central differences of the float64 model; on the cpu and wasm backends.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../src/core/backend';
import { buildModel } from '../../src/core/models/zoo';
import type { ZooModel } from '../../src/core/models/zoo-model';
import { bertForward, type BertTrace, type BertWeights, type Dense } from '../support/bert-reference';
import { values } from '../support/wasm-tensors';

const SPEC = { arch: 'transformer', layers: 2, hidden: 8, heads: 2, intermediate: 12, maxLength: 10, dropout: 0 } as const;
const VOCAB = 13;
const CLASSES = 3;
/** Two sequences of 7: [CLS]=2 … [SEP]=3 then PAD; id 5 appears twice in the first. */
const IDS = [
  [2, 5, 7, 5, 3, 0, 0],
  [2, 9, 3, 0, 0, 0, 0],
];

function build(length: number, seed = 1, spec: object = SPEC): ZooModel {
  return buildModel(spec as typeof SPEC, { inputShape: [length], numClasses: CLASSES, role: 'teacher', seed, vocabSize: VOCAB });
}

/** Known weights: deterministic values, LayerNorm gains near 1, kernels large enough that attention is far from uniform. */
function setKnownWeights(model: ZooModel): void {
  const weights = model.net.weights.map((w, i) => {
    const v = values(
      w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
      100 + i,
    );
    const scaled = w.name.endsWith('gamma')
      ? v.map((x) => 1 + 0.3 * x)
      : w.name.endsWith('beta') || w.name.endsWith('bias')
        ? v.map((x) => 0.2 * x)
        : w.name.includes('embeddings')
          ? v
          : v.map((x) => 0.6 * x);
    return tf.tensor(scaled, w.shape as number[]);
  });
  model.net.setWeights(weights);
  tf.dispose(weights);
}

/** The model's weights as the float64 reference takes them. */
function referenceWeights(model: ZooModel): BertWeights {
  const read = (name: string) =>
    model.net
      .getLayer(`teacher_${name}`)
      .getWeights()
      .map((t) => t.arraySync());
  const dense = (name: string): Dense => {
    const [kernel, bias] = read(name) as [number[][], number[]];
    return { kernel, bias };
  };
  const ln = (name: string) => {
    const [gamma, beta] = read(name) as [number[], number[]];
    return { gamma, beta };
  };
  const [word, position] = read('embeddings') as [number[][], number[][]];
  const [headKernel, headBias] = model.head.getWeights().map((t) => t.arraySync()) as [number[][], number[]];
  return {
    word,
    position,
    embLn: ln('embeddings_LayerNorm'),
    layers: Array.from({ length: SPEC.layers }, (_, i) => ({
      query: dense(`layer${i}_attention_self_query`),
      key: dense(`layer${i}_attention_self_key`),
      value: dense(`layer${i}_attention_self_value`),
      attnOut: dense(`layer${i}_attention_output_dense`),
      attnLn: ln(`layer${i}_attention_output_LayerNorm`),
      inter: dense(`layer${i}_intermediate_dense`),
      out: dense(`layer${i}_output_dense`),
      outLn: ln(`layer${i}_output_LayerNorm`),
    })),
    pooler: dense('pooler_dense'),
    head: { kernel: headKernel, bias: headBias },
  };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tolerance = 2e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    assert.ok(error <= tolerance * (1 + Math.abs(expected[i])), `${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);
/** Per sample of the batch, the reference traces laid out as the model's [B, …] taps. */
const batchOf = (traces: BertTrace[], pick: (t: BertTrace) => unknown) => traces.flatMap((t) => flat(pick(t)));

for (const backend of ['cpu', 'wasm']) {
  describe(`transformer on ${backend}`, () => {
    before(async () => {
      if (backend === 'wasm') await initBackend('wasm', () => {});
      await tf.setBackend(backend);
    });

    test('every tap matches a float64 BERT: mask, embedding output, hidden states, scores with the −10000 mask, probabilities, values, [CLS], pooled, logits', () => {
      const model = build(7);
      setKnownWeights(model);
      const expected = IDS.map((ids) => bertForward(ids, referenceWeights(model), SPEC.heads));
      tf.tidy(() => {
        const r = model.forward(tf.tensor2d(IDS), false);
        const s = r.sequence!;
        assert.deepEqual(r.features.length, SPEC.layers);
        assertClose(
          s.mask.dataSync(),
          batchOf(expected, (t) => t.mask),
          'mask',
        );
        assertClose(
          s.embeddingOutput.dataSync(),
          batchOf(expected, (t) => t.embeddingOutput),
          'embedding output',
        );
        for (let l = 0; l < SPEC.layers; l++) {
          assert.equal(s.hidden[l], r.features[l]);
          assert.deepEqual(s.scores[l].shape, [2, SPEC.heads, 7, 7]);
          assert.deepEqual(s.values[l].shape, [2, SPEC.heads, 7, SPEC.hidden / SPEC.heads]);
          assertClose(
            r.features[l].dataSync(),
            batchOf(expected, (t) => t.hidden[l]),
            `hidden ${l}`,
          );
          assertClose(
            s.scores[l].dataSync(),
            batchOf(expected, (t) => t.scores[l]),
            `scores ${l}`,
          );
          assertClose(
            s.probs[l].dataSync(),
            batchOf(expected, (t) => t.probs[l]),
            `probs ${l}`,
          );
          assertClose(
            s.values[l].dataSync(),
            batchOf(expected, (t) => t.values[l]),
            `values ${l}`,
          );
          assertClose(
            s.cls[l].dataSync(),
            batchOf(expected, (t) => t.hidden[l][0]),
            `cls ${l}`,
          );
        }
        assertClose(
          r.embedding.dataSync(),
          batchOf(expected, (t) => t.pooled),
          'pooled',
        );
        assertClose(
          r.logits.dataSync(),
          batchOf(expected, (t) => t.logits),
          'logits',
        );
        // The scores hold the mask: a padded key is about −10000, a token key is not.
        const scores = s.scores[0].arraySync()[1][0];
        assert.ok(scores[0][3] < -9000 && scores[0][2] > -100);
      });
      model.dispose();
    });

    test('padding changes no output of the tokens: a sequence padded to 7 gives what it gives unpadded', () => {
      const long = build(7);
      setKnownWeights(long);
      const short = build(4);
      short.net.setWeights(long.net.getWeights());
      tf.tidy(() => {
        const padded = long.forward(tf.tensor2d([[2, 5, 7, 3, 0, 0, 0]]), false);
        const bare = short.forward(tf.tensor2d([[2, 5, 7, 3]]), false);
        for (let l = 0; l < SPEC.layers; l++) {
          assertClose(tf.slice(padded.features[l], [0, 0, 0], [1, 4, SPEC.hidden]).dataSync(), bare.features[l].dataSync(), `hidden ${l}`, 1e-5);
          const probs = tf.slice(padded.sequence!.probs[l], [0, 0, 0, 0], [1, SPEC.heads, 4, 7]);
          assertClose(tf.slice(probs, [0, 0, 0, 0], [1, SPEC.heads, 4, 4]).dataSync(), bare.sequence!.probs[l].dataSync(), `probs ${l}`, 1e-5);
          assert.equal(tf.max(tf.slice(probs, [0, 0, 0, 4], [1, SPEC.heads, 4, 3])).dataSync()[0], 0, 'padded keys get no weight');
        }
        assertClose(padded.embedding.dataSync(), bare.embedding.dataSync(), 'pooled', 1e-5);
        assertClose(padded.logits.dataSync(), bare.logits.dataSync(), 'logits', 1e-5);
      });
      long.dispose();
      short.dispose();
    });

    test('gradients of embeddings (a repeated token), position, query, LayerNorm, feed-forward and pooler weights match float64 central differences', () => {
      const model = build(7);
      setKnownWeights(model);
      const w = referenceWeights(model);
      const c = [0.7, -1.1, 0.4];
      const r = values(7 * SPEC.hidden, 7);
      // loss = Σ_b (c·logits_b + 0.3 Σ r ⊙ last hidden states_b): reaches the weights through the pooler and every token.
      const referenceLoss = () =>
        IDS.reduce((sum, ids) => {
          const t = bertForward(ids, w, SPEC.heads);
          const last = t.hidden[SPEC.layers - 1].flat();
          return sum + t.logits.reduce((s, z, k) => s + c[k] * z, 0) + 0.3 * last.reduce((s, h, i) => s + r[i] * h, 0);
        }, 0);
      const checks: { variable: string; index: number[]; cell: (w: BertWeights) => [number[], number] }[] = [
        { variable: 'teacher_embeddings/word_embeddings', index: [5, 3], cell: (w) => [w.word[5], 3] },
        { variable: 'teacher_embeddings/position_embeddings', index: [1, 6], cell: (w) => [w.position[1], 6] },
        { variable: 'teacher_layer0_attention_self_query/kernel', index: [2, 5], cell: (w) => [w.layers[0].query.kernel[2], 5] },
        { variable: 'teacher_layer0_attention_self_key/kernel', index: [4, 1], cell: (w) => [w.layers[0].key.kernel[4], 1] },
        { variable: 'teacher_layer1_attention_output_LayerNorm/gamma', index: [3], cell: (w) => [w.layers[1].attnLn.gamma, 3] },
        { variable: 'teacher_layer1_intermediate_dense/kernel', index: [6, 9], cell: (w) => [w.layers[1].inter.kernel[6], 9] },
        { variable: 'teacher_pooler_dense/kernel', index: [0, 2], cell: (w) => [w.pooler.kernel[0], 2] },
      ];
      const { grads } = tf.variableGrads(() => {
        const out = model.forward(tf.tensor2d(IDS), false);
        const last = out.features[SPEC.layers - 1];
        return tf.add(tf.sum(tf.mul(out.logits, tf.tensor1d(c))), tf.mul(0.3, tf.sum(tf.mul(last, tf.tensor(r, [1, 7, SPEC.hidden]))))) as tf.Scalar;
      }, model.trainableVariables());
      for (const check of checks) {
        // tfjs suffixes variable names to keep them unique across models: _N.
        const name = Object.keys(grads).find((n) => n === check.variable || new RegExp(`^${check.variable}_\\d+$`).test(n));
        const grad = name === undefined ? undefined : grads[name];
        assert.ok(grad, `no gradient for ${check.variable}; variables: ${Object.keys(grads).join(', ')}`);
        const got = (grad.arraySync() as number[] | number[][]).flat()[check.index.length === 1 ? check.index[0] : check.index[0] * grad.shape[1]! + check.index[1]];
        const [row, col] = check.cell(w);
        const eps = 1e-5;
        const saved = row[col];
        row[col] = saved + eps;
        const up = referenceLoss();
        row[col] = saved - eps;
        const down = referenceLoss();
        row[col] = saved;
        const expected = (up - down) / (2 * eps);
        assert.ok(Math.abs(got - expected) <= 2e-3 * (1 + Math.abs(expected)), `${check.variable}${JSON.stringify(check.index)}: autodiff ${got}, central difference ${expected}`);
      }
      tf.dispose(Object.values(grads));
      model.dispose();
    });

    test('every weight is trainable and gets a gradient from a cross-entropy step', () => {
      const model = build(7);
      assert.equal(model.trainableVariables().length, model.net.weights.length);
      const labels = tf.oneHot(tf.tensor1d([0, 2], 'int32'), CLASSES);
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.forward(tf.tensor2d(IDS), true).logits) as tf.Scalar, model.trainableVariables());
      for (const v of model.trainableVariables()) assert.ok(tf.max(tf.abs(grads[v.name])).dataSync()[0] > 0, `${v.name} gets no gradient`);
      tf.dispose([labels, ...Object.values(grads)]);
      model.dispose();
    });

    test('training steps with dropout leave no tensors behind', () => {
      const model = build(7, 2, { ...SPEC, dropout: 0.2 });
      const optimizer = tf.train.adam(1e-3);
      const [x, labels] = [tf.tensor2d(IDS), tf.oneHot(tf.tensor1d([0, 2], 'int32'), CLASSES)];
      const step = () => optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.forward(x, true).logits) as tf.Scalar, false, model.trainableVariables());
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      tf.tidy(() => void model.predict(x));
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([x, labels]);
      optimizer.dispose();
      model.dispose();
    });

    test('dropout: the same seed drops the same units, a new step draws a new mask, inference drops none', () => {
      const spec = { ...SPEC, dropout: 0.3 };
      const [a, b] = [build(7, 4, spec), build(7, 4, spec)];
      tf.tidy(() => {
        const x = tf.tensor2d(IDS);
        const [a1, b1] = [a.forward(x, true).logits.dataSync(), b.forward(x, true).logits.dataSync()];
        assert.deepEqual(Array.from(a1), Array.from(b1), 'same seed, same first step');
        const a2 = a.forward(x, true).logits.dataSync();
        assert.notDeepEqual(Array.from(a2), Array.from(a1), 'the second step draws another mask');
        assert.deepEqual(Array.from(a.forward(x, false).logits.dataSync()), Array.from(a.forward(x, false).logits.dataSync()));
      });
      a.dispose();
      b.dispose();
    });
  });
}
