import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareFixture } from './fixtures';
import { openDashboard, sharedHarness, type DashboardPage, type Harness, type OpenOptions } from './harness';

async function openCompare(harness: Harness, options: OpenOptions = {}): Promise<DashboardPage> {
  const dashboard = await openDashboard(harness, options);
  await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: '/runs', runs: [] }, { type: 'focus', focus: { view: 'compare' } });
  assert.deepEqual((await dashboard.posted()).at(-1), { type: 'requestCompare' });
  await dashboard.send({ type: 'compareData', runs: compareFixture() });
  await dashboard.page.waitForSelector('#compare-table tbody tr');
  return dashboard;
}

/** Text of one column, top to bottom. */
const column = (dashboard: DashboardPage, key: string) => dashboard.page.locator(`#compare-table tbody td[data-column="${key}"]`).allTextContents();

function sampleStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) };
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

describe('comparison (Chromium)', () => {
  const harness = sharedHarness();

  test('seeds of one config become one row per model with mean ± s.d.; a single run shows plain numbers', async () => {
    const dashboard = await openCompare(harness());
    // 3 seeds × (teacher, baseline, student) of the KD config → 3 rows; the scratch run → 1 row.
    assert.equal(await dashboard.page.locator('#compare-table tbody tr').count(), 4);
    const runs = compareFixture();
    const kdStudents = runs.slice(0, 3).map((r) => r.summary.models.find((m) => m.role === 'student')!);
    const headline = sampleStd(kdStudents.map((m) => m.testAccuracy!));
    const best = sampleStd(kdStudents.map((m) => m.bestValAccuracy));
    const last = sampleStd(kdStudents.map((m) => m.lastValAccuracy));
    const row = dashboard.page.locator('#compare-table tbody tr', { has: dashboard.page.locator('td[data-column="role"]', { hasText: /^student mlp 32$/ }) }).filter({ hasText: 'synthetic-kd' });
    assert.equal(await row.locator('td[data-column="test"]').textContent(), `${pct(headline.mean)} ± ${pct(headline.std)}`);
    assert.equal(await row.locator('td[data-column="best"]').textContent(), `${pct(best.mean)} ± ${pct(best.std)}`);
    assert.equal(await row.locator('td[data-column="last"]').textContent(), `${pct(last.mean)} ± ${pct(last.std)}`);
    assert.equal(await row.locator('td[data-column="seeds"]').textContent(), '3 (1, 2, 3)');
    assert.equal(await row.locator('td[data-column="method"]').textContent(), 'kd (T=4, α=0.9)');
    assert.equal(await row.locator('td[data-column="compression"]').textContent(), `${(29_034 / 25_450).toFixed(2)}×`);
    const scratch = dashboard.page.locator('#compare-table tbody tr').filter({ hasText: 'synthetic-scratch' });
    assert.equal(await scratch.locator('td[data-column="best"]').textContent(), '84.00%');
    assert.equal(await scratch.locator('td[data-column="test"]').textContent(), '—', 'a run from before test was kept apart has no test figure');
    assert.equal(await scratch.locator('td[data-column="params"]').textContent(), '269.3k');
    // Headers say which accuracy is which.
    assert.deepEqual(
      await dashboard.page
        .locator('#compare-table th[data-column="test"], #compare-table th[data-column="testLast"], #compare-table th[data-column="best"], #compare-table th[data-column="last"]')
        .allTextContents(),
      ['Test acc ▼', 'Test acc (last)', 'Best val acc', 'Last val acc'],
    );
    await dashboard.screenshot('compare-dark');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('clicking a header sorts by it, numbers as numbers; clicking again reverses', async () => {
    const dashboard = await openCompare(harness(), { theme: 'light' });
    // Default: test accuracy (the headline), highest first; a run without one goes last.
    const testDescending = (await column(dashboard, 'test')).filter((t) => t !== '—').map((t) => parseFloat(t));
    assert.deepEqual(
      testDescending,
      [...testDescending].sort((a, b) => b - a),
    );
    assert.equal((await column(dashboard, 'test')).at(-1), '—');

    const params = dashboard.page.locator('#compare-table th[data-column="params"]');
    await params.locator('button').click();
    assert.equal(await params.getAttribute('aria-sort'), 'descending');
    assert.equal(await dashboard.page.locator('#compare-table th[data-column="test"]').getAttribute('aria-sort'), 'none');
    const numbers = (texts: string[]) => texts.map((t) => parseFloat(t) * (t.endsWith('k') ? 1e3 : t.endsWith('M') ? 1e6 : 1));
    const down = numbers(await column(dashboard, 'params'));
    assert.deepEqual(
      down,
      [...down].sort((a, b) => b - a),
    );
    assert.equal(down[0], 269_300, '269.3k sorts above 29.0k (numbers, not text)');

    await params.locator('button').click();
    assert.equal(await params.getAttribute('aria-sort'), 'ascending');
    const up = numbers(await column(dashboard, 'params'));
    assert.deepEqual(
      up,
      [...up].sort((a, b) => a - b),
    );

    await dashboard.page.locator('#compare-table th[data-column="role"] button').click();
    const roles = await column(dashboard, 'role');
    assert.deepEqual(
      roles,
      [...roles].sort((a, b) => b.localeCompare(a)),
    );

    // Rows without agreement (teachers) stay last either way.
    for (let i = 0; i < 2; i++) {
      await dashboard.page.locator('#compare-table th[data-column="agreement"] button').click();
      const agreement = await column(dashboard, 'agreement');
      assert.deepEqual(agreement.slice(-2), ['—', '—'], `direction ${i}: ${agreement.join(' | ')}`);
    }
    await dashboard.screenshot('compare-light');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('the comparison is readable in high contrast (screenshot)', async () => {
    const dashboard = await openCompare(harness(), { theme: 'high-contrast' });
    await dashboard.screenshot('compare-high-contrast');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });
});
