// Curves within an epoch and lean run folders, on a real (tiny) run: the cadence of the step
// points, that they are faithful to the epoch means, that the run folder replays as the live
// events drew it, and that the prediction inputs are stored once and still found (old runs too).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../../src/core/backend/select';
import { runExperiment } from '../../src/core/run/experiment';
import { isReportStep, MAX_STEP_POINTS_PER_EPOCH, stepReportEvery, StepWindow } from '../../src/core/train/step-report';
import { isDashboardEvent, readRunHistory } from '../../src/host/dashboard/run-data';
import type { DashboardEvent, TrainerEvent } from '../../src/shared/protocol';
import { RunFolder } from '../../src/shared/run-folder';
import { mergePredictions } from '../../webview/predictions-model';
import { applyEvent, runFromHistory } from '../../webview/run-state';
import { runSeries } from '../../webview/series';
import { tinyConfig } from '../support/tiny-config';

type Steps = Extract<TrainerEvent, { type: 'steps' }>;
type Epoch = Extract<TrainerEvent, { type: 'epoch' }>;
type Predictions = Extract<TrainerEvent, { type: 'predictions' }>;
type Inputs = Extract<TrainerEvent, { type: 'predictionInputs' }>;

describe('step cadence', () => {
  test('every N steps with N the fewest that keep an epoch within MAX_STEP_POINTS_PER_EPOCH points', () => {
    for (let steps = 1; steps <= 20_000; steps += steps < 400 ? 1 : 37) {
      const every = stepReportEvery(steps);
      const points = Array.from({ length: steps }, (_, i) => i + 1).filter((s) => isReportStep(s, every, steps)).length;
      assert.equal(points, Math.ceil(steps / every), `${steps} steps`);
      assert.ok(points <= MAX_STEP_POINTS_PER_EPOCH, `${steps} steps every ${every}: ${points} points`);
      // One step fewer per point would exceed the bound: the curve is as fine as the bound allows.
      if (every > 1) assert.ok(Math.ceil(steps / (every - 1)) > MAX_STEP_POINTS_PER_EPOCH, `${steps} steps: every ${every - 1} would do`);
    }
    assert.equal(stepReportEvery(782), 8); // CIFAR-10 at batch 64: 98 points an epoch
  });

  test('a window is the batch-size-weighted mean of its steps, then starts afresh', () => {
    const window = new StepWindow();
    window.add({ ce: 1, total: 1 }, 4, 3);
    window.add({ ce: 4, total: 4 }, 2, 0);
    assert.deepEqual(window.take(2), { step: 2, losses: { ce: 2, total: 2 }, accuracy: 0.5 });
    assert.equal(window.take(3), undefined);
    window.add({ ce: 1 / 3, total: 1 / 3 }, 3, 1);
    assert.deepEqual(window.take(3), { step: 3, losses: { ce: 0.333333, total: 0.333333 }, accuracy: 0.333333 });
  });
});

