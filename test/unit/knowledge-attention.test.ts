// The attention maps a text run stores for the attention view: per transformer, at its best
// checkpoint, the prediction samples' attention probabilities over their non-padded tokens. Checked
// against the checkpoint run on each sample alone (every layer and head), against layer 0 computed
// here in float64 from the checkpoint's query/key weights over the tokens only (no mask needed), and
// read back through the host's reader, which names a damaged file.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel } from '../../src/core/models/checkpoint';
import { prepareData } from '../../src/core/run/prepare-data';
import { readRunKnowledge } from '../../src/host/dashboard/knowledge-data';
import { ATTENTION_SAMPLE_LIMIT, attentionOffset, attentionSize, decodeArray } from '../../src/shared/knowledge-files';
import { DataConfig, type KnowledgeIndex } from '../../src/shared/protocol';
import { attentionRunConfig, layerZeroAttention } from '../support/attention-reference';
import { runMethod, scratchDir } from '../support/method-run';
import { writeMessagesCsv } from '../support/text-messages';

const dir = scratchDir('knowledge-attention');
// Messages of 2 to 7 words: different lengths, so every sample has its own padding.
const csv = writeMessagesCsv(dir.path('messages.csv'), 90, (i) => 2 + (i % 6));
const MAX_LENGTH = 12;
const dataset = { kind: 'text' as const, train: csv, maxLength: MAX_LENGTH };

const floats = (file: string) => {
  const bytes = readFileSync(file);
  return decodeArray(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'float32', bytes.length / 4, file);
};
const ints = (file: string) => {
  const bytes = readFileSync(file);
  return decodeArray(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'int32', bytes.length / 4, file);
};

describe('the attention maps stored at the end of a text run', () => {
  after(() => dir.remove());

  test('each transformer’s maps at its best checkpoint: rows sum to 1 over the tokens, equal to the model run on the sample', async () => {
    const run = await runMethod(attentionRunConfig('attention', dataset, 0.2, 2), dir.path('run'));
    const folder = run.folder;
    const index = folder.readSummary()!.knowledge as KnowledgeIndex;
    const samples = index.attention!;
    assert.equal(samples.count, ATTENTION_SAMPLE_LIMIT, 'the first 8 of 12 prediction samples');

    // The same validation split as the run's (it depends on data.splitSeed only), tokenised again here.
    const data = await prepareData(DataConfig.parse({ dataset, validationSplit: 0.2 }), 12, dir.path('.'));
    const indices = ints(folder.path(samples.indices));
    assert.deepEqual(Array.from(indices), data.sampleIndices.slice(0, ATTENTION_SAMPLE_LIMIT));
    const lengths = ints(folder.path(samples.lengths));
    const tokens = JSON.parse(readFileSync(folder.path(samples.tokens), 'utf8')) as string[][];
    const rowOf = (s: number) => data.validation.x.subarray(indices[s] * MAX_LENGTH, (indices[s] + 1) * MAX_LENGTH);
    for (let s = 0; s < indices.length; s++) {
      const ids = Array.from(rowOf(s));
      const n = ids.filter((id) => id !== 0).length;
      assert.equal(lengths[s], n, `sample ${s}: its non-padded tokens`);
      assert.deepEqual(
        tokens[s],
        ids.slice(0, n).map((id) => data.text!.tokens[id]),
      );
      assert.equal(tokens[s][0], '[CLS]');
      assert.equal(tokens[s][n - 1], '[SEP]');
    }
    assert.ok(new Set(lengths).size > 1, 'samples of different lengths');

    for (const [role, layers, heads] of [
      ['teacher', 2, 2],
      ['student', 1, 3],
    ] as const) {
      const entry = index.models.find((m) => m.role === role)!;
      assert.deepEqual({ layers: entry.attention!.layers, heads: entry.attention!.heads }, { layers, heads });
      const stored = floats(folder.path(entry.attention!.file));
      assert.equal(stored.length, attentionSize(lengths, layers, heads));
      const model = await loadModel(folder.checkpointDir(role, 'best'));
      try {
        for (let s = 0; s < indices.length; s++) {
          const n = lengths[s];
          // The checkpoint on this sample alone (batch of one): every layer's [heads, L, L].
          const alone = tf.tidy(() => model.forward(tf.tensor(rowOf(s), [1, MAX_LENGTH]), false).sequence!.probs.map((p) => p.arraySync()[0]));
          const first = layerZeroAttention(model, rowOf(s), n, heads);
          for (let layer = 0; layer < layers; layer++) {
            for (let head = 0; head < heads; head++) {
              const at = attentionOffset(lengths, layers, heads, s, layer, head);
              for (let i = 0; i < n; i++) {
                let sum = 0;
                for (let j = 0; j < n; j++) {
                  const value = stored[at + i * n + j];
                  sum += value;
                  assert.ok(Math.abs(value - alone[layer][head][i][j]) < 1e-6, `${role} sample ${s} layer ${layer} head ${head} (${i}, ${j})`);
                  if (layer === 0) assert.ok(Math.abs(value - first[head][i][j]) < 1e-5, `${role} layer 0 from the weights (${i}, ${j}): ${value} vs ${first[head][i][j]}`);
                }
                assert.ok(Math.abs(sum - 1) < 1e-5, `${role} sample ${s} layer ${layer} head ${head} row ${i} sums to ${sum}`);
              }
            }
          }
        }
      } finally {
        model.dispose();
      }
    }

    // The projections' tooltips: the embedding sample's messages, whitespace folded, cut at 120 characters.
    const sample = ints(folder.path(index.embeddingSample.file));
    const texts = JSON.parse(readFileSync(folder.path(index.embeddingSample.texts!), 'utf8')) as string[];
    assert.equal(texts.length, index.embeddingSample.count);
    sample.forEach((i, k) => assert.equal(texts[k], data.text!.texts.validation![i].replace(/\s+/g, ' ').trim()));

    // The host's reader checks them but does not send them (the attention view asks for one sample's
    // maps at a time); a map cut short is named.
    const sent = readRunKnowledge(folder.dir);
    assert.ok(sent.knowledge, sent.problem);
    for (const entry of index.models) assert.equal(sent.knowledge.files[entry.attention!.file], undefined, `${entry.role}'s maps are not in the payload`);
    assert.ok(sent.knowledge.files[samples.tokens] && sent.knowledge.files[samples.lengths], 'the samples and their tokens are');
    const file = folder.path(index.models[0].attention!.file);
    writeFileSync(file, readFileSync(file).subarray(0, 40));
    const read = readRunKnowledge(folder.dir);
    assert.equal(read.knowledge, undefined);
    assert.ok(read.problem!.includes(file) && read.problem!.includes('expected'), read.problem);
  });
});
