// The run charts' x axis counts epochs: its tick labels, as chart.js drew them (each canvas's
// data-x-ticks), are whole epochs as integers and fractions with at most two decimals, on a
// one-epoch run (a tiny range, where chart.js's own format gave "1.00000000000000000000") as on a
// longer one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { historyOf, syntheticEvents } from './fixtures';
import { openDashboard, sharedHarness, type DashboardPage } from './harness';

const RUN = '/runs/synthetic-kd/run-1';
const PANELS = ['loss', 'accuracy', 'agreement'];
const SHORT = /^\d+(\.\d{1,2})?$/;

async function xTicks(options: { epochs: number; withSteps: boolean }, dashboard: DashboardPage): Promise<Record<string, string[]>> {
  await dashboard.send(
    {
      type: 'init',
      uiUpdatesPerSecond: 4,
      runsDir: '/runs',
      runs: [{ runDir: RUN, id: 'run-1', experiment: 'synthetic-kd', status: 'completed', method: 'kd', createdAt: '2026-01-01T00:00:00.000Z' }],
    },
    { type: 'focus', focus: { view: 'run', runDir: RUN } },
  );
  await dashboard.send({ type: 'runHistory', history: historyOf(RUN, syntheticEvents({ ...options, withPredictions: false })) });
  await dashboard.page.waitForFunction(() => Number(document.querySelector<HTMLElement>('.charts')?.dataset.points) > 0);
  const ticks: Record<string, string[]> = {};
  for (const panel of PANELS) ticks[panel] = JSON.parse((await dashboard.page.locator(`#chart-${panel}`).getAttribute('data-x-ticks')) ?? '[]');
  return ticks;
}

describe('run charts: the epoch axis (Chromium)', () => {
  const harness = sharedHarness();

  for (const withSteps of [false, true]) {
    test(`one epoch${withSteps ? ' with step points' : ''}: every x tick label is short ("1", not "1.00000000000000000000"), and epoch 1 is labelled`, async () => {
      const dashboard = await openDashboard(harness());
      const ticks = await xTicks({ epochs: 1, withSteps }, dashboard);
      await dashboard.screenshot(`chart-axis-one-epoch${withSteps ? '-steps' : ''}`);
      for (const panel of PANELS) {
        assert.ok(ticks[panel].length > 0, `${panel}: ticks drawn`);
        for (const label of ticks[panel]) assert.match(label, SHORT, `${panel}: ${JSON.stringify(ticks[panel])}`);
        assert.ok(ticks[panel].includes('1'), `${panel}: epoch 1 labelled: ${JSON.stringify(ticks[panel])}`);
      }
      assert.deepEqual(await dashboard.problems(), []);
      await dashboard.close();
    });
  }

  test('six epochs with step points: the labels are whole epochs, 1 to 6', async () => {
    const dashboard = await openDashboard(harness());
    const ticks = await xTicks({ epochs: 6, withSteps: true }, dashboard);
    for (const panel of PANELS) {
      for (const label of ticks[panel]) assert.match(label, /^\d$/, `${panel}: ${JSON.stringify(ticks[panel])}`);
      for (const epoch of ['2', '3', '4', '5']) assert.ok(ticks[panel].includes(epoch), `${panel}: epoch ${epoch} labelled: ${JSON.stringify(ticks[panel])}`);
    }
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });
});