describe('a real run: step points, replay, lean predictions', () => {
  let dir: string;
  let runDir: string;
  const live: TrainerEvent[] = [];
  const TRAIN = 1000;
  const BATCH = 4;

  before(async () => {
    await initBackend('wasm', () => {});
    dir = mkdtempSync(join(tmpdir(), 'distill-steps-'));
    runDir = join(dir, 'tiny', 'run-1');
    // 250 steps an epoch: more than the bound, so points are every 3 steps.
    const config = tinyConfig({
      data: { dataset: { kind: 'builtin' }, limitTrain: TRAIN, limitValidation: 100 },
      teacher: { model: { arch: 'mlp', hidden: [16] }, train: { epochs: 1 } },
      train: { epochs: 2, batchSize: BATCH },
      predictionSamples: 6,
    });
    await runExperiment(config, { runDir, onEvent: (event) => live.push(event) });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('every phase reports at most the bound of points per epoch, every N steps and at its last, before its epoch event', () => {
    const steps = Math.ceil(TRAIN / BATCH);
    const every = stepReportEvery(steps);
    assert.equal(every, 3);
    const epochs = live.filter((e): e is Epoch => e.type === 'epoch');
    assert.deepEqual(
      epochs.map((e) => `${e.phase}#${e.epoch}`),
      ['teacher#1', 'student-scratch#1', 'student-scratch#2', 'student#1', 'student#2'],
    );
    for (const epoch of epochs) {
      const events = live.filter((e): e is Steps => e.type === 'steps' && e.phase === epoch.phase && e.epoch === epoch.epoch);
      assert.ok(
        events.every((e) => e.steps === steps && e.epochs === epoch.epochs),
        'each event says where its points are',
      );
      const points = events.flatMap((e) => e.points);
      const expected: number[] = Array.from({ length: steps }, (_, i) => i + 1).filter((s) => s % every === 0 || s === steps);
      assert.deepEqual(
        points.map((p) => p.step),
        expected,
        `${epoch.phase} epoch ${epoch.epoch}`,
      );
      assert.ok(points.length <= MAX_STEP_POINTS_PER_EPOCH);
      // Sent before the epoch's own event, so the curve reaches the epoch's end when its validation point appears.
      assert.ok(live.indexOf(events.at(-1)!) < live.indexOf(epoch));
      // Batched: far fewer events than points.
      assert.ok(events.length < points.length, `${events.length} events for ${points.length} points`);

      // Faithful: the points, weighted by their samples, give the epoch's means.
      let previous = 0;
      const weights = points.map((p) => {
        const samples = (p.step - previous) * BATCH;
        previous = p.step;
        return samples;
      });
      const mean = (value: (p: (typeof points)[number]) => number) => points.reduce((sum, p, i) => sum + value(p) * weights[i], 0) / TRAIN;
      assert.deepEqual(Object.keys(points[0].losses).sort(), Object.keys(epoch.losses).sort(), 'every loss term');
      for (const term of Object.keys(epoch.losses)) {
        const got = mean((p) => p.losses[term]);
        assert.ok(Math.abs(got - epoch.losses[term]) <= 1e-5 * Math.max(1, Math.abs(epoch.losses[term])), `${epoch.phase} ${term}: ${got} vs ${epoch.losses[term]}`);
      }
      const accuracy = mean((p) => p.accuracy);
      assert.ok(Math.abs(accuracy - epoch.trainAccuracy[epoch.phase]) < 1e-5, `train accuracy ${accuracy} vs ${epoch.trainAccuracy[epoch.phase]}`);
    }
  });

  test('watched live or replayed from metrics.jsonl: the same series and predictions', () => {
    const watched = runFromHistory({ runDir, events: [] });
    for (const event of live) if (isDashboardEvent(event)) applyEvent(watched, event);
    const history = readRunHistory(runDir);
    const replayed = runFromHistory(history);
    assert.equal(watched.status, 'completed');
    assert.equal(replayed.status, 'completed');
    const series = runSeries(replayed);
    assert.deepEqual(runSeries(watched), series);
    assert.deepEqual(mergePredictions(watched), mergePredictions(replayed));

    // The student's curves: step points at fractional epochs, validation at the epochs' ends.
    const total = series.loss.find((s) => s.id === 'loss:student:total')!;
    assert.equal(total.smooth, true);
    assert.equal(total.points.length, 2 * Math.ceil(250 / 3));
    assert.deepEqual(
      total.points.slice(0, 3).map((p) => p.x),
      [3 / 250, 6 / 250, 9 / 250],
    );
    assert.equal(total.points.at(-1)!.x, 2);
    assert.deepEqual(
      series.accuracy.find((s) => s.id === 'acc:student:val')!.points.map((p) => p.x),
      [1, 2],
    );
    assert.equal(series.accuracy.find((s) => s.id === 'acc:student:train')!.smooth, true);
  });

  test('the prediction inputs are stored once; later events name them by index', () => {
    const events = new RunFolder(runDir).readEvents();
    const inputs = events.filter((e): e is Inputs & { time: string } => e.type === 'predictionInputs');
    assert.equal(inputs.length, 1);
    assert.ok(events.findIndex((e) => e.type === 'predictionInputs') < events.findIndex((e) => e.type === 'predictions'), 'before the first predictions');
    const samples = inputs[0].samples;
    assert.equal(samples.length, 6);
    for (const sample of samples) {
      assert.deepEqual([sample.image?.width, sample.image?.height, sample.image?.channels], [28, 28, 1]);
      assert.equal(sample.image?.pixels.length, 784);
      assert.ok(sample.image!.pixels.every((v) => v >= 0 && v <= 1));
    }
    const predictions = events.filter((e): e is Predictions & { time: string } => e.type === 'predictions');
    assert.equal(predictions.length, 5);
    for (const event of predictions) {
      assert.deepEqual(
        event.samples.map((s) => [s.index, s.label, 'image' in s]),
        samples.map((s) => [s.index, s.label, false]),
      );
    }
    // The lines themselves carry no pixels.
    const lines = readFileSync(new RunFolder(runDir).path('metrics.jsonl'), 'utf8').split('\n');
    assert.equal(lines.filter((line) => line.includes('"pixels":[')).length, 1);

    // Round trip: the dashboard finds each sample's image by its index.
    const merged = mergePredictions(runFromHistory(readRunHistory(runDir)))!;
    assert.deepEqual(
      merged.samples.map((s) => s.image),
      samples.map((s) => s.image),
    );
    assert.deepEqual(merged.roles, ['teacher', 'student-scratch', 'student']);
  });

  test('an older run (images in every predictions event, no predictionInputs) replays to the same predictions', () => {
    const events = new RunFolder(runDir).readEvents();
    const inputs = (events.find((e) => e.type === 'predictionInputs') as Inputs).samples;
    const imageOf = new Map(inputs.map((s) => [s.index, s.image]));
    const old = new RunFolder(join(dir, 'tiny', 'run-old'));
    old.ensure();
    for (const { time: _time, ...event } of events) {
      if (event.type === 'predictionInputs' || event.type === 'steps') continue;
      old.appendEvent(event.type === 'predictions' ? { ...event, samples: event.samples.map((s) => ({ ...s, image: imageOf.get(s.index) })) } : event);
    }
    assert.equal(
      readFileSync(old.path('metrics.jsonl'), 'utf8')
        .split('\n')
        .filter((line) => line.includes('"pixels":[')).length,
      5,
    );
    const history = readRunHistory(old.dir);
    assert.equal(history.events.filter((e) => e.type === 'predictions').length, 3, 'the latest of each phase');
    const replayedOld = runFromHistory(history);
    const replayedNew = runFromHistory(readRunHistory(runDir));
    assert.deepEqual(mergePredictions(replayedOld), mergePredictions(replayedNew));
    // Without points within epochs, the old run's curves are its epoch means, at the epochs' ends.
    const total = runSeries(replayedOld).loss.find((s) => s.id === 'loss:student:total')!;
    assert.equal(total.smooth, false);
    const epochs = history.events.filter((e): e is DashboardEvent & Epoch => e.type === 'epoch' && e.phase === 'student');
    assert.deepEqual(
      total.points,
      epochs.map((e) => ({ x: e.epoch, y: e.losses.total })),
    );
  });
});
