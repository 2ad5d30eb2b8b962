// Studies in the dashboard: the form's Study section (its count is the expansion's; Run posts a
// study that parses) and the study view on a real study folder written by the CLI, every figure
// checked against a computation made here from the member runs' summary.json files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listStudies, readStudyView } from '../../src/host/dashboard/study-data';
import { parseStudy, WebviewToHost, type DashboardStudy, type HostToWebview } from '../../src/shared/protocol';
import { expandStudy } from '../../src/shared/study/expand';
import { ensureBuilt, ROOT } from '../support/build';
import { OUTPUT, openDashboard, sharedHarness, startHarness, type DashboardPage, type Harness } from './harness';
import type { ThemeName } from './themes';

const RUNS = join(OUTPUT, 'study-runs');
const SEEDS = [1, 2];
const TEMPERATURES = [2, 8];
/** t(0.975) with one degree of freedom (two seeds): tan(0.475π), from any table. */
const T_975_DF1 = 12.706204736174707;

const STUDY = {
  name: 'tiny-study',
  base: {
    data: { dataset: { kind: 'builtin' }, limitTrain: 300, limitValidation: 100, limitTest: 100 },
    teacher: { model: { arch: 'mlp', hidden: [32] }, train: { epochs: 1 } },
    student: { model: { arch: 'mlp', hidden: [8] } },
    train: { epochs: 1, batchSize: 64 },
    predictionSamples: 2,
    backend: 'wasm',
  },
  methods: ['kd'],
  seeds: SEEDS,
  grid: { 'method.temperature': TEMPERATURES },
};

const init = (dashboard: DashboardPage) => dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: RUNS, runs: [] });

async function lastPosted(dashboard: DashboardPage, type: string) {
  return (await dashboard.posted()).filter((m) => m.type === type).at(-1);
}

