// A real text run (CLI → run folder → host readers → Chromium): transformers trained on SpamAssassin
// messages, every one of them holding "<b>". The predictions show each message as text (escaped, never
// parsed), with the teacher's and the student's top-k at the slider's temperature; the attention view
// draws the stored attention probabilities of the chosen sample, layer and head.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { readRunKnowledge } from '../../src/host/dashboard/knowledge-data';
import { listRunItems, readRunHistory } from '../../src/host/dashboard/run-data';
import type { DashboardEvent, DashboardRunItem, PredictionInput } from '../../src/shared/protocol';
import { readRuns, RunFolder } from '../../src/shared/run-folder';
import { ensureBuilt, ROOT } from '../support/build';
import { OUTPUT, openDashboard, startHarness, type DashboardPage, type Harness } from './harness';
import type { ThemeName } from './themes';

const RUNS = join(OUTPUT, 'text-runs');
const MARKUP = '<b>';

/** Every 30th message of the built-in set (all three classes), "<b>" written into each. */
function writeMessages(file: string): void {
  const lines = gunzipSync(readFileSync(join(ROOT, 'data', 'spamassassin', 'train.jsonl.gz')))
    .toString('utf8')
    .trim()
    .split('\n');
  const chosen = lines.filter((_, i) => i % 30 === 0).map((line) => JSON.parse(line) as { text: string; label: string });
  writeFileSync(file, chosen.map(({ text, label }) => JSON.stringify({ text: `${MARKUP}Note</b> & ${text}`, label })).join('\n'));
}

function textRun(): void {
  const { cli } = ensureBuilt();
  mkdirSync(RUNS, { recursive: true });
  const file = join(RUNS, 'mail.jsonl');
  writeMessages(file);
  const args = ['run', '--method', 'kd', '--text', file, '--max-length', '32', '--teacher', 'transformer:2x16h2', '--student', 'transformer:1x16h4', '--epochs', '1'];
  args.push('--teacher-epochs', '1', '--no-baseline', '--backend', 'wasm', '--seed', '1', '--name', 'text-kd', '--runs-dir', RUNS);
  execFileSync(process.execPath, [cli, ...args], { cwd: ROOT, stdio: 'pipe' });
}

const softmax = (z: number[], T: number) => {
  const top = Math.max(...z);
  const e = z.map((v) => Math.exp((v - top) / T));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

async function openRunPage(harness: Harness, runs: DashboardRunItem[], runDir: string, theme: ThemeName = 'dark'): Promise<DashboardPage> {
  const dashboard = await openDashboard(harness, { height: 1200, theme });
  await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: RUNS, runs }, { type: 'focus', focus: { view: 'run', runDir } });
  await dashboard.send({ type: 'runHistory', history: readRunHistory(runDir) });
  for (const message of await dashboard.posted()) {
    if (message.type === 'requestKnowledge') await dashboard.send({ type: 'knowledge', runDir: message.runDir, ...readRunKnowledge(message.runDir) });
  }
  return dashboard;
}

