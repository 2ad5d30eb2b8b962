// The knowledge views from real run folders (CLI → stored logits and embeddings → the host's
// reader → Chromium): every number on the page checked against this file's own computation from
// the stored files, label contrast of every heatmap in the three themes, a damaged file, and two
// runs side by side on the comparison page. Screenshots of each view land in test-output/webview/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readRunKnowledge } from '../../src/host/dashboard/knowledge-data';
import { listRunItems, readCompareRuns, readRunHistory } from '../../src/host/dashboard/run-data';
import { RunFolder, readRuns } from '../../src/shared/run-folder';
import type { DashboardRunItem } from '../../src/shared/protocol';
import { createRng } from '../../src/core/data/rng';
import { encodeArray } from '../../src/shared/knowledge-files';
import { ensureBuilt, ROOT } from '../support/build';
import { OUTPUT, openDashboard, startHarness, type DashboardPage, type Harness } from './harness';
import type { ThemeName } from './themes';

const RUNS = join(OUTPUT, 'knowledge-runs');

function run(seed: number, temperature: number): void {
  const { cli } = ensureBuilt();
  const args = ['run', '--method', 'kd', '--teacher', 'cnn:8,16+fc32', '--student', 'mlp:16', '--epochs', '3', '--teacher-epochs', '3', '--limit-train', '1500', '--limit-validation', '300'];
  args.push('--max-steps', '20', '--backend', 'wasm', '--name', `knowledge-t${temperature}`, '--seed', String(seed), '--temperature', String(temperature), '--runs-dir', RUNS);
  execFileSync(process.execPath, [cli, ...args], { cwd: ROOT, stdio: 'pipe' });
}

// ---- this file's own arithmetic, from the stored files (not the webview's modules) ----
interface Stored {
  classes: number;
  labels: Int32Array;
  logits: Map<string, Float32Array>;
}

function readStored(runDir: string): Stored {
  const folder = new RunFolder(runDir);
  const index = folder.readSummary()!.knowledge!;
  const buffer = (file: string) => readFileSync(folder.path(file));
  const ints = (file: string) => {
    const b = buffer(file);
    return Int32Array.from({ length: b.length / 4 }, (_, i) => b.readInt32LE(i * 4));
  };
  const floats = (file: string) => {
    const b = buffer(file);
    return Float32Array.from({ length: b.length / 4 }, (_, i) => b.readFloatLE(i * 4));
  };
  return { classes: index.classes, labels: ints(index.labels), logits: new Map(index.models.map((m) => [m.role, floats(m.logits)])) };
}

function soft(logits: Float32Array, i: number, classes: number, T: number): number[] {
  const row = Array.from(logits.subarray(i * classes, (i + 1) * classes));
  const top = Math.max(...row);
  const e = row.map((z) => Math.exp((z - top) / T));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function meanSoftTarget(stored: Stored, role: string, T: number, trueClass: number, column: number): number {
  const logits = stored.logits.get(role)!;
  let sum = 0;
  let n = 0;
  stored.labels.forEach((y, i) => {
    if (y !== trueClass) return;
    sum += soft(logits, i, stored.classes, T)[column];
    n++;
  });
  return sum / n;
}

function meanEntropy(stored: Stored, role: string, T: number): number {
  const logits = stored.logits.get(role)!;
  let sum = 0;
  for (let i = 0; i < stored.labels.length; i++) sum -= soft(logits, i, stored.classes, T).reduce((h, p) => (p > 0 ? h + p * Math.log2(p) : h), 0);
  return sum / stored.labels.length;
}

function ece(stored: Stored, role: string): number {
  const logits = stored.logits.get(role)!;
  const bins = Array.from({ length: 15 }, () => ({ n: 0, conf: 0, right: 0 }));
  stored.labels.forEach((y, i) => {
    const p = soft(logits, i, stored.classes, 1);
    const top = p.indexOf(Math.max(...p));
    const bin = bins[Math.min(14, Math.ceil(p[top] * 15) - 1)];
    bin.n++;
    bin.conf += p[top];
    if (top === y) bin.right++;
  });
  return bins.reduce((sum, b) => (b.n ? sum + (b.n / stored.labels.length) * Math.abs(b.right / b.n - b.conf / b.n) : sum), 0);
}

const argmax = (logits: Float32Array, i: number, classes: number) => {
  const row = Array.from(logits.subarray(i * classes, (i + 1) * classes));
  return row.indexOf(Math.max(...row));
};

// ---- the page ----
async function openRunPage(harness: Harness, runs: DashboardRunItem[], runDir: string, theme: ThemeName = 'dark'): Promise<DashboardPage> {
  const dashboard = await openDashboard(harness, { theme, height: 1000 });
  await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: RUNS, runs }, { type: 'focus', focus: { view: 'run', runDir } });
  await dashboard.send({ type: 'runHistory', history: readRunHistory(runDir) });
  await answerKnowledge(dashboard);
  await dashboard.page.waitForSelector('#knowledge[data-state="ready"]');
  return dashboard;
}

