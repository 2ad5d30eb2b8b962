// An image teacher or student on a text data set parses (the form and the CLI may name one, e.g.
// the image demo with --data spamassassin) but the run refuses it before anything trains: an MLP
// would otherwise train on token ids as if they were pixels.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseExperimentConfig, runStartModelProblems, type ExperimentConfigInput } from '../../src/shared/protocol';
import { assertRejectedBeforeTraining, scratchDir } from '../support/method-run';
import { writeMessagesCsv } from '../support/text-messages';

const transformer = { arch: 'transformer', layers: 1, hidden: 8, heads: 2, maxLength: 8, dropout: 0 } as const;
const spam = { dataset: { kind: 'builtin', name: 'spamassassin', maxLength: 8 } } as const;
const problemsOf = (input: ExperimentConfigInput) => runStartModelProblems(parseExperimentConfig(input));

describe('image models on text data are refused at run start', () => {
  const dir = scratchDir('run-start-model-kinds');
  after(() => dir.remove());

  test('each image model the run would build on text is named, with the data set; transformers and image data pass', () => {
    assert.deepEqual(problemsOf({ data: spam, teacher: { model: { arch: 'mlp', hidden: [8] } }, student: { model: { arch: 'cnn' } } }), [
      'config.teacher.model.arch: mlp reads images or features, but data.dataset is the built-in set "spamassassin" (token ids); choose transformer',
      'config.student.model.arch: cnn reads images or features, but data.dataset is the built-in set "spamassassin" (token ids); choose transformer',
    ]);
    assert.deepEqual(problemsOf({ data: spam, teacher: { model: transformer }, student: { model: transformer } }), []);
    assert.deepEqual(problemsOf({ teacher: { model: { arch: 'mlp', hidden: [8] } } }), []);
  });

  test('a teacher that is loaded, or that the method does not use, is not built here and not refused', () => {
    assert.deepEqual(problemsOf({ data: spam, teacher: { model: { arch: 'mlp', hidden: [8] }, checkpoint: 'teacher' }, student: { model: transformer } }), []);
    assert.deepEqual(problemsOf({ data: spam, teacher: { model: { arch: 'mlp', hidden: [8] } }, student: { model: transformer }, method: { name: 'scratch' } }), []);
  });

  test('a run of an MLP teacher on a CSV of messages fails before any epoch, naming the field', async () => {
    const csv = writeMessagesCsv(dir.path('messages.csv'), 24, () => 3);
    const config: ExperimentConfigInput = {
      name: 'mlp-on-text',
      data: { dataset: { kind: 'text', train: csv, maxLength: 8 } },
      teacher: { model: { arch: 'mlp', hidden: [8] } },
      student: { model: transformer },
      baseline: false,
      backend: 'cpu',
    };
    await assertRejectedBeforeTraining(
      config,
      dir.path('run'),
      /config\.teacher\.model\.arch: mlp reads images or features, but data\.dataset is data of kind "text" \(token ids\); choose transformer/,
    );
  });
});
