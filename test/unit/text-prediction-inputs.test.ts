// Text runs' prediction samples carry the message (its start, as plain text) and the WordPiece
// tokens the model reads, checked against the file's own messages and a fresh tokenisation.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { bertUncased } from '../../src/core/data/text/wordpiece';
import { prepareData } from '../../src/core/run/prepare-data';
import { messageStart, predictionInputs } from '../../src/core/train/loop';
import { DataConfig, PREDICTION_TEXT_CHARS, PredictionInput } from '../../src/shared/protocol';

const dir = mkdtempSync(join(tmpdir(), 'text-prediction-inputs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const WORDS = ['meeting', 'notes', 'cheap', 'pills', '<b>', 'offer', 'today', '&amp;'];
const MAX_LENGTH = 16;

/** Every message draws from the same few words, so the training split's vocabulary holds every token of validation. */
function messages(): { text: string; label: string }[] {
  return Array.from({ length: 80 }, (_, i) => {
    const words = Array.from({ length: 3 + (i % 5) }, (_, k) => WORDS[(i * 3 + k * 5) % WORDS.length]);
    // Every fourth message is long: past 400 characters and past maxLength tokens.
    const text = i % 4 === 0 ? `${words.join(' ')}\n${'meeting notes today '.repeat(30)}` : words.join(' ');
    return { text, label: i % 2 ? 'spam' : 'ham' };
  });
}

test('text prediction inputs: the message cut at 400 characters, and the non-padded tokens as WordPiece strings', async () => {
  const rows = messages();
  writeFileSync(join(dir, 'mail.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
  const config = DataConfig.parse({ dataset: { kind: 'text', train: 'mail.jsonl', maxLength: MAX_LENGTH } });
  const data = await prepareData(config, 12, dir);
  const inputs = predictionInputs(data);
  assert.equal(inputs.length, data.validation.count);
  assert.ok(inputs.length >= 6, `${inputs.length} validation samples`);

  const wordPiece = bertUncased();
  const validationTexts = data.text!.texts.validation!;
  let long = 0;
  for (const input of inputs) {
    PredictionInput.parse(input);
    const message = validationTexts[input.index];
    assert.ok(
      rows.some((r) => r.text === message),
      'the validation message is one of the file',
    );
    assert.equal(input.label, data.validation.y[input.index]);
    assert.equal(input.image, undefined);
    if (message.length > PREDICTION_TEXT_CHARS) {
      long++;
      assert.equal(input.text, `${message.slice(0, PREDICTION_TEXT_CHARS)}…`);
    } else {
      assert.equal(input.text, message);
    }
    const expected = ['[CLS]', ...wordPiece.encode(message, MAX_LENGTH - 2).map((id) => wordPiece.vocab[id]), '[SEP]'];
    assert.deepEqual(input.tokens, expected);
    assert.ok(input.tokens!.length <= MAX_LENGTH);
  }
  assert.ok(long > 0, 'some sample is a long message');
  assert.ok(
    inputs.some((i) => i.text!.includes('<b>') && i.tokens!.includes('<')),
    'a message holding "<b>" keeps it as plain text',
  );
});

test('messageStart never splits a surrogate pair and marks a cut', () => {
  assert.equal(messageStart('abc', 3), 'abc');
  assert.equal(messageStart('abcd', 3), 'abc…');
  assert.equal(messageStart('a😀b', 2), 'a😀…');
});

test('image and tabular prediction inputs carry no text', () => {
  const validation = { x: new Float32Array([0.5, 1, 0, 0.25]), y: new Int32Array([1, 0]), count: 2 };
  const inputs = predictionInputs({ sampleIndices: [1], validation, rawValidation: validation, inputShape: [2] });
  assert.deepEqual(inputs, [{ index: 1, label: 0, image: undefined }]);
});
