// A runs folder with damaged runs in it: every listing (the store's, the dashboard's, the
// comparison table's) shows the readable runs as usual and each damaged one as damaged, naming
// the file and why.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { listRunItems, readCompareRuns } from '../../src/host/dashboard/run-data';
import { comparedRun, comparisonTable } from '../../src/shared/report-table';
import { DamagedRunFile, markCompleted, markQueued, markRunning, readRuns, RunFolder, type DamagedRun } from '../../src/shared/run-folder';
import type { RunSummary } from '../../src/shared/protocol';

const runsDir = mkdtempSync(join(tmpdir(), 'distill-listing-'));
after(() => rmSync(runsDir, { recursive: true, force: true }));

const summary: RunSummary = {
  experiment: 'exp',
  method: 'kd',
  dataset: 'fashion-mnist-small',
  backend: 'wasm',
  seed: 1,
  wallTimeSec: 2,
  models: [{ role: 'student', arch: 'mlp 8', params: 100, bytes: 400, bestValAccuracy: 0.8, bestEpoch: 1, lastValAccuracy: 0.79, latencyMs: 0.1, wallTimeSec: 1 }],
};

function completedRun(id: string): RunFolder {
  const folder = new RunFolder(join(runsDir, 'exp', id));
  markQueued(folder, { method: 'kd' });
  markRunning(folder);
  folder.writeSummary(summary);
  markCompleted(folder);
  return folder;
}

/** A run whose `file` holds `text`; run.json is a completed one unless `file` is run.json. */
function runWith(id: string, file: 'run.json' | 'summary.json', text: string): RunFolder {
  const folder = completedRun(id);
  writeFileSync(file === 'run.json' ? folder.recordPath : folder.path('summary.json'), text);
  return folder;
}

const good = completedRun('run-1');
const truncatedRecord = runWith('run-2', 'run.json', '{ "id": "run-2", "experiment": "exp", "sta');
const unknownStatus = runWith('run-3', 'run.json', JSON.stringify({ id: 'run-3', experiment: 'exp', status: 'done', createdAt: '2026-01-01T00:00:00Z' }));
const truncatedSummary = runWith('run-4', 'summary.json', '{ "experiment": "exp", "models": [');
const badSummary = runWith('run-5', 'summary.json', JSON.stringify({ ...summary, models: [{ ...summary.models[0], params: 'many' }] }));
const stillQueued = new RunFolder(join(runsDir, 'other', 'run-1'));
markQueued(stillQueued, { method: 'scratch' });

describe('listing a runs folder with damaged runs', () => {
  const listed = readRuns(runsDir);
  const damaged = (folder: RunFolder) => listed.find((run): run is DamagedRun => run.runDir === folder.dir && run.kind === 'damaged');

  test('the readable runs list as usual', () => {
    assert.deepEqual(
      listed.map((run) => `${run.experiment}/${run.id}:${run.kind}`),
      ['exp/run-1:run', 'exp/run-2:damaged', 'exp/run-3:damaged', 'exp/run-4:damaged', 'exp/run-5:damaged', 'other/run-1:run'],
    );
    const first = listed[0];
    assert.ok(first.kind === 'run');
    assert.equal(first.record.status, 'completed');
    assert.deepEqual(first.summary, summary);
    const queued = listed[5];
    assert.ok(queued.kind === 'run' && queued.record.status === 'queued' && queued.summary === undefined);
  });

  test('each damaged one names the file and what is wrong with it', () => {
    assert.equal(damaged(truncatedRecord)?.damage.path, truncatedRecord.recordPath);
    assert.match(damaged(truncatedRecord)!.damage.reason, /^not JSON/);
    assert.match(damaged(unknownStatus)!.damage.reason, /^status: .*'done'/);
    assert.equal(damaged(truncatedSummary)?.damage.path, truncatedSummary.path('summary.json'));
    assert.match(damaged(truncatedSummary)!.damage.reason, /^not JSON/);
    assert.match(damaged(badSummary)!.damage.reason, /^models\.0\.params: Expected number, received string/);
    assert.equal(damaged(badSummary)?.record?.status, 'completed', 'a readable run.json is kept beside a damaged summary');
  });

  test('reading one damaged file directly is an error naming it, not a crash deep inside', () => {
    assert.throws(
      () => truncatedRecord.readRecord(),
      (error: unknown) => error instanceof DamagedRunFile && error.message.startsWith(`${truncatedRecord.recordPath} is damaged: not JSON`),
    );
    assert.equal(good.readSummary()?.seed, 1);
  });

  test('the dashboard lists them too, the damaged ones as damaged; only readable ones are compared', () => {
    const items = listRunItems(listed);
    assert.deepEqual(
      items.map((item) => `${item.id}:${item.status}`),
      ['run-1:completed', 'run-2:damaged', 'run-3:damaged', 'run-4:damaged', 'run-5:damaged', 'run-1:queued'],
    );
    assert.match(items[1].damage ?? '', /^run\.json: not JSON/);
    assert.equal(items[1].method, '?');
    assert.equal(items[5].method, 'scratch');
    assert.deepEqual(
      readCompareRuns(listed).map((run) => run.runDir),
      [good.dir],
    );
  });

  test('the comparison table gives a damaged run one row saying why', () => {
    const table = comparisonTable(listed.map(comparedRun));
    assert.match(table, /exp\/run-1 \[kd\]\s+student\s+mlp 8/);
    assert.match(table, /exp\/run-2 \[\?, damaged\]\s+\(damaged: run\.json: not JSON/);
    assert.match(table, /exp\/run-4 \[\?, damaged\]\s+\(damaged: summary\.json: not JSON/);
    assert.match(table, /other\/run-1 \[\?, queued\]\s+\(no models yet\)/);
  });
});