describe('the Study section of the form (Chromium)', () => {
  const harness = sharedHarness();

  test('the count shown before Run is the expansion’s member count, and Run posts a study that parses to exactly those members', async () => {
    const dashboard = await openDashboard(harness());
    await init(dashboard);
    const page = dashboard.page;
    await page.locator('#study-section > summary').click();
    for (const method of ['kd', 'dkd']) await page.locator(`#study-method-${method}`).check();
    await page.locator('#study-seeds').fill('1, 2, 3');
    await page.locator('#study-add-param').click();
    await page.locator('#study-param-path-0').fill('method.temperature');
    await page.locator('#study-param-values-0').fill('2, 4, 8');
    await page.locator('#study-add-param').click();
    await page.locator('#study-param-path-1').fill('train.learningRate');
    await page.locator('#study-param-values-1').fill('0.01, 0.001');
    // By hand: one shared teacher; a scratch baseline per seed and learning rate (3 × 2); each of kd and dkd per temperature, learning rate and seed (2 × 3 × 2 × 3).
    const byHand = 1 + 3 * 2 + 2 * (3 * 2 * 3);
    assert.equal(await page.locator('#study-count').getAttribute('data-count'), String(byHand));
    assert.match((await page.locator('#study-count').textContent()) ?? '', new RegExp(`^${byHand} runs will start: 1 shared teacher, 6 scratch baselines, 36 method runs$`));
    assert.equal(await page.locator('#study-run').isDisabled(), false);
    await page.locator('#study-section').screenshot({ path: join(OUTPUT, 'study-form.png') });

    await page.locator('#study-run').click();
    const message = await lastPosted(dashboard, 'startStudy');
    assert.ok(message, 'Run posted a startStudy');
    assert.equal(WebviewToHost.safeParse(message).success, true, 'the message passes the host’s schema');
    const study = parseStudy((message as Extract<WebviewToHost, { type: 'startStudy' }>).study);
    assert.equal(expandStudy(study, study.name).members.length, byHand);
    assert.deepEqual(study.seeds, [1, 2, 3]);
    assert.deepEqual(study.grid, { 'method.temperature': [2, 4, 8], 'train.learningRate': [0.01, 0.001] });
    assert.equal((study.base as { method?: unknown }).method, undefined, 'the methods are the axis, not the base');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('a value the schema refuses names the member and the field, and Run waits; the host’s problems show the same way', async () => {
    const dashboard = await openDashboard(harness());
    await init(dashboard);
    const page = dashboard.page;
    await page.locator('#study-section > summary').click();
    await page.locator('#study-method-kd').check();
    await page.locator('#study-add-param').click();
    await page.locator('#study-param-path-0').fill('method.temperature');
    await page.locator('#study-param-values-0').fill('2, hot');
    const problems = await page.locator('#study-problems li').allTextContents();
    assert.ok(
      problems.some((p) => /^study member kd-temperature=hot-s1 \(method kd, temperature=hot, seed 1\): config\.method\.temperature: expected number/.test(p)),
      problems.join('\n'),
    );
    assert.equal(await page.locator('#study-run').isDisabled(), true);
    await page.locator('#study-param-path-0').fill('teacher.train.epochs');
    assert.match((await page.locator('#study-problems li').first().textContent()) ?? '', /^study\.grid\.teacher\.train\.epochs: cannot vary "teacher\.train\.epochs"/);
    await page.locator('#study-param-path-0').fill('method.temperature');
    await page.locator('#study-param-values-0').fill('2, 4');
    assert.equal(await page.locator('#study-run').isDisabled(), false);
    await dashboard.send({ type: 'studyProblems', problems: ['study.seeds.1: seed 1 is listed twice'] });
    assert.deepEqual(await page.locator('#study-problems li').allTextContents(), ['study.seeds.1: seed 1 is listed twice']);
    assert.equal(await page.locator('#study-run').isDisabled(), true);
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('the host’s requestFormConfig is answered with the form’s config as typed', async () => {
    const dashboard = await openDashboard(harness());
    await init(dashboard);
    await dashboard.page.locator('#field-train-epochs').fill('7');
    await dashboard.send({ type: 'requestFormConfig', requestId: 41 });
    const answer = await lastPosted(dashboard, 'formConfig');
    const parsed = WebviewToHost.parse(answer);
    assert.equal(parsed.type === 'formConfig' && parsed.requestId, 41);
    assert.equal(parsed.type === 'formConfig' && (parsed.config.train as { epochs?: unknown }).epochs, 7);
    await dashboard.close();
  });
});

// ---------------------------------------------------------------- the study view on a real study

interface StoredModel {
  role: string;
  testAccuracy: number;
  bestValAccuracy: number;
  lastValAccuracy: number;
  agreement?: number;
}

/** A member's headline model (the teacher's for the teacher, else the student's) and wall time, read straight from its summary.json. */
function stored(studyDir: string, member: string): StoredModel & { wall: number } {
  const summary = JSON.parse(readFileSync(join(studyDir, member, 'summary.json'), 'utf8')) as { wallTimeSec: number; models: StoredModel[] };
  const role = member === 'teacher' ? 'teacher' : 'student';
  return { ...summary.models.find((m) => m.role === role)!, wall: summary.wallTimeSec };
}

const storedTest = (studyDir: string, member: string) => stored(studyDir, member).testAccuracy;

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sdOf = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + (x - meanOf(xs)) ** 2, 0) / (xs.length - 1));
const pts = (v: number, sign = false) => `${sign && v >= 0 ? '+' : ''}${(v * 100).toFixed(2)}`;

interface HandRow {
  label: string;
  members: string[];
  tests: number[];
  delta?: { mean: number; low: number; high: number; excludesZero: boolean };
}

/** The study table computed here: mean and sample s.d. over seeds, the paired Δ and its interval with t(0.975, n − 1). */
function handRows(studyDir: string): HandRow[] {
  const scratch = SEEDS.map((s) => storedTest(studyDir, `scratch-s${s}`));
  const rows: HandRow[] = [
    { label: 'teacher', members: ['teacher'], tests: [storedTest(studyDir, 'teacher')] },
    { label: 'scratch', members: SEEDS.map((s) => `scratch-s${s}`), tests: scratch },
  ];
  for (const t of TEMPERATURES) {
    const members = SEEDS.map((s) => `kd-temperature=${t}-s${s}`);
    const tests = members.map((m) => storedTest(studyDir, m));
    const differences = tests.map((v, i) => v - scratch[i]);
    const mean = meanOf(differences);
    const half = (T_975_DF1 * sdOf(differences)) / Math.sqrt(differences.length);
    rows.push({ label: `kd temperature=${t}`, members, tests, delta: { mean, low: mean - half, high: mean + half, excludesZero: mean - half > 0 || mean + half < 0 } });
  }
  return rows;
}

const column = (dashboard: DashboardPage, key: string) => dashboard.page.locator(`#study-table tbody td[data-column="${key}"]`).allTextContents();

async function openStudyView(harness: Harness, study: DashboardStudy, theme: ThemeName = 'dark'): Promise<DashboardPage> {
  const dashboard = await openDashboard(harness, { theme });
  await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: RUNS, runs: [], focus: { view: 'study', studyDir: study.studyDir } });
  assert.deepEqual(await lastPosted(dashboard, 'openStudy'), { type: 'openStudy', studyDir: study.studyDir });
  await dashboard.send({ type: 'studies', studies: listStudies(RUNS) }, { type: 'studyData', studyDir: study.studyDir, study } as HostToWebview);
  await dashboard.page.waitForSelector('#study-table tbody tr');
  return dashboard;
}