describe('a real text run in the dashboard', () => {
  let harness: Harness;
  let runs: DashboardRunItem[];
  let runDir: string;
  let events: DashboardEvent[];

  before(async () => {
    rmSync(RUNS, { recursive: true, force: true });
    textRun();
    runs = listRunItems(readRuns(RUNS));
    runDir = runs[0].runDir;
    events = readRunHistory(runDir).events;
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  test('predictions: each message as plain text ("<b>" literally), the true class, teacher and student top-k at the slider’s T', async () => {
    const inputs = new Map<number, PredictionInput>();
    for (const event of events) if (event.type === 'predictionInputs') for (const s of event.samples) inputs.set(s.index, s);
    const latest = events.filter((e): e is Extract<DashboardEvent, { type: 'predictions' }> => e.type === 'predictions').at(-1)!;
    assert.equal(inputs.size, 12);
    const dashboard = await openRunPage(harness, runs, runDir);
    const page = dashboard.page;
    await page.waitForSelector('.sample.text-sample');
    const cards = page.locator('.sample.text-sample');
    assert.equal(await cards.count(), 12);

    for (let c = 0; c < 12; c++) {
      const card = cards.nth(c);
      const index = Number(await card.getAttribute('data-index'));
      const input = inputs.get(index)!;
      assert.ok(input.text!.startsWith(`${MARKUP}Note</b> & `), input.text);
      const shown = card.locator('.sample-text');
      assert.equal(await shown.textContent(), input.text, `sample ${index}: the message as sent`);
      assert.equal(await shown.locator('*').count(), 0, 'no element was made from the message');
      assert.ok((await shown.innerHTML()).startsWith('&lt;b&gt;Note&lt;/b&gt; &amp; '), 'escaped, not parsed');
      assert.equal(await card.locator('.truth strong').textContent(), latest.classNames[input.label]);
      assert.deepEqual(await card.locator('.model').evaluateAll((models) => models.map((m) => (m as HTMLElement).dataset.role)), ['teacher', 'student']);
    }

    // Top-k bars: softmax(z / T) of the latest logits, the k largest, at each slider position.
    const sample = latest.samples[0];
    const card = page.locator(`.sample[data-index="${sample.index}"]`);
    for (const T of [1, 4]) {
      await page.locator('#temperature').fill(String(T));
      for (const role of ['teacher', 'student']) {
        const p = softmax(sample.logits[role], T);
        const order = p.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]);
        const rows = card.locator(`.model[data-role="${role}"] .bar-row`);
        assert.equal(await rows.count(), 3, 'top 3 of 3 classes');
        for (let r = 0; r < 3; r++) {
          assert.equal(Number(await rows.nth(r).getAttribute('data-class')), order[r][1]);
          assert.ok(Math.abs(Number(await rows.nth(r).getAttribute('data-p')) - order[r][0]) < 1e-9, `${role} at T = ${T}`);
        }
      }
    }
    await page.locator('#temperature').fill('1');
    await page.locator('.predictions').screenshot({ path: join(OUTPUT, 'text-predictions.png') });
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('attention: the stored maps of the chosen sample, layer and head, over its tokens, teacher and student side by side', async () => {
    // This file's own reading of the stored files.
    const folder = new RunFolder(runDir);
    const index = folder.readSummary()!.knowledge!;
    const ints = (file: string) => {
      const b = readFileSync(folder.path(file));
      return Int32Array.from({ length: b.length / 4 }, (_, i) => b.readInt32LE(i * 4));
    };
    const floats = (file: string) => {
      const b = readFileSync(folder.path(file));
      return Float32Array.from({ length: b.length / 4 }, (_, i) => b.readFloatLE(i * 4));
    };
    const indices = ints(index.attention!.indices);
    const lengths = ints(index.attention!.lengths);
    const tokens = JSON.parse(readFileSync(folder.path(index.attention!.tokens), 'utf8')) as string[][];
    const stored = new Map(index.models.map((m) => [m.role, floats(m.attention!.file)]));
    const shape = { teacher: { layers: 2, heads: 2 }, student: { layers: 1, heads: 4 } };
    /** Row-major n × n of the stored file, found by walking the layout (samples, layers, heads). */
    const storedMap = (role: 'teacher' | 'student', s: number, layer: number, head: number) => {
      const { layers, heads } = shape[role];
      let at = 0;
      for (let k = 0; k < s; k++) at += layers * heads * lengths[k] ** 2;
      at += (layer * heads + head) * lengths[s] ** 2;
      return Array.from(stored.get(role)!.subarray(at, at + lengths[s] ** 2));
    };

    const dashboard = await openRunPage(harness, runs, runDir);
    const page = dashboard.page;
    await page.waitForSelector('#knowledge[data-state="ready"]');
    await page.waitForSelector('#attention:not([hidden])');
    assert.equal(await page.locator('#attention-sample option').count(), 8);
    const shown = async (role: string) => {
      const card = page.locator(`#attention-${role}`);
      const values = await card.locator('td').evaluateAll((cells) => cells.map((c) => Number((c as HTMLElement).dataset.value)));
      const columns = await card.locator('thead th:not(.corner)').allTextContents();
      const rows = await card.locator('tbody th').allTextContents();
      return { values, columns, rows, caption: await card.locator('figcaption').textContent() };
    };
    const check = async (role: 'teacher' | 'student', s: number, layer: number, head: number) => {
      const map = await shown(role);
      assert.equal(map.caption, `${role}: layer ${layer + 1}, head ${head + 1}`);
      assert.deepEqual(map.values, storedMap(role, s, layer, head), `${role} sample ${s} layer ${layer} head ${head}`);
      assert.deepEqual(map.columns, tokens[s]);
      assert.deepEqual(map.rows, tokens[s]);
    };

    // At first: the first sample, each model's last layer, head 1.
    assert.equal(await page.locator('#attention-teacher-layer').inputValue(), '1');
    await check('teacher', 0, 1, 0);
    await check('student', 0, 0, 0);
    assert.ok(tokens[0].includes('<') && tokens[0][0] === '[CLS]', 'the "<b>" of the message, as tokens');
    for (let i = 0; i < lengths[0]; i++) {
      const row = storedMap('teacher', 0, 1, 0).slice(i * lengths[0], (i + 1) * lengths[0]);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `row ${i} sums to 1`);
    }
    // The selects switch each model's layer and head on their own.
    await page.locator('#attention-teacher-layer').selectOption('0');
    await page.locator('#attention-teacher-head').selectOption('1');
    await check('teacher', 0, 0, 1);
    await check('student', 0, 0, 0);
    await page.locator('#attention-student-head').selectOption('3');
    await check('student', 0, 0, 3);
    await check('teacher', 0, 0, 1);
    // Another sample keeps the choices.
    await page.locator('#attention-sample').selectOption('5');
    assert.equal(await page.locator('#attention-teacher').getAttribute('data-sample'), String(indices[5]));
    await check('teacher', 5, 0, 1);
    await check('student', 5, 0, 3);
    assert.notDeepEqual(storedMap('student', 5, 0, 3), storedMap('student', 5, 0, 2), 'the heads differ');
    await page.locator('#attention').screenshot({ path: join(OUTPUT, 'text-attention.png') });
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('attention in the light theme takes its colours from the theme; a damaged map is named on the page', async () => {
    const background = async (dashboard: DashboardPage) => {
      await dashboard.page.waitForSelector('#attention:not([hidden])');
      return dashboard.page
        .locator('#attention-teacher td')
        .first()
        .evaluate((cell) => getComputedStyle(cell).backgroundColor);
    };
    const dark = await openRunPage(harness, runs, runDir);
    const light = await openRunPage(harness, runs, runDir, 'light');
    assert.notEqual(await background(light), await background(dark), 'the cells mix the theme’s own colours');
    await light.page.locator('#attention').screenshot({ path: join(OUTPUT, 'text-attention-light.png') });
    for (const dashboard of [dark, light]) {
      assert.deepEqual(await dashboard.problems(), []);
      await dashboard.close();
    }

    const folder = new RunFolder(runDir);
    const file = folder.path(folder.readSummary()!.knowledge!.models[1].attention!.file);
    writeFileSync(file, readFileSync(file).subarray(0, 64));
    const damaged = await openRunPage(harness, runs, runDir);
    await damaged.page.waitForSelector('#knowledge[data-state="problem"]');
    const status = (await damaged.page.locator('#knowledge-status').textContent()) ?? '';
    assert.ok(status.includes(file) && status.includes('expected'), status);
    await damaged.close();
  });
});
