import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DashboardEvent, HostToWebview } from '../../src/shared/protocol';
import { historyOf, STEP_EVERY, STEPS_PER_EPOCH, syntheticEvents } from './fixtures';
import { openDashboard, sharedHarness, type DashboardPage } from './harness';

const RUN = '/runs/synthetic-kd/run-1';

/** The host's side of opening a run: init, focus on the run, then its history once asked. */
async function openRun(dashboard: DashboardPage, history: Extract<HostToWebview, { type: 'runHistory' }>['history'], rate = 4): Promise<void> {
  await dashboard.send(
    {
      type: 'init',
      uiUpdatesPerSecond: rate,
      runsDir: '/runs',
      runs: [{ runDir: RUN, id: 'run-1', experiment: 'synthetic-kd', status: 'running', method: 'kd', createdAt: '2026-01-01T00:00:00.000Z' }],
    },
    { type: 'focus', focus: { view: 'run', runDir: RUN } },
  );
  const posted = await dashboard.posted();
  assert.deepEqual(posted.at(-1), { type: 'openRun', runDir: RUN });
  await dashboard.send({ type: 'runHistory', history });
}

const chartState = (dashboard: DashboardPage) =>
  dashboard.page.locator('.charts').evaluate((el) => ({ updates: Number((el as HTMLElement).dataset.updates), points: Number((el as HTMLElement).dataset.points) }));

/** Points the three charts hold for these events: each loss term, train and val accuracy, agreement and KL per epoch. */
function expectedPoints(events: DashboardEvent[]): number {
  const curves = (losses: Record<string, number>) => (Object.keys(losses).length > 2 ? Object.keys(losses).length : 1); // a lone term is its own total
  return events.reduce((n, e) => (e.type === 'epoch' ? n + curves(e.losses) + 2 + (e.agreement === undefined ? 0 : 1) + (e.valKl === undefined ? 0 : 1) : n), 0);
}