/** WCAG contrast of the study view's text on the page. */
async function textContrasts(dashboard: DashboardPage): Promise<{ text: string; ratio: number }[]> {
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
    return Array.from(document.querySelectorAll<HTMLElement>('#study-table td, #study-table th button, #study-status, #view-study .hint'))
      .filter((e) => e.textContent)
      .map((e) => ({ text: e.textContent ?? '', ratio: ratio(rgb(getComputedStyle(e).color), page) }));
  });
}

describe('the study view on a real study (CLI → study folder → host reader → Chromium)', () => {
  let harness: Harness;
  let studyDir: string;
  before(async () => {
    rmSync(RUNS, { recursive: true, force: true });
    mkdirSync(RUNS, { recursive: true });
    const file = join(RUNS, 'study.json');
    writeFileSync(file, JSON.stringify(STUDY));
    execFileSync(process.execPath, [ensureBuilt().cli, 'study', file, '--parallel', '2', '--runs-dir', RUNS], { cwd: ROOT, stdio: 'pipe' });
    studyDir = join(RUNS, 'tiny-study');
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  test('every figure of the table and of the Δ chart is the one computed here from the member runs', async () => {
    const study = readStudyView(studyDir);
    const dashboard = await openStudyView(harness, study);
    const page = dashboard.page;
    const expected = handRows(studyDir);
    const labels = await column(dashboard, 'label');
    assert.deepEqual([...labels].sort(), expected.map((r) => r.label).sort());
    for (const row of expected) {
      const tr = page.locator(`#study-table tbody tr[data-row="${row.label}"]`);
      const cell = (key: string) => tr.locator(`td[data-column="${key}"]`).textContent();
      assert.equal(await cell('test'), row.tests.length > 1 ? `${pts(meanOf(row.tests))} ± ${pts(sdOf(row.tests))}%` : `${pts(row.tests[0])}%`, `test of ${row.label}`);
      assert.equal(await cell('seeds'), `${row.tests.length}/${row.tests.length}`);
      assert.equal(await cell('failed'), '0');
      const models = row.members.map((m) => stored(studyDir, m));
      const percentOfMean = (values: (number | undefined)[]) => (values.every((v) => v === undefined) ? '—' : `${pts(meanOf(values as number[]))}%`);
      assert.equal(await cell('best'), percentOfMean(models.map((m) => m.bestValAccuracy)), `best val of ${row.label}`);
      assert.equal(await cell('last'), percentOfMean(models.map((m) => m.lastValAccuracy)), `last val of ${row.label}`);
      assert.equal(await cell('agreement'), percentOfMean(models.map((m) => m.agreement)), `agreement of ${row.label}`);
      assert.equal(await cell('wall'), `${meanOf(models.map((m) => m.wall)).toFixed(1)} s`, `wall time of ${row.label}`);
      const d = row.delta;
      assert.equal(await cell('delta'), d ? `${pts(d.mean, true)} [${pts(d.low, true)}, ${pts(d.high, true)}]${d.excludesZero ? ' *' : ''}` : '—', `Δ of ${row.label}`);
      assert.equal(await tr.locator('td[data-column="delta"]').evaluate((td) => td.classList.contains('significant')), Boolean(d?.excludesZero));
    }
    // The whisker chart draws each method row's Δ and interval.
    const drawn = JSON.parse((await page.locator('#chart-study-delta').getAttribute('data-points')) ?? '[]') as { label: string; mean: number; low: number; high: number; excludesZero: boolean }[];
    assert.equal(drawn.length, TEMPERATURES.length);
    for (const point of drawn) {
      const hand = expected.find((r) => r.label === point.label)!.delta!;
      assert.ok(
        Math.abs(point.mean - hand.mean) < 1e-12 && Math.abs(point.low - hand.low) < 1e-12 && Math.abs(point.high - hand.high) < 1e-12,
        `${point.label}: ${JSON.stringify(point)} vs ${JSON.stringify(hand)}`,
      );
      assert.equal(point.excludesZero, hand.excludesZero);
    }
    // One swept field: test accuracy against it, kd's line through both temperatures.
    assert.equal(await page.locator('#chart-study-sweep').getAttribute('data-kind'), 'sweep');
    const sweep = JSON.parse((await page.locator('#chart-study-sweep').getAttribute('data-points')) ?? '[]') as { series: string; points: { x: number; y: number }[] }[];
    assert.deepEqual(sweep, [{ series: 'kd', points: TEMPERATURES.map((t) => ({ x: t, y: meanOf(expected.find((r) => r.label === `kd temperature=${t}`)!.tests) })) }]);
    // Progress: every member completed.
    assert.equal(await page.locator('#study-status').textContent(), `tiny-study: 7 of 7 members completed · 0 running · 0 queued · 0 failed`);
    assert.equal(await page.locator('#study-select').inputValue(), studyDir);
    assert.deepEqual(await Promise.all(['#study-export', '#study-resume', '#study-stop'].map((id) => page.locator(id).isDisabled())), [false, true, true], 'a completed study: export only');
    await dashboard.screenshot('study-dark');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('clicking a header sorts the method rows by it, the teacher and the baseline staying on top; again reverses', async () => {
    const dashboard = await openStudyView(harness, readStudyView(studyDir), 'light');
    const expected = handRows(studyDir);
    const testOf = (label: string) => meanOf(expected.find((r) => r.label === label)!.tests);
    const methodLabels = async () => (await column(dashboard, 'label')).slice(2);
    assert.deepEqual((await column(dashboard, 'label')).slice(0, 2), ['teacher', 'scratch']);
    // Default: Δ, largest first.
    const byDelta = expected.filter((r) => r.delta).sort((a, b) => b.delta!.mean - a.delta!.mean);
    assert.deepEqual(
      await methodLabels(),
      byDelta.map((r) => r.label),
    );
    const test = dashboard.page.locator('#study-table th[data-column="test"]');
    await test.locator('button').click();
    assert.equal(await test.getAttribute('aria-sort'), 'descending');
    const down = (await methodLabels()).map(testOf);
    assert.deepEqual(
      down,
      [...down].sort((a, b) => b - a),
    );
    await test.locator('button').click();
    assert.equal(await test.getAttribute('aria-sort'), 'ascending');
    const up = (await methodLabels()).map(testOf);
    assert.deepEqual(
      up,
      [...up].sort((a, b) => a - b),
    );
    assert.deepEqual((await column(dashboard, 'label')).slice(0, 2), ['teacher', 'scratch']);
    await dashboard.page.locator('#study-table th[data-column="label"] button').click();
    assert.deepEqual(await methodLabels(), ['kd temperature=8', 'kd temperature=2'], 'names descending on the first click');
    await dashboard.screenshot('study-light');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('its text keeps WCAG AA contrast in the dark, light and high-contrast themes', async () => {
    const study = readStudyView(studyDir);
    for (const theme of ['dark', 'light', 'high-contrast'] as const) {
      const dashboard = await openStudyView(harness, study, theme);
      const low = (await textContrasts(dashboard)).filter((c) => c.ratio < 4.5);
      assert.deepEqual(low, [], `${theme}: ${JSON.stringify(low)}`);
      if (theme === 'high-contrast') await dashboard.screenshot('study-high-contrast');
      await dashboard.close();
    }
  });

  test('progress while it runs: a running member, and members blocked by a teacher that failed, counted from the run folders', async () => {
    // A copy of the study in the state a run leaves it mid-way: the teacher failed, one kd member still running, one never started.
    const partial = join(OUTPUT, 'study-partial', 'tiny-study');
    rmSync(join(OUTPUT, 'study-partial'), { recursive: true, force: true });
    cpSync(studyDir, partial, { recursive: true });
    const setStatus = (member: string, status: string) => {
      const file = join(partial, member, 'run.json');
      const record = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      delete record.endedAt;
      writeFileSync(file, JSON.stringify({ ...record, status, ...(status === 'failed' ? { endedAt: record.startedAt, error: { message: 'test: failed' } } : {}) }));
      if (status !== 'completed') rmSync(join(partial, member, 'summary.json'), { force: true });
    };
    setStatus('teacher', 'failed');
    setStatus('kd-temperature=8-s1', 'running');
    rmSync(join(partial, 'kd-temperature=8-s2'), { recursive: true });
    const study = readStudyView(partial);
    assert.deepEqual(
      study.members.map((m) => [m.id, m.status]),
      [
        ['teacher', 'failed'],
        ['scratch-s1', 'completed'],
        ['scratch-s2', 'completed'],
        ['kd-temperature=2-s1', 'completed'],
        ['kd-temperature=2-s2', 'completed'],
        ['kd-temperature=8-s1', 'running'],
        ['kd-temperature=8-s2', 'blocked'],
      ],
    );
    const dashboard = await openDashboard(harness);
    await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: RUNS, runs: [], focus: { view: 'study', studyDir: partial } });
    await dashboard.send({ type: 'studyData', studyDir: partial, study });
    await dashboard.page.waitForSelector('#study-table tbody tr');
    const status = dashboard.page.locator('#study-status');
    assert.equal(await status.textContent(), 'tiny-study: 4 of 7 members completed · 1 running · 0 queued · 2 failed');
    assert.equal(await dashboard.page.locator('#study-progress').evaluate((p) => (p as HTMLProgressElement).value), 6 / 7);
    const kd8 = dashboard.page.locator('#study-table tbody tr[data-row="kd temperature=8"]');
    assert.equal(await kd8.locator('td[data-column="seeds"]').textContent(), '0/2');
    assert.equal(await kd8.locator('td[data-column="failed"]').textContent(), '1');
    assert.equal(await kd8.locator('td[data-column="delta"]').textContent(), '—');
    // The study's commands: nothing runs it now, so Resume (its failed and blocked members) and Export, not Stop.
    assert.equal(await dashboard.page.locator('#study-stop').isDisabled(), true);
    await dashboard.page.locator('#study-resume').click();
    await dashboard.page.locator('#study-export').click();
    const actions = (await dashboard.posted()).filter((m) => m.type === 'studyAction');
    assert.deepEqual(actions, [
      { type: 'studyAction', action: 'resume', studyDir: partial },
      { type: 'studyAction', action: 'export', studyDir: partial },
    ]);
    assert.ok(actions.every((m) => WebviewToHost.safeParse(m).success));
    // A member with a run opens it in the run view.
    await dashboard.page.locator('#study-members li[data-member="scratch-s1"] button').dispatchEvent('click');
    assert.deepEqual(await lastPosted(dashboard, 'openRun'), { type: 'openRun', runDir: join(partial, 'scratch-s1') });
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('several swept fields draw parallel coordinates: an axis per field and one for test accuracy', async () => {
    const real = readStudyView(studyDir);
    // The real rows with a second swept field added, as a study over two fields reports them.
    const study: DashboardStudy = {
      ...real,
      swept: ['method.temperature', 'train.learningRate'],
      rows: real.rows.map((r) => (r.role === 'method' ? { ...r, params: { ...r.params, 'train.learningRate': r.params['method.temperature'] === 2 ? 0.01 : 0.001 } } : r)),
    };
    const dashboard = await openStudyView(harness, study);
    const canvas = dashboard.page.locator('#chart-study-sweep');
    assert.equal(await canvas.getAttribute('data-kind'), 'parallel');
    const lines = JSON.parse((await canvas.getAttribute('data-points')) ?? '[]') as { label: string; values: unknown[] }[];
    const expected = handRows(studyDir);
    assert.deepEqual(
      lines.sort((a, b) => a.label.localeCompare(b.label)),
      TEMPERATURES.map((t) => ({ label: `kd temperature=${t}`, values: [t, t === 2 ? 0.01 : 0.001, meanOf(expected.find((r) => r.label === `kd temperature=${t}`)!.tests)] })),
    );
    await dashboard.screenshot('study-parallel');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });
});
