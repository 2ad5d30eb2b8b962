// Text data through a real run: token ids are never augmented as images.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runExperiment } from '../../src/core/run/experiment';
import { tinyConfig } from '../support/tiny-config';

const dir = mkdtempSync(join(tmpdir(), 'data-text-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const transformer = { arch: 'transformer', layers: 1, hidden: 8, heads: 2, maxLength: 8 } as const;

test('train.augment with a text data set fails the run, naming the field', async () => {
  const rows = Array.from({ length: 40 }, (_, i) => `{"text":"${i % 2 ? 'cheap pills' : 'meeting notes'} ${i}","label":"${i % 2 ? 'spam' : 'ham'}"}`);
  writeFileSync(join(dir, 'mail.jsonl'), rows.join('\n'));
  const config = tinyConfig({
    data: { dataset: { kind: 'text', train: 'mail.jsonl', maxLength: 8 } },
    // Transformers, which read token ids: the run start refuses image models on text before it reaches augment.
    teacher: { model: transformer },
    student: { model: transformer },
    train: { epochs: 1, batchSize: 8, augment: {} },
    baseline: false,
  });
  await assert.rejects(runExperiment(config, { runDir: join(dir, 'run'), baseDir: dir }), /train\.augment: expected image inputs \[height, width, channels\], got inputs of \[8\]/);
});
