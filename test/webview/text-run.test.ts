// A real text run (CLI → run folder → host readers → Chromium): transformers trained on SpamAssassin
// messages, every one of them holding "<b>". The predictions show each message as text (escaped, never
// parsed), with the teacher's and the student's top-k at the slider's temperature; the attention view
// draws on its canvases the attention probabilities of the chosen sample, layer and head — a stored
// sample's sliced from the run's files, another's computed by `distill-lab attention` through the
// host's own code — each cell's colour checked against the files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { runAttentionProcess } from '../../src/host/attention-process';
import { AttentionSamples } from '../../src/host/dashboard/attention-data';
import { readRunKnowledge } from '../../src/host/dashboard/knowledge-data';
import { percent } from '../../src/shared/format';
import { listRunItems, readRunHistory } from '../../src/host/dashboard/run-data';
import type { DashboardEvent, DashboardRunItem, PredictionInput, WebviewToHost } from '../../src/shared/protocol';
import { attentionSampleFile, readRuns, RunFolder } from '../../src/shared/run-folder';
import { ensureBuilt, ROOT } from '../support/build';
import { OUTPUT, openDashboard, startHarness, type DashboardPage, type Harness } from './harness';
import { parseColor } from '../../webview/contrast';
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

/** The host's own answer to the attention view: stored slices, or the real CLI in a child process. */
const attentionHost = new AttentionSamples((runDir, sample, out) => runAttentionProcess({ nodePath: process.execPath, cliScript: ensureBuilt().cli, baseDir: ROOT }, runDir, sample, out));

interface RunPage extends DashboardPage {
  /** Waits until the view asks for `sample`'s attention maps, and answers as the host does. */
  answerAttention(sample: number): Promise<void>;
}

async function openRunPage(harness: Harness, runs: DashboardRunItem[], runDir: string, theme: ThemeName = 'dark'): Promise<RunPage> {
  const dashboard = await openDashboard(harness, { height: 1200, theme });
  await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: RUNS, runs }, { type: 'focus', focus: { view: 'run', runDir } });
  await dashboard.send({ type: 'runHistory', history: readRunHistory(runDir) });
  for (const message of await dashboard.posted()) {
    if (message.type === 'requestKnowledge') await dashboard.send({ type: 'knowledge', runDir: message.runDir, ...readRunKnowledge(message.runDir) });
  }
  let answered = 0;
  const answerAttention = async (sample: number) => {
    await dashboard.page.waitForFunction(
      ([from, wanted]) => (window as unknown as { __posted: WebviewToHost[] }).__posted.slice(from).some((m) => m.type === 'requestAttention' && m.sample === wanted),
      [answered, sample] as const,
      { timeout: 10_000 },
    );
    const posted = await dashboard.posted();
    for (const message of posted.slice(answered)) {
      if (message.type === 'requestAttention')
        await dashboard.send({ type: 'attention', runDir: message.runDir, sample: message.sample, ...(await attentionHost.read(message.runDir, message.sample)) });
    }
    answered = posted.length;
  };
  return Object.assign(dashboard, { answerAttention });
}

const rgb = (css: string) => css.match(/\d+/g)!.map(Number);

/** What each cell's centre on a map's canvas shows, and the two ends of its colour scale. */
async function drawnCells(dashboard: DashboardPage, role: string): Promise<{ pixels: number[][]; background: number[]; full: number[]; n: number }> {
  return dashboard.page.locator(`#attention-${role} canvas`).evaluate((canvas: HTMLCanvasElement) => {
    const { n, cell, left, top, scale, background, full } = canvas.dataset;
    const size = Number(n);
    const context = canvas.getContext('2d')!;
    const pixels: number[][] = [];
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        const x = Math.floor((Number(left) + (j + 0.5) * Number(cell)) * Number(scale));
        const y = Math.floor((Number(top) + (i + 0.5) * Number(cell)) * Number(scale));
        pixels.push(Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3)));
      }
    }
    const channels = (css: string) => css.match(/\d+/g)!.map(Number);
    return { pixels, background: channels(background!), full: channels(full!), n: size };
  });
}

