import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTextFile } from '../../src/core/data/text/read-text-file';
import { SPAMASSASSIN_CLASSES, findTextDataset } from '../../src/core/data/text/spamassassin';
import { prepareData } from '../../src/core/run/prepare-data';
import { parseExperimentConfig } from '../../src/shared/protocol';

const read = (split: string) => readTextFile(join(findTextDataset(), `${split}.jsonl.gz`), { textField: 'text', labelField: 'label' });
const counts = (labels: string[]) => SPAMASSASSIN_CLASSES.map((c) => labels.filter((l) => l === c).length);

test('spamassassin: three classes, the documented counts, a stratified 80/20 split with no message in both', () => {
  const train = read('train');
  const test = read('test');
  assert.deepEqual(counts(train.labels), [3086, 198, 1407]);
  assert.deepEqual(counts(test.labels), [772, 50, 352]);
  assert.equal(train.labels.length + test.labels.length, 5865);
  for (const [c, n] of counts(test.labels).entries()) {
    const total = n + counts(train.labels)[c];
    assert.ok(Math.abs(n - total * 0.2) <= 0.5, `${SPAMASSASSIN_CLASSES[c]}: ${n} of ${total} in test`);
  }
  const key = (t: string) => t.toLowerCase().replace(/\s+/g, ' ').trim();
  const seen = new Set(train.texts.map(key));
  assert.equal(seen.size, train.texts.length, 'no duplicate within train');
  assert.equal(test.texts.filter((t) => seen.has(key(t))).length, 0, 'no test message repeats a training message');
  assert.ok(
    train.texts.every((t) => t.trim().length > 0 && !t.includes('\ufffd') && !/<(html|body)\b/i.test(t) && (!t.includes('\n') || t.slice(t.indexOf('\n') + 1).length <= 1000)),
    'plain text (no HTML tags, no undecoded characters): a subject and at most 1,000 body characters',
  );
});

test('the built-in text set loads as token rows of maxLength; a run seed never changes the split, data.splitSeed does', async () => {
  const data = (seed: number, splitSeed: number) =>
    prepareData(parseExperimentConfig({ seed, data: { dataset: { kind: 'builtin', name: 'spamassassin', maxLength: 16 }, splitSeed, limitTrain: 400 } }).data, 3, undefined);
  const [a, b, c] = await Promise.all([data(1, 0), data(2, 0), data(1, 7)]);
  assert.deepEqual(a.text?.texts, b.text?.texts);
  assert.deepEqual([...a.validation.x], [...b.validation.x]);
  assert.notDeepEqual(a.text?.texts.validation, c.text?.texts.validation);
  assert.deepEqual(a.inputShape, [16]);
  assert.deepEqual(a.classNames, SPAMASSASSIN_CLASSES);
  // Validation: 10 % of the 4,691 training messages; test: the set's own 1,174.
  assert.deepEqual([a.train.count, a.validation.count, a.test.count], [400, 469, 1174]);
  assert.equal(a.text?.texts.validation.length, 469);
  assert.equal(a.text?.tokens[a.train.x[0]], '[CLS]');
  // Token ids go to the model as they are (never normalised), below the vocabulary of the 400 training messages.
  assert.ok(a.train.x.every((id) => Number.isInteger(id) && id >= 0 && id < a.text!.vocabSize));
  assert.equal(a.rawValidation, a.validation);
});