function softmaxAt(logits: number[], T: number): number[] {
  const scaled = logits.map((z) => z / T);
  const max = Math.max(...scaled);
  const exps = scaled.map((z) => Math.exp(z - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

describe('run view (Chromium)', () => {
  const harness = sharedHarness();

  test('chart updates are batched: 400 epoch events in 10 s at 4 updates/s redraw at most 4 times a second, and lose nothing', async () => {
    const dashboard = await openDashboard(harness(), { fakeClock: true });
    const events = syntheticEvents({ epochs: 400, withPredictions: false }).filter((e) => !('phase' in e) || e.phase === 'student');
    const [started, ...rest] = events;
    await openRun(dashboard, { runDir: RUN, events: [started] });
    await dashboard.page.clock.runFor(1000);
    const afterHistory = (await chartState(dashboard)).updates;
    assert.equal(afterHistory, 1, 'the history is drawn once');

    const live = rest.filter((e) => e.type === 'epoch');
    assert.equal(live.length, 400);
    // The simulated time of every redraw: the page's (fake) clock, read when data-updates changes.
    await dashboard.page.evaluate(() => {
      const times: number[] = [];
      (window as unknown as { __flushTimes: number[] }).__flushTimes = times;
      new MutationObserver(() => times.push(performance.now())).observe(document.querySelector('.charts')!, { attributes: true, attributeFilter: ['data-updates'] });
    });
    for (const event of live) {
      await dashboard.send({ type: 'runEvent', runDir: RUN, event });
      await dashboard.page.clock.runFor(25); // 40 events a second
    }
    await dashboard.page.clock.runFor(1000);
    const end = await chartState(dashboard);
    const flushTimes = await dashboard.page.evaluate(() => (window as unknown as { __flushTimes: number[] }).__flushTimes);
    assert.equal(flushTimes.length, end.updates - afterHistory);
    const gaps = flushTimes.slice(1).map((t, i) => t - flushTimes[i]);
    assert.ok(
      gaps.every((gap) => gap >= 250 - 1e-6),
      `redraws at least 1000/4 ms apart; gaps: ${gaps.join(', ')}`,
    );
    assert.ok(end.updates - afterHistory <= 10 * 4 + 1, `${end.updates - afterHistory} redraws for 400 events in 10 s`);
    assert.ok(flushTimes.length >= 10 * 4 - 1, `the charts kept up while events arrived (${flushTimes.length} redraws)`);
    assert.equal(end.points, expectedPoints(live), 'every epoch is on the charts after the last flush');

    // A burst of 300 events in one go is one redraw.
    const burst = syntheticEvents({ epochs: 300, withPredictions: false }).filter((e) => e.type === 'epoch' && e.phase === 'student-scratch');
    const beforeBurst = end.updates;
    await dashboard.send(...burst.map((event): HostToWebview => ({ type: 'runEvent', runDir: RUN, event })));
    await dashboard.page.clock.runFor(2000);
    assert.equal((await chartState(dashboard)).updates - beforeBurst, 1);
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('a run watched live and the same run opened later from metrics.jsonl draw the same curves and predictions', async () => {
    const events = syntheticEvents({ epochs: 6 });
    const later = await openDashboard(harness());
    await openRun(later, historyOf(RUN, events));
    await later.page.waitForFunction(() => Number(document.querySelector<HTMLElement>('.charts')?.dataset.points) > 0);

    const live = await openDashboard(harness());
    await openRun(live, { runDir: RUN, events: [] });
    for (const event of events) await live.send({ type: 'runEvent', runDir: RUN, event });
    // Events already in the history can arrive again live; applying them twice changes nothing.
    for (const event of events.slice(-6)) await live.send({ type: 'runEvent', runDir: RUN, event });
    const expected = expectedPoints(events);
    for (const dashboard of [later, live]) {
      await dashboard.page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('.charts')?.dataset.points) === n, expected);
      await dashboard.page.waitForFunction(() => document.querySelector('#run-status')?.textContent?.startsWith('completed'));
    }
    const laterCharts = await later.page.locator('.charts').screenshot();
    const liveCharts = await live.page.locator('.charts').screenshot();
    assert.ok(laterCharts.equals(liveCharts), 'the chart pixels are identical');
    assert.equal(await later.page.locator('.sample-grid').innerHTML(), await live.page.locator('.sample-grid').innerHTML());
    await later.screenshot('run-view-dark');
    for (const dashboard of [later, live]) {
      assert.deepEqual(await dashboard.problems(), []);
      await dashboard.close();
    }
  });

  test('points within epochs: drawn live, smoothed by the slider (TensorBoard’s EMA) over the faint raw curve; replayed, the same picture', async () => {
    const events = syntheticEvents({ epochs: 3, withSteps: true, lean: true });
    const steps = events.filter((e): e is Extract<DashboardEvent, { type: 'steps' }> => e.type === 'steps');
    const epochs = events.filter((e): e is Extract<DashboardEvent, { type: 'epoch' }> => e.type === 'epoch');
    // Expected from the events: each loss term and the train accuracy at every step point; validation, agreement and KL per epoch.
    const stepPoints = steps.reduce((n, e) => n + e.points.reduce((m, p) => m + (Object.keys(p.losses).length > 2 ? Object.keys(p.losses).length : 1) + 1, 0), 0);
    const epochPoints = epochs.reduce((n, e) => n + 1 + (e.agreement === undefined ? 0 : 1) + (e.valKl === undefined ? 0 : 1), 0);
    const raw = steps.filter((e) => e.phase === 'student').flatMap((e) => e.points.map((p) => p.losses.total));
    assert.equal(raw.length, 3 * (STEPS_PER_EPOCH / STEP_EVERY));
    // TensorBoard's smoothing written as the weighted mean it is: Σ w^(n−i)·y_i / Σ w^(n−i).
    const lastSmoothed = (w: number) => raw.reduce((sum, y, i) => sum + w ** (raw.length - 1 - i) * y, 0) / raw.reduce((sum, _, i) => sum + w ** (raw.length - 1 - i), 0);
    const smoothedShown = async (dashboard: DashboardPage) => JSON.parse((await dashboard.page.locator('#chart-loss').getAttribute('data-smoothed')) ?? '{}') as Record<string, number>;

    const live = await openDashboard(harness());
    await openRun(live, { runDir: RUN, events: [] });
    const stateAfter = async (event: DashboardEvent) => {
      await live.send({ type: 'runEvent', runDir: RUN, event });
      await live.page.waitForTimeout(300); // more than one redraw interval at 4 a second
      return chartState(live);
    };
    await stateAfter(events[0]);
    await stateAfter(events[1]);
    // The first points of the teacher's first epoch: a curve before any epoch has ended.
    const afterOne = await stateAfter(steps[0]);
    assert.equal(afterOne.points, steps[0].points.length * 2, 'the loss term and the train accuracy of each point');
    for (const event of events.slice(2)) await live.send({ type: 'runEvent', runDir: RUN, event });
    await live.page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('.charts')?.dataset.points) === n, stepPoints + epochPoints);
    await live.page.waitForFunction(() => document.querySelector('#run-status')?.textContent?.startsWith('completed'));
    assert.equal(await live.page.locator('#smoothing-value').textContent(), '0.900', 'the default weight');
    assert.ok(Math.abs((await smoothedShown(live))['loss:student:total'] - lastSmoothed(0.9)) < 1e-12);
    const atDefault = await live.page.locator('#chart-loss').screenshot();
    await live.screenshot('run-view-steps-smoothed');

    for (const w of [0.6, 0]) {
      const before = (await chartState(live)).updates;
      await live.page.locator('#smoothing').fill(String(w));
      await live.page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('.charts')?.dataset.updates) > n, before);
      assert.equal(await live.page.locator('.charts').getAttribute('data-smoothing'), String(w));
      const shown = (await smoothedShown(live))['loss:student:total'];
      assert.ok(Math.abs(shown - (w === 0 ? raw.at(-1)! : lastSmoothed(w))) < 1e-12, `w = ${w}: ${shown}`);
      assert.equal((await chartState(live)).points, stepPoints + epochPoints, 'the slider changes no data');
      assert.ok(!(await live.page.locator('#chart-loss').screenshot()).equals(atDefault), `the loss chart changes at w = ${w}`);
    }
    assert.ok(Math.abs(lastSmoothed(0.9) - lastSmoothed(0.6)) > 1e-3, 'the fixture is noisy enough for the weights to differ');

    // The same run opened later from its history, at the same smoothing: the same pixels.
    await live.page.locator('#smoothing').fill('0.9');
    const later = await openDashboard(harness());
    await openRun(later, historyOf(RUN, events));
    await later.page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('.charts')?.dataset.points) === n, stepPoints + epochPoints);
    await live.page.waitForTimeout(300);
    assert.ok((await later.page.locator('.charts').screenshot()).equals(await live.page.locator('.charts').screenshot()), 'live and replayed charts are identical');
    // The sample images come from predictionInputs, by index.
    const inputs = events.find((e) => e.type === 'predictionInputs');
    assert.ok(inputs?.type === 'predictionInputs');
    const card = later.page.locator('.sample').first();
    const index = Number(await card.getAttribute('data-index'));
    const pixels = inputs.samples.find((s) => s.index === index)!.image!.pixels;
    const drawn = await card.locator('canvas').evaluate((canvas) => Array.from((canvas as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data));
    for (const at of [0, 14 * 28 + 14, 10 * 28 + 5]) assert.equal(drawn[at * 4], Math.round(pixels[at] * 255), `pixel ${at}`);
    assert.equal(await later.page.locator('.sample-grid').innerHTML(), await live.page.locator('.sample-grid').innerHTML());
    for (const dashboard of [live, later]) {
      assert.deepEqual(await dashboard.problems(), []);
      await dashboard.close();
    }
  });

  test('the temperature slider re-softens the stored logits: every bar is softmax(z/T) of the top-k classes', async () => {
    const events = syntheticEvents({ epochs: 3, samples: 8 });
    const dashboard = await openDashboard(harness());
    await openRun(dashboard, historyOf(RUN, events));
    await dashboard.page.waitForSelector('.sample');
    const predictions = events.filter((e): e is Extract<DashboardEvent, { type: 'predictions' }> => e.type === 'predictions');
    const latest = new Map(predictions.map((e) => [e.phase, e]));
    // Merged by sample: the teacher's logits from the student's phase (the newest copy), each student from its own.
    const logitsOf = (index: number, role: string): number[] => {
      for (const phase of ['student', 'student-scratch', 'teacher']) {
        const logits = latest.get(phase)?.samples.find((s) => s.index === index)?.logits[role];
        if (logits) return logits;
      }
      throw new Error(`no logits for ${role} of sample ${index}`);
    };

    for (const T of [1, 4, 12.5]) {
      await dashboard.page.locator('#temperature').fill(String(T));
      assert.equal(await dashboard.page.locator('#temperature-value').textContent(), `T = ${T}`);
      const shown = await dashboard.page.locator('.sample').evaluateAll((cards) =>
        cards.map((card) => ({
          index: Number((card as HTMLElement).dataset.index),
          disagree: card.classList.contains('disagree'),
          models: Array.from(card.querySelectorAll<HTMLElement>('.model')).map((m) => ({
            role: m.dataset.role!,
            bars: Array.from(m.querySelectorAll<HTMLElement>('.bar-row')).map((b) => ({ cls: Number(b.dataset.class), p: Number(b.dataset.p), text: b.querySelector('.bar-value')!.textContent })),
          })),
        })),
      );
      assert.equal(shown.length, 8);
      for (const card of shown) {
        assert.deepEqual(
          card.models.map((m) => m.role),
          ['teacher', 'student-scratch', 'student'],
        );
        for (const model of card.models) {
          const expected = softmaxAt(logitsOf(card.index, model.role), T);
          const top3 = expected
            .map((p, cls) => ({ cls, p }))
            .sort((a, b) => b.p - a.p)
            .slice(0, 3);
          assert.deepEqual(
            model.bars.map((b) => b.cls),
            top3.map((t) => t.cls),
            `top-3 classes of ${model.role}, sample ${card.index}, T=${T}`,
          );
          model.bars.forEach((bar, i) => {
            assert.ok(Math.abs(bar.p - top3[i].p) < 1e-12, `p of class ${bar.cls}: ${bar.p} vs ${top3[i].p}`);
            assert.equal(bar.text, `${(top3[i].p * 100).toFixed(1)}%`);
          });
        }
        const argmax = (v: number[]) => v.indexOf(Math.max(...v));
        assert.equal(card.disagree, argmax(logitsOf(card.index, 'teacher')) !== argmax(logitsOf(card.index, 'student')), `disagreement of sample ${card.index}`);
      }
      if (T === 4) await dashboard.screenshot('predictions-T4');
    }
    const disagreements = await dashboard.page.locator('.sample.disagree').count();
    assert.ok(disagreements > 0 && disagreements < 8, `the fixture has some disagreements (${disagreements})`);
    await dashboard.page.locator('#only-disagreements').check();
    assert.equal(await dashboard.page.locator('.sample').count(), disagreements);

    // The image is drawn from the stored pixels.
    const card = dashboard.page.locator('.sample').first();
    const index = Number(await card.getAttribute('data-index'));
    const sample = latest.get('student')!.samples.find((s) => s.index === index)!;
    const drawn = await card.locator('canvas').evaluate((canvas) => Array.from((canvas as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data));
    for (const at of [0, 14 * 28 + 14, 10 * 28 + 5, 27 * 28 + 27]) assert.equal(drawn[at * 4], Math.round(sample.image!.pixels[at] * 255), `pixel ${at}`);
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('after a reload the webview reopens the view and run it showed (its saved state), or the newest run if that one is gone', async () => {
    const item = (runDir: string, createdAt: string) => ({ runDir, id: runDir.split('/').pop()!, experiment: 'synthetic-kd', status: 'completed' as const, method: 'kd', createdAt });
    const runs = [item(RUN, '2026-01-01T00:00:00.000Z'), item('/runs/synthetic-kd/run-2', '2026-01-02T00:00:00.000Z')];
    const reloaded = await openDashboard(harness(), { state: { view: 'run', runDir: RUN } });
    await reloaded.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: '/runs', runs });
    assert.deepEqual((await reloaded.posted()).at(-1), { type: 'openRun', runDir: RUN });
    assert.equal(await reloaded.page.locator('#tab-run').getAttribute('aria-selected'), 'true');
    await reloaded.close();

    const gone = await openDashboard(harness(), { state: { view: 'run', runDir: '/runs/deleted/run-9' } });
    await gone.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: '/runs', runs });
    assert.deepEqual((await gone.posted()).at(-1), { type: 'openRun', runDir: '/runs/synthetic-kd/run-2' });
    await gone.close();
  });

  test('a failed run shows its error; progress shows while a phase trains', async () => {
    const dashboard = await openDashboard(harness());
    const events = syntheticEvents({ epochs: 2, withPredictions: false }).slice(0, 4);
    await openRun(dashboard, { runDir: RUN, events: [] });
    for (const event of events) await dashboard.send({ type: 'runEvent', runDir: RUN, event });
    await dashboard.send({ type: 'runEvent', runDir: RUN, event: { type: 'progress', phase: 'teacher', epoch: 2, epochs: 2, step: 3, steps: 10, losses: { ce: 1 } } });
    await dashboard.page.waitForFunction(() => document.querySelector('#run-status')?.textContent?.includes('step 3/10'));
    assert.equal(await dashboard.page.locator('#run-progress').isVisible(), true);
    await dashboard.send({ type: 'runEvent', runDir: RUN, event: { type: 'failed', message: 'loss term "kd" became NaN at epoch 2' } });
    await dashboard.page.waitForFunction(() => document.querySelector('#run-status')?.textContent?.startsWith('failed'));
    assert.match((await dashboard.page.locator('#run-status').textContent()) ?? '', /became NaN/);
    assert.equal(await dashboard.page.locator('#run-progress').isVisible(), false);
    // Events of another run are not drawn here.
    const before = await chartState(dashboard);
    await dashboard.send({ type: 'runEvent', runDir: '/runs/other/run-2', event: events[1] });
    await dashboard.page.waitForTimeout(600);
    assert.deepEqual(await chartState(dashboard), before);
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  for (const theme of ['light', 'high-contrast'] as const) {
    test(`the run view is readable in the ${theme} theme (screenshot)`, async () => {
      const dashboard = await openDashboard(harness(), { theme });
      await openRun(dashboard, historyOf(RUN, syntheticEvents({ epochs: 8 })));
      await dashboard.page.waitForSelector('.sample');
      await dashboard.page.waitForFunction(() => Number(document.querySelector<HTMLElement>('.charts')?.dataset.points) > 0);
      await dashboard.screenshot(`run-view-${theme}`);
      assert.deepEqual(await dashboard.problems(), []);
      await dashboard.close();
    });
  }
});
