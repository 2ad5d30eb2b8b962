import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeRows } from '../../src/core/data/text/encode';
import { textDataset } from '../../src/core/data/text/load-text';
import { prepareTextSplits } from '../../src/core/data/text/splits';
import { CLS, PAD, SEP, UNK, compactVocabulary, mapByTokens, remapIds } from '../../src/core/data/text/vocabulary';

const special = { pad: 0, cls: 101, sep: 102 };

test('rows: [CLS] ids [SEP] then PAD; a long text truncated to maxLength with [SEP] kept last', () => {
  const x = encodeRows([[7, 8], [1, 2, 3, 4, 5, 6], []], 5, special);
  assert.deepEqual([...x], [101, 7, 8, 102, 0, 101, 1, 2, 3, 102, 101, 102, 0, 0, 0]);
  assert.throws(() => encodeRows([[1]], 2, special), /maxLength: expected an integer of at least 3/);
});

test('compact vocabulary: PAD 0, UNK 1, CLS 2, SEP 3, then the seen ids in order; unseen ids become UNK', () => {
  const old = ['[PAD]', 'a', 'b', '[UNK]', 'c', '[CLS]', '[SEP]', 'd'];
  const seen = Float32Array.from([5, 7, 1, 6, 0, 0, 5, 1, 6, 0]);
  const { tokens, map } = compactVocabulary(seen, old, [0, 3, 5, 6]);
  assert.deepEqual(tokens, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'a', 'd']);
  assert.deepEqual([...map], [PAD, 4, -1, UNK, -1, CLS, SEP, 5]);
  assert.deepEqual([...remapIds(Float32Array.from([5, 2, 7, 4, 6, 0]), map)], [CLS, UNK, 5, UNK, SEP, PAD]);
  // minCount 2: 'd' (id 7) occurs once, 'a' (id 1) twice.
  assert.deepEqual(compactVocabulary(seen, old, [0, 3, 5, 6], 2).tokens, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'a']);
  // A transfer set's vocabulary moved into the training data's by token strings.
  assert.deepEqual([...mapByTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'd', 'zz'], tokens)], [PAD, UNK, CLS, SEP, 5, UNK]);
});

// Each text names its class, so a row and its message can be checked to travel together through the splits.
const words = ['red', 'green', 'blue'];
const texts = Array.from({ length: 60 }, (_, i) => `${words[i % 3]} sample ${i}`);
const y = Int32Array.from(texts, (_, i) => i % 3);
const dataset = () => textDataset('colours', words, { texts, y }, undefined, 6);

test('splits carry each message with its row; the vocabulary is the final training split, validation ids outside it are UNK', () => {
  const ds = dataset();
  assert.equal(ds.text!.vocabSize, 4 + 3 + 1 + 60); // specials, colours, "sample", the numbers 0–59
  const { train, validation, test: testSplit, text } = prepareTextSplits(ds, { validationSplit: 0.2, testSplit: 0.2, splitSeed: 5 });
  assert.equal(train.count + validation.count + testSplit.count, 60);
  assert.deepEqual([validation.count, testSplit.count], [10, 12]);
  const all = [...text.texts.train, ...text.texts.validation, ...text.texts.test];
  assert.equal(new Set(all).size, 60, 'disjoint splits');
  for (const [split, messages] of [
    [train, text.texts.train],
    [validation, text.texts.validation],
    [testSplit, text.texts.test],
  ] as const) {
    for (let r = 0; r < split.count; r++) {
      const row = Array.from(split.x.subarray(r * 6, r * 6 + 6), (id) => text.tokens[id]);
      assert.equal(row[1], words[split.y[r]], `row ${r} starts with its class word`);
      assert.equal(messages[r].split(' ')[0], words[split.y[r]], `message ${r} is its row's`);
      const number = messages[r].split(' ')[2];
      assert.equal(row[3], split === train ? number : '[UNK]', 'a number seen only outside training reads as UNK');
    }
  }
  assert.equal(text.vocabSize, 4 + 3 + 1 + train.count);
  assert.equal(text.tokens.length, text.vocabSize);
  assert.ok(Math.max(...train.x, ...validation.x, ...testSplit.x) < text.vocabSize);
});

test('minTokenCount: tokens training holds fewer times read as UNK, in training rows too', () => {
  const { train, text } = prepareTextSplits(dataset(), { validationSplit: 0.2, testSplit: 0.2, splitSeed: 5 }, 2);
  assert.deepEqual(text.tokens.slice(0, 4), ['[PAD]', '[UNK]', '[CLS]', '[SEP]']);
  assert.deepEqual(text.tokens.slice(4).sort(), ['blue', 'green', 'red', 'sample']);
  for (let r = 0; r < train.count; r++) assert.equal(text.tokens[train.x[r * 6 + 3]], '[UNK]', 'each number occurs once');
});

test('the split depends on data.splitSeed only: the same seed gives the same messages, another seed others', () => {
  const opts = { validationSplit: 0.2, testSplit: 0.2 };
  const a = prepareTextSplits(dataset(), { ...opts, splitSeed: 1 }).text.texts;
  const b = prepareTextSplits(dataset(), { ...opts, splitSeed: 1 }).text.texts;
  const c = prepareTextSplits(dataset(), { ...opts, splitSeed: 2 }).text.texts;
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.validation, c.validation);
});
