// A real run folder, written by the CLI on the built-in dataset, read by the host's own code
// (src/dashboard/run-data.ts) and drawn by the webview: the shapes of real events, not fixtures.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listRunItems, readCompareRuns, readRunHistory } from '../../src/host/dashboard/run-data';
import { readRuns } from '../../src/shared/run-folder';
import { ensureBuilt, ROOT } from '../support/build';
import { OUTPUT, openDashboard, startHarness, type Harness } from './harness';

const RUNS = join(OUTPUT, 'runs');

function tinyRun(seed: number): void {
  const { cli } = ensureBuilt();
  execFileSync(
    process.execPath,
    [
      cli,
      'run',
      '--method',
      'kd',
      '--teacher',
      'cnn:8,16',
      '--student',
      'mlp:16',
      '--epochs',
      '3',
      '--teacher-epochs',
      '2',
      '--limit-train',
      '600',
      '--limit-validation',
      '200',
      '--max-steps',
      '6',
      '--backend',
      'wasm',
      '--name',
      'real-kd',
      '--seed',
      String(seed),
      '--runs-dir',
      RUNS,
    ],
    { cwd: ROOT, stdio: 'pipe' },
  );
}

describe('a real run in the dashboard (CLI → run folder → host reader → Chromium)', () => {
  let harness: Harness;
  before(async () => {
    rmSync(RUNS, { recursive: true, force: true });
    tinyRun(1);
    tinyRun(2);
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  test('its history draws every epoch of every phase, and its predictions show the teacher beside both students', async () => {
    const runs = listRunItems(readRuns(RUNS));
    assert.equal(runs.length, 2);
    const history = readRunHistory(runs[0].runDir);
    const epochs = history.events.filter((e) => e.type === 'epoch');
    assert.equal(epochs.length, 2 + 3 + 3);
    assert.equal(history.events.filter((e) => e.type === 'predictions').length, 3, 'only the latest predictions of each phase are sent');

    const dashboard = await openDashboard(harness);
    await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: RUNS, runs }, { type: 'focus', focus: { view: 'run', runDir: runs[0].runDir } });
    assert.deepEqual((await dashboard.posted()).at(-1), { type: 'openRun', runDir: runs[0].runDir });
    await dashboard.send({ type: 'runHistory', history });
    await dashboard.page.waitForSelector('.sample canvas');
    await dashboard.page.waitForFunction(() => Number(document.querySelector<HTMLElement>('.charts')?.dataset.points) > 0);
    assert.match((await dashboard.page.locator('#run-status').textContent()) ?? '', /^completed/);
    assert.deepEqual(
      await dashboard.page
        .locator('.sample')
        .first()
        .locator('.model')
        .evaluateAll((models) => models.map((m) => (m as HTMLElement).dataset.role)),
      ['teacher', 'student-scratch', 'student'],
    );
    assert.match((await dashboard.page.locator('.truth').first().textContent()) ?? '', /^true: (T-shirt\/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot)$/);
    await dashboard.screenshot('real-run');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('the two seeds of its config become mean ± s.d. rows in the comparison', async () => {
    const compare = readCompareRuns(readRuns(RUNS));
    assert.equal(compare.length, 2);
    const dashboard = await openDashboard(harness);
    await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: RUNS, runs: listRunItems(readRuns(RUNS)) }, { type: 'focus', focus: { view: 'compare' } });
    await dashboard.send({ type: 'compareData', runs: compare });
    await dashboard.page.waitForSelector('#compare-table tbody tr');
    assert.equal(await dashboard.page.locator('#compare-table tbody tr').count(), 3);
    assert.deepEqual(await dashboard.page.locator('#compare-table td[data-column="seeds"]').allTextContents(), ['2 (1, 2)', '2 (1, 2)', '2 (1, 2)']);
    await dashboard.screenshot('real-compare');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });
});
