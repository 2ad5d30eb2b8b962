import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configFromArgs } from '../../src/cli/run-flags';
import { DEMO_CONFIG } from '../../src/cli/demo-config';
import { parseExperimentConfig } from '../../src/shared/protocol';

const dataset = (args: string[], base?: typeof DEMO_CONFIG) => parseExperimentConfig(configFromArgs(args, base).config).data.dataset;

test('--data picks a built-in set, --text the user text, --max-length the row length; the default stays fashion-mnist-small', () => {
  assert.deepEqual(dataset([]), { kind: 'builtin', name: 'fashion-mnist-small' });
  assert.equal(configFromArgs([]).config.data, undefined, 'no data flag leaves the config alone');
  assert.deepEqual(dataset(['--data', 'spamassassin']), { kind: 'builtin', name: 'spamassassin' });
  assert.deepEqual(dataset(['--data', 'spamassassin', '--max-length', '64'], DEMO_CONFIG), { kind: 'builtin', name: 'spamassassin', maxLength: 64 });
  assert.deepEqual(dataset(['--text', 'mail.csv', '--text-test', 'held.csv', '--text-field', 'body', '--label-field', 'class', '--max-length', '96', '--limit-train', '50']), {
    kind: 'text',
    train: 'mail.csv',
    test: 'held.csv',
    textField: 'body',
    labelField: 'class',
    maxLength: 96,
  });
  assert.deepEqual(dataset(['--text', 'mail.jsonl']), { kind: 'text', train: 'mail.jsonl', textField: 'text', labelField: 'label', maxLength: 128 });
});

test('data flags that do not fit are refused, naming the flag and what was expected', () => {
  assert.throws(() => configFromArgs(['--data', 'mnist']), /--data: expected a built-in data set \(fashion-mnist-small, spamassassin\), got "mnist"/);
  assert.throws(() => configFromArgs(['--data', 'spamassassin', '--text', 'a.csv']), /--data and --text: expected one data set, got both/);
  assert.throws(() => configFromArgs(['--max-length', '64']), /--max-length: applies to text data/);
  assert.throws(() => configFromArgs(['--data', 'fashion-mnist-small', '--max-length', '64']), /--max-length: applies to text data/);
  assert.throws(() => configFromArgs(['--text-field', 'body']), /--text-field: expected your own text data \(--text FILE\) with it/);
  assert.throws(() => configFromArgs(['--data', 'spamassassin', '--max-length', 'long']), /--max-length: expected a number, got "long"/);
  assert.throws(() => parseExperimentConfig(configFromArgs(['--data', 'spamassassin', '--max-length', '1000']).config), /maxLength/);
});