/** Every cell's colour is the scale at value / max of `map` (to a unit of rounding), and the cell under the pointer is named with its value. */
async function assertDrawn(dashboard: DashboardPage, role: string, map: ArrayLike<number>, tokens: string[], what: string): Promise<void> {
  const { pixels, background, full, n } = await drawnCells(dashboard, role);
  assert.equal(n, tokens.length, `${what}: one row and column per token`);
  assert.equal(map.length, n * n);
  const max = Math.max(...Array.from(map));
  pixels.forEach((pixel, k) => {
    const expected = background.map((b, c) => b + (map[k] / max) * (full[c] - b));
    assert.ok(
      pixel.every((v, c) => Math.abs(v - expected[c]) <= 1.5),
      `${what}: cell (${Math.floor(k / n)}, ${k % n}) = ${map[k]} drawn ${pixel}, expected ${expected.map((v) => v.toFixed(1))}`,
    );
  });
  // The pointer on the largest weight: its tokens and value in the tooltip.
  const top = Array.from(map).indexOf(max);
  const [i, j] = [Math.floor(top / n), top % n];
  const canvas = dashboard.page.locator(`#attention-${role} canvas`);
  const { cell, left, top: topEdge } = await canvas.evaluate((c: HTMLCanvasElement) => ({ cell: Number(c.dataset.cell), left: Number(c.dataset.left), top: Number(c.dataset.top) }));
  await canvas.hover({ position: { x: left + (j + 0.5) * cell, y: topEdge + (i + 0.5) * cell } });
  assert.equal(await dashboard.page.locator(`#attention-${role} .heatmap-tip`).textContent(), `${tokens[i]} (${i + 1}) → ${tokens[j]} (${j + 1}): ${percent(max)}`, what);
}

