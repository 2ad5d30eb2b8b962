// Each text method end to end through runExperiment: a user's CSV of a few dozen short messages
// (three classes told apart by their words), tokenised by the data pipeline, a tiny transformer
// teacher trained, then the student's stages; every loss term finite and the total falling.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { ExperimentConfigInput } from '../../src/shared/protocol';
import { assertRejectedBeforeTraining, assertTrains, runMethod, scratchDir } from '../support/method-run';
import { writeMessagesCsv } from '../support/text-messages';

const dir = scratchDir('text-methods');
const csv = writeMessagesCsv(dir.path('messages.csv'), 48, () => 4);

function textConfig(method: Record<string, unknown>): ExperimentConfigInput {
  return {
    name: 'text',
    data: { dataset: { kind: 'text', train: csv, maxLength: 8 } },
    teacher: { model: { arch: 'transformer', layers: 2, hidden: 16, heads: 2, maxLength: 8, dropout: 0 }, train: { epochs: 3, batchSize: 8, learningRate: 3e-3 } },
    student: { model: { arch: 'transformer', layers: 1, hidden: 16, heads: 2, maxLength: 8, dropout: 0 } },
    method: method as ExperimentConfigInput['method'],
    train: { epochs: 3, batchSize: 8, learningRate: 3e-3 },
    baseline: false,
    predictionSamples: 2,
    backend: 'cpu',
  };
}

describe('text methods, end to end on a handful of messages', () => {
  after(() => dir.remove());

  for (const [method, phases] of [
    [{ name: 'distilbert' }, { student: ['kd', 'cos', 'ce'] }],
    [{ name: 'tinybert' }, { 'student-intermediate': ['embedding', 'hidden', 'attention'], student: ['soft'] }],
    [{ name: 'minilm' }, { 'student-intermediate': ['attention', 'value'], student: ['ce'] }],
  ] as const) {
    test(`${method.name}: every stage trains, each term reported`, async () => {
      const run = await runMethod(textConfig(method), dir.path(method.name));
      assert.deepEqual(run.phases, ['teacher', ...Object.keys(phases)]);
      for (const [phase, terms] of Object.entries(phases)) assertTrains(run, phase, [...terms]);
      assert.ok(run.summary.models.some((m) => m.role === 'student'));
    });
  }

  test('pkd: the patience term on [CLS] trains with a two-layer student', async () => {
    const config = textConfig({ name: 'pkd' });
    const run = await runMethod({ ...config, student: { model: { arch: 'transformer', layers: 2, hidden: 16, heads: 2, maxLength: 8, dropout: 0 } } }, dir.path('pkd'));
    assertTrains(run, 'student', ['ce', 'kd', 'pkd']);
  });

  test('at with transformers is refused before any epoch, naming the text methods', async () => {
    await assertRejectedBeforeTraining(textConfig({ name: 'at' }), dir.path('at'), /image feature maps.*DistilBERT/);
  });
});
