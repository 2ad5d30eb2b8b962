// train.threads = 2 through a whole text run: the transformer teacher and both TinyBERT stages
// share each step out over a worker, say so, train, and give the same losses again from the same
// seed — with dropout on, whose masks each shard draws from the run's seed, the step and the shard.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { ExperimentConfigInput, TrainerEvent } from '../../src/shared/protocol';
import { assertTrains, runMethod, scratchDir } from '../support/method-run';
import { writeMessagesCsv } from '../support/text-messages';

const dir = scratchDir('threads-text');
// 36 messages of 2 to 6 words: shards hold different numbers of real tokens.
const csv = writeMessagesCsv(dir.path('messages.csv'), 36, (i) => 2 + (i % 5));

const transformer = (layers: number) => ({ arch: 'transformer', layers, hidden: 16, heads: 2, maxLength: 16, dropout: 0.1 }) as const;
const config: ExperimentConfigInput = {
  name: 'text-threads',
  data: { dataset: { kind: 'text', train: csv, maxLength: 16 } },
  teacher: { model: transformer(2), train: { epochs: 2, batchSize: 8, learningRate: 3e-3, threads: 2 } },
  student: { model: transformer(1) },
  method: { name: 'tinybert' },
  train: { epochs: 2, batchSize: 8, learningRate: 3e-3, threads: 2 },
  baseline: false,
  predictionSamples: 2,
  backend: 'wasm',
};

const logs = (events: TrainerEvent[]) => events.flatMap((e) => (e.type === 'log' ? [e.message] : []));

describe('train.threads on a text run', () => {
  after(() => dir.remove());

  test('tinybert on 2 threads: teacher and both stages data parallel, trained, and the same losses again from the same seed', async () => {
    const first = await runMethod(config, dir.path('a'));
    assert.deepEqual(first.phases, ['teacher', 'student-intermediate', 'student']);
    for (const phase of first.phases) {
      assert.ok(
        logs(first.events).some((m) => m.startsWith(`${phase}: 2 threads, data parallel`)),
        `${phase} says it runs on 2 threads: ${logs(first.events).join(' | ')}`,
      );
    }
    assert.ok(!logs(first.events).some((m) => m.includes('one thread')));
    assertTrains(first, 'student-intermediate', ['embedding', 'hidden', 'attention']);
    const second = await runMethod(config, dir.path('b'));
    assert.deepEqual(
      second.epochs.map((e) => e.losses),
      first.epochs.map((e) => e.losses),
    );
  });
});