/** A model's maps in a file `distill-lab attention` wrote, read here on their own: float32 little-endian after base64. */
function cliMaps(file: string): { sample: number; tokens: string[]; models: Map<string, { layers: number; heads: number; values: Float32Array }> } {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { sample: number; tokens: string[]; models: { role: string; layers: number; heads: number; values: string }[] };
  const models = new Map(
    raw.models.map((m) => {
      const bytes = Buffer.from(m.values, 'base64');
      return [m.role, { layers: m.layers, heads: m.heads, values: Float32Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4)) }];
    }),
  );
  return { sample: raw.sample, tokens: raw.tokens, models };
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

  test('attention: the chosen sample, layer and head of teacher and student side by side on canvases, each cell as stored', async () => {
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
    assert.equal(await page.locator('#attention-sample option').count(), 9, 'the 8 stored samples, and "another sample"');
    await dashboard.answerAttention(indices[0]);
    await page.waitForSelector('#attention[data-state="ready"]');
    const check = async (role: 'teacher' | 'student', s: number, layer: number, head: number) => {
      assert.equal(await page.locator(`#attention-${role} figcaption`).textContent(), `${role}: layer ${layer + 1}, head ${head + 1}`);
      assert.equal(await page.locator(`#attention-${role}`).getAttribute('data-sample'), String(indices[s]));
      await assertDrawn(dashboard, role, storedMap(role, s, layer, head), tokens[s], `${role} sample ${s} layer ${layer} head ${head}`);
    };

    // At first: the first sample, each model's last layer, head 1.
    assert.equal(await page.locator('#attention-teacher-layer').inputValue(), '1');
    assert.equal(await page.locator('#attention-sample-number').inputValue(), String(indices[0]));
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
    assert.notDeepEqual(storedMap('student', 0, 0, 3), storedMap('student', 0, 0, 2), 'the heads differ');
    // Another stored sample keeps the choices; the keyboard walks the cells and reads each out.
    await page.locator('#attention-sample').selectOption(String(indices[5]));
    await dashboard.answerAttention(indices[5]);
    await page.waitForSelector(`#attention-teacher[data-sample="${indices[5]}"]`);
    await check('teacher', 5, 0, 1);
    await check('student', 5, 0, 3);
    await page.locator('#attention-student canvas').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    const n5 = lengths[5];
    assert.equal(await page.locator('#attention-student .visually-hidden').textContent(), `${tokens[5][1]} (2) → ${tokens[5][1]} (2): ${percent(storedMap('student', 5, 0, 3)[n5 + 1])}`);
    await page.locator('#attention').screenshot({ path: join(OUTPUT, 'text-attention.png') });
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('attention of a sample the run did not store: computed by distill-lab attention, cached in the run, drawn as the file says; a sample out of range is named', async () => {
    const folder = new RunFolder(runDir);
    const index = folder.readSummary()!.knowledge!;
    const indexBytes = readFileSync(folder.path(index.attention!.indices));
    const storedIndices = new Set(Array.from({ length: indexBytes.length / 4 }, (_, i) => indexBytes.readInt32LE(i * 4)));
    const sample = [...Array(index.count).keys()].find((i) => i > 0 && !storedIndices.has(i))!;
    const cached = folder.path(attentionSampleFile(sample));
    rmSync(cached, { force: true });

    const dashboard = await openRunPage(harness, runs, runDir);
    const page = dashboard.page;
    await page.waitForSelector('#attention:not([hidden])');
    await page.locator('#attention-sample-number').fill(String(sample));
    await page.locator('#attention-show').click();
    await page.waitForSelector('#attention[data-state="loading"]');
    assert.match((await page.locator('#attention-status').textContent()) ?? '', new RegExp(`Computing the maps of validation sample #${sample}`));
    assert.equal(await page.locator('#attention-sample').inputValue(), '', 'not one of the stored samples');
    await dashboard.answerAttention(sample);
    await page.waitForSelector(`#attention-teacher[data-sample="${sample}"]`);
    const maps = cliMaps(cached);
    assert.equal(maps.sample, sample);
    assert.ok(!storedIndices.has(sample), 'a sample the run did not store');
    const n = maps.tokens.length;
    const mapOf = (role: string, layer: number, head: number) => {
      const m = maps.models.get(role)!;
      return m.values.subarray((layer * m.heads + head) * n * n, (layer * m.heads + head + 1) * n * n);
    };
    await assertDrawn(dashboard, 'teacher', mapOf('teacher', 1, 0), maps.tokens, 'teacher, computed sample, layer 2 head 1');
    await assertDrawn(dashboard, 'student', mapOf('student', 0, 0), maps.tokens, 'student, computed sample, layer 1 head 1');
    await page.locator('#attention-teacher-layer').selectOption('0');
    await page.locator('#attention-teacher-head').selectOption('1');
    await assertDrawn(dashboard, 'teacher', mapOf('teacher', 0, 1), maps.tokens, 'teacher, computed sample, layer 1 head 2');
    assert.match((await page.locator('#attention-status').textContent()) ?? '', new RegExp(`${n} tokens of validation sample #${sample}`));

    await page.locator('#attention-sample-number').fill(String(index.count));
    await page.locator('#attention-sample-number').press('Enter');
    await dashboard.answerAttention(index.count);
    await page.waitForSelector('#attention[data-state="problem"]');
    assert.equal(await page.locator('#attention-problem').textContent(), `sample ${index.count} is out of range: this run has ${index.count} validation samples, expected 0 … ${index.count - 1}`);
    assert.equal(await page.locator('#attention-status').textContent(), `Still showing validation sample #${sample}.`);
    await page.locator('#attention').screenshot({ path: join(OUTPUT, 'text-attention-computed.png') });
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('attention in the light theme takes its colours from the theme; a damaged map is named on the page', async () => {
    const background = async (dashboard: RunPage) => {
      await dashboard.page.waitForSelector('#attention:not([hidden])');
      const first = Number(await dashboard.page.locator('#attention-sample option').nth(1).getAttribute('value'));
      await dashboard.answerAttention(first);
      await dashboard.page.waitForSelector('#attention[data-state="ready"]');
      const { pixels } = await drawnCells(dashboard, 'teacher');
      return pixels[0];
    };
    const dark = await openRunPage(harness, runs, runDir);
    const light = await openRunPage(harness, runs, runDir, 'light');
    assert.notDeepEqual(await background(light), await background(dark), 'the cells mix the theme’s own colours');
    const themeBackground = parseColor(await light.page.evaluate(() => getComputedStyle(document.body).getPropertyValue('--vscode-editor-background').trim()))!;
    assert.deepEqual(
      rgb((await light.page.locator('#attention-teacher canvas').getAttribute('data-background'))!),
      themeBackground.map(Math.round),
      'the scale starts at the theme’s editor background',
    );
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