/** Plays the host: answers every requestKnowledge posted so far with the host's reader. */
async function answerKnowledge(dashboard: DashboardPage, answered = new Set<number>()): Promise<void> {
  const posted = await dashboard.posted();
  for (const [k, message] of posted.entries()) {
    if (message.type !== 'requestKnowledge' || answered.has(k)) continue;
    answered.add(k);
    await dashboard.send({ type: 'knowledge', runDir: message.runDir, ...readRunKnowledge(message.runDir) });
  }
}

const cellValue = (dashboard: DashboardPage, map: string, row: number, column: number) =>
  dashboard.page.locator(`#${map} td[data-row="${row}"][data-column="${column}"]`).evaluate((cell) => Number((cell as HTMLElement).dataset.value));

/** WCAG contrast of each heatmap cell's text on its own background, and of the header labels on the page. */
async function labelContrasts(dashboard: DashboardPage): Promise<{ cells: number[]; headers: number[] }> {
  return dashboard.page.evaluate(() => {
    const rgb = (text: string) => (text.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const lum = (c: number[]) => {
      const [r, g, b] = c.map((v) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a: number[], b: number[]) => {
      const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
      return (hi + 0.05) / (lo + 0.05);
    };
    const page = rgb(getComputedStyle(document.body).backgroundColor);
    const cells = Array.from(document.querySelectorAll<HTMLElement>('.heatmap td'))
      .filter((cell) => cell.textContent)
      .map((cell) => {
        const style = getComputedStyle(cell);
        const background = style.backgroundColor === 'rgba(0, 0, 0, 0)' ? page : rgb(style.backgroundColor);
        return ratio(rgb(style.color), background);
      });
    const headers = Array.from(document.querySelectorAll<HTMLElement>('.heatmap th')).map((th) => ratio(rgb(getComputedStyle(th).color), page));
    return { cells, headers };
  });
}

describe('knowledge views (real runs in Chromium)', () => {
  let harness: Harness;
  let runs: DashboardRunItem[];
  let kd4: string;

  before(async () => {
    rmSync(RUNS, { recursive: true, force: true });
    run(1, 4);
    run(2, 8);
    runs = listRunItems(readRuns(RUNS));
    kd4 = runs.find((r) => r.experiment === 'knowledge-t4')!.runDir;
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  test('dark knowledge, entropy, calibration, confusions and representations show the stored numbers', async () => {
    const stored = readStored(kd4);
    const dashboard = await openRunPage(harness, runs, kd4);
    const page = dashboard.page;

    // Dark knowledge at the run's T = 4: teacher and student maps, and their difference.
    assert.equal(await page.locator('#knowledge-temperature').inputValue(), '4');
    assert.equal(await page.locator('#dark-teacher td').count(), 100);
    for (const [row, column] of [
      [6, 0],
      [0, 6],
      [2, 4],
      [9, 9],
    ]) {
      const teacher = meanSoftTarget(stored, 'teacher', 4, row, column);
      const student = meanSoftTarget(stored, 'student', 4, row, column);
      assert.ok(Math.abs((await cellValue(dashboard, 'dark-teacher', row, column)) - teacher) < 1e-6, `teacher ${row}→${column}`);
      assert.ok(Math.abs((await cellValue(dashboard, 'dark-student', row, column)) - student) < 1e-6, `student ${row}→${column}`);
      assert.ok(Math.abs((await cellValue(dashboard, 'dark-difference', row, column)) - (student - teacher)) < 1e-6, `difference ${row}→${column}`);
    }
    // The slider recomputes from the stored logits.
    await page.locator('#knowledge-temperature').fill('1');
    assert.equal(await page.locator('#knowledge-temperature-value').textContent(), 'T = 1');
    assert.ok(Math.abs((await cellValue(dashboard, 'dark-teacher', 6, 0)) - meanSoftTarget(stored, 'teacher', 1, 6, 0)) < 1e-6);
    await page.locator('#knowledge-temperature').fill('4');
    await page.locator('#dark-knowledge').screenshot({ path: join(OUTPUT, 'knowledge-dark.png') });

    // Entropy: the caption's figures for the teacher at T = 1 and 20, against log2 10.
    const entropyCaption = (await page.locator('#chart-entropy').getAttribute('aria-label')) ?? '';
    const h1 = meanEntropy(stored, 'teacher', 1).toFixed(2);
    const h20 = meanEntropy(stored, 'teacher', 20).toFixed(2);
    assert.ok(entropyCaption.includes(`${h1} bits at T = 1, ${h20} at T = 20 (ceiling ${Math.log2(10).toFixed(2)})`), entropyCaption);
    await page
      .locator('#chart-entropy')
      .locator('xpath=ancestor::figure')
      .screenshot({ path: join(OUTPUT, 'knowledge-entropy.png') });

    // Calibration: ECE of each model, 15 bins.
    for (const [which, role] of [
      ['teacher', 'teacher'],
      ['scratch', 'student-scratch'],
      ['distilled', 'student'],
    ]) {
      const shown = Number(await page.locator(`#chart-reliability-${which}`).locator('xpath=ancestor::figure').getAttribute('data-ece'));
      assert.ok(Math.abs(shown - ece(stored, role)) < 1e-9, `${role}: ECE ${shown} vs ${ece(stored, role)}`);
    }
    await page.locator('.knowledge-charts.three').screenshot({ path: join(OUTPUT, 'knowledge-calibration.png') });

    // Confusions: counts per cell, and the flips of the distilled student against the scratch one.
    const classes = stored.classes;
    const predicted = (role: string) => Array.from(stored.labels, (_, i) => argmax(stored.logits.get(role)!, i, classes));
    const [teacher, scratch, student] = ['teacher', 'student-scratch', 'student'].map(predicted);
    const count = (row: number, column: number) => stored.labels.filter((y, i) => y === row && student[i] === column).length;
    assert.equal(Number(await page.locator('#confusion-student td[data-row="6"][data-column="0"]').textContent()), count(6, 0));
    assert.equal(Number(await page.locator('#confusion-student td[data-row="3"][data-column="3"]').textContent()), count(3, 3));
    const gained = teacher.filter((t, i) => student[i] === t && scratch[i] !== t).length;
    const lost = teacher.filter((t, i) => scratch[i] === t && student[i] !== t).length;
    assert.equal(await page.locator('#flips-gained').getAttribute('data-count'), String(gained));
    assert.equal(await page.locator('#flips-lost').getAttribute('data-count'), String(lost));
    assert.equal(await page.locator('#flips-gained .strip-card').count(), Math.min(8, gained));
    if (gained > 0) assert.ok((await page.locator('#flips-gained .strip-card canvas').count()) > 0, 'kept inputs are drawn');
    if (gained > 8) {
      await page.locator('#flips-gained button[aria-label="Next samples"]').click();
      assert.match((await page.locator('#flips-gained .strip-position').textContent()) ?? '', /^9–/);
    }
    await page.locator('#confusions').screenshot({ path: join(OUTPUT, 'knowledge-confusions.png') });
    await page.locator('#flips-gained').screenshot({ path: join(OUTPUT, 'knowledge-flips.png') });

    // Representations: every embedded sample is a point, in both projections.
    const points = await page.evaluate(() => {
      const charts = ['chart-projection-teacher', 'chart-projection-student'].map((id) => document.getElementById(id)!.getAttribute('aria-label'));
      return charts;
    });
    assert.ok(
      points.every((label) => /embeddings, first two principal axes \(\d+\.\d% of the variance\)/.test(label ?? '')),
      points.join(' | '),
    );
    await page
      .locator('#chart-projection-teacher')
      .locator('xpath=ancestor::div[contains(@class,"knowledge-charts")]')
      .screenshot({ path: join(OUTPUT, 'knowledge-representations.png') });
    await dashboard.screenshot('knowledge-run-dark');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  for (const theme of ['dark', 'light', 'high-contrast'] as const) {
    test(`heatmap labels are readable in the ${theme} theme (WCAG AA, 4.5:1)`, async () => {
      const dashboard = await openRunPage(harness, runs, kd4, theme);
      const { cells, headers } = await labelContrasts(dashboard);
      assert.ok(cells.length >= 500, `${cells.length} labelled cells`);
      const worst = Math.min(...cells);
      assert.ok(worst >= 4.5, `the least readable cell label: ${worst.toFixed(2)}:1`);
      assert.ok(Math.min(...headers) >= 4.5, `the least readable class label: ${Math.min(...headers).toFixed(2)}:1`);
      await dashboard.screenshot(`knowledge-run-${theme}`);
      assert.deepEqual(await dashboard.problems(), []);
      await dashboard.close();
    });
  }

  test('past 20 classes the heatmaps are small unlabelled squares, each value in its tooltip', async () => {
    const classes = 30;
    const count = 120;
    const random = createRng(5);
    const labels = Int32Array.from({ length: count }, (_, i) => i % classes);
    const logits = (sharp: number) => Float32Array.from({ length: count * classes }, (_, k) => (Math.floor(k / classes) % classes === k % classes ? sharp : 0) + random());
    const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    const index = {
      count,
      classes,
      classNames: Array.from({ length: classes }, (_, c) => `class ${c}`),
      labels: 'checkpoints/val-labels.i32',
      embeddingSample: { file: 'checkpoints/embedding-sample.i32', count: 0, seed: 1 },
      models: ['teacher', 'student'].map((role) => ({ role, epoch: 1, logits: `checkpoints/${role}/val-logits.f32` })),
    };
    const files = {
      [index.labels]: base64(encodeArray(labels, 'int32')),
      [index.embeddingSample.file]: '',
      'checkpoints/teacher/val-logits.f32': base64(encodeArray(logits(3), 'float32')),
      'checkpoints/student/val-logits.f32': base64(encodeArray(logits(2), 'float32')),
    };
    const runDir = '/runs/many-classes/run-1';
    const dashboard = await openDashboard(harness);
    await dashboard.send(
      { type: 'init', uiUpdatesPerSecond: 4, runsDir: '/runs', runs: [{ runDir, id: 'run-1', experiment: 'many-classes', status: 'completed', method: 'kd', createdAt: '2026-01-01T00:00:00.000Z' }] },
      { type: 'focus', focus: { view: 'run', runDir } },
    );
    await dashboard.send({ type: 'runHistory', history: { runDir, events: [] } });
    await dashboard.send({ type: 'knowledge', runDir, knowledge: { index, files } });
    await dashboard.page.waitForSelector('#knowledge[data-state="ready"]');
    const cells = dashboard.page.locator('#dark-teacher td');
    assert.equal(await cells.count(), classes * classes);
    assert.deepEqual([...new Set(await cells.allTextContents())], [''], 'no labels');
    assert.match((await cells.first().getAttribute('title')) ?? '', /^true class 0: \d+\.\d% of the probability on class 0/);
    assert.equal(await dashboard.page.locator('#confusion-student td').count(), classes * classes);
    assert.deepEqual([...new Set(await dashboard.page.locator('#confusion-student td').allTextContents())], ['']);
    assert.equal(await dashboard.page.locator('#projection-note').textContent(), 'This run stored no embeddings to project.');
    await dashboard.screenshot('knowledge-many-classes');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('a damaged logits file is named on the page; the rest of the run page still draws', async () => {
    const index = new RunFolder(kd4).readSummary()!.knowledge!;
    const file = join(kd4, index.models[0].logits);
    const whole = readFileSync(file);
    writeFileSync(file, whole.subarray(0, 100));
    try {
      const dashboard = await openDashboard(harness);
      await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: RUNS, runs }, { type: 'focus', focus: { view: 'run', runDir: kd4 } });
      await dashboard.send({ type: 'runHistory', history: readRunHistory(kd4) });
      await answerKnowledge(dashboard);
      await dashboard.page.waitForSelector('#knowledge[data-state="problem"]');
      const status = (await dashboard.page.locator('#knowledge-status').textContent()) ?? '';
      assert.ok(status.includes(file), status);
      assert.match(status, /found 100 bytes/);
      await dashboard.page.waitForFunction(() => Number(document.querySelector<HTMLElement>('.charts')?.dataset.points) > 0);
      assert.deepEqual(await dashboard.problems(), []);
      await dashboard.close();
    } finally {
      writeFileSync(file, whole);
    }
  });

  test('the comparison page puts two runs’ dark knowledge and calibration side by side', async () => {
    const compare = readCompareRuns(readRuns(RUNS));
    const dashboard = await openDashboard(harness, { height: 1000 });
    await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: RUNS, runs }, { type: 'focus', focus: { view: 'compare' } });
    await dashboard.send({ type: 'compareData', runs: compare });
    const page = dashboard.page;
    const [a, b] = [await page.locator('#compare-run-a').inputValue(), await page.locator('#compare-run-b').inputValue()];
    assert.notEqual(a, b, 'two different runs are chosen at first');
    await answerKnowledge(dashboard);
    await page.waitForSelector('#compare-difference');
    const [storedA, storedB] = [readStored(a), readStored(b)];
    const T = Number(await page.locator('#compare-temperature').inputValue());
    const va = meanSoftTarget(storedA, 'student', T, 6, 0);
    const vb = meanSoftTarget(storedB, 'student', T, 6, 0);
    assert.ok(Math.abs((await cellValue(dashboard, 'compare-A-student', 6, 0)) - va) < 1e-6);
    assert.ok(Math.abs((await cellValue(dashboard, 'compare-B-student', 6, 0)) - vb) < 1e-6);
    assert.ok(Math.abs((await cellValue(dashboard, 'compare-difference', 6, 0)) - (vb - va)) < 1e-6);
    const eceB = Number(await page.locator('#chart-compare-reliability-b').locator('xpath=ancestor::figure').getAttribute('data-ece'));
    assert.ok(Math.abs(eceB - ece(storedB, 'student')) < 1e-9);

    // Another model of run A: its teacher.
    await page.locator('#compare-role-a').selectOption('teacher');
    await page.waitForSelector('#compare-A-teacher');
    assert.ok(Math.abs((await cellValue(dashboard, 'compare-A-teacher', 6, 0)) - meanSoftTarget(storedA, 'teacher', T, 6, 0)) < 1e-6);
    await page.locator('#compare-role-a').selectOption('student');
    await page.waitForSelector('#compare-A-student');
    await page.locator('#compare-knowledge').screenshot({ path: join(OUTPUT, 'knowledge-compare.png') });
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });
});
