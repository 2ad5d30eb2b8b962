// Issue 8's "the same from the CLI": `distill-lab demo-text --method <m>` runs the built-in text
// demo with TinyBERT, DistilBERT, PKD or MiniLM (made small by the run's own flags), printing each
// stage's epoch with its loss terms and the table; the run folder holds the text predictions and
// the attention maps the views read.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readRuns } from '../../src/shared/run-folder';
import { ensureBuilt } from '../support/build';

const SMALL = ['--epochs', '1', '--teacher-epochs', '1', '--max-steps', '2', '--limit-train', '96', '--limit-validation', '32', '--limit-test', '32', '--no-baseline', '--set', 'predictionSamples=2'];

describe('distill-lab demo-text with the text methods', () => {
  let cli: string;
  let dir: string;
  before(() => {
    cli = ensureBuilt().cli;
    dir = mkdtempSync(join(tmpdir(), 'distill-cli-text-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [method, stages] of [
    ['tinybert', { 'student-intermediate': ['embedding', 'hidden', 'attention'], student: ['soft'] }],
    ['distilbert', { student: ['kd', 'cos', 'ce'] }],
    ['pkd', { student: ['ce', 'kd', 'pkd'] }],
    ['minilm', { 'student-intermediate': ['attention', 'value'], student: ['ce'] }],
  ] as const) {
    test(`--method ${method}: its stages print their terms, the table lists the students, and the run keeps text predictions and attention maps`, () => {
      const runsDir = join(dir, method);
      const r = spawnSync(process.execPath, [cli, 'demo-text', '--method', method, '--runs-dir', runsDir, ...SMALL], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`phases teacher → ${Object.keys(stages).join(' → ')}\\n`));
      for (const [phase, terms] of Object.entries(stages) as [string, readonly string[]][]) {
        assert.match(r.stderr, new RegExp(`^${phase} epoch 1/1  ${terms.map((t) => `${t} \\d+\\.\\d{4}`).join('  ')}  total \\d+\\.\\d{4}  train`, 'm'), `${phase}'s line`);
      }
      // Filed under a name that says the method: the demo's own for DistilBERT, demo-text-<method> for the others.
      assert.match(r.stdout, new RegExp(`^${method === 'distilbert' ? 'demo-distilbert' : `demo-text-${method}`} · method ${method} · spamassassin · `, 'm'));
      for (const row of ['teacher', ...Object.keys(stages)]) assert.match(r.stdout, new RegExp(`^${row} +transformer ${row === 'teacher' ? '4x64h2' : '2x64h2'} `, 'm'), `the ${row} row`);

      const [run] = readRuns(runsDir);
      assert.ok(run && run.kind === 'run' && run.record.status === 'completed');
      const folder = run.folder;
      const inputs = folder.readEvents().find((e) => e.type === 'predictionInputs');
      assert.ok(inputs && inputs.type === 'predictionInputs' && inputs.samples.length === 2);
      for (const sample of inputs.samples) assert.ok(sample.text && sample.tokens?.[0] === '[CLS]' && sample.tokens.at(-1) === '[SEP]', JSON.stringify(sample));
      const knowledge = run.summary?.knowledge;
      assert.equal(knowledge?.attention?.count, 2);
      assert.deepEqual(
        knowledge?.models.filter((m) => m.attention).map((m) => [m.role, m.attention!.layers, m.attention!.heads]),
        [['teacher', 4, 2], ...Object.keys(stages).map((role) => [role, 2, 2])],
      );
    });
  }
});
