import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mergePredictions, mainStudent } from '../../webview/predictions-model';
import { applyEvent, runFromHistory } from '../../webview/run-state';
import { runSeries } from '../../webview/series';
import { historyOf, STEP_EVERY, STEPS_PER_EPOCH, syntheticEvents } from '../webview/fixtures';

describe('run state: history and live events give the same curves', () => {
  test('watched live (with progress and repeats) or replayed from metrics.jsonl: equal series and predictions', () => {
    const events = syntheticEvents({ epochs: 4 });
    const replayed = runFromHistory(historyOf('/r', events));
    const live = runFromHistory({ runDir: '/r', events: [] });
    for (const event of events) applyEvent(live, event);
    for (const event of events.slice(5, 15)) applyEvent(live, event); // arrived twice
    live.status = replayed.status;
    assert.deepEqual(runSeries(live), runSeries(replayed));
    assert.deepEqual(mergePredictions(live), mergePredictions(replayed));
  });

  test('with points within epochs and inputs sent once: live (with repeats) and replayed give equal series and predictions', () => {
    const events = syntheticEvents({ epochs: 3, withSteps: true, lean: true });
    const replayed = runFromHistory(historyOf('/r', events));
    const live = runFromHistory({ runDir: '/r', events: [] });
    for (const event of events) applyEvent(live, event);
    for (const event of events.filter((e) => e.type === 'steps').slice(3, 9)) applyEvent(live, event); // arrived twice
    live.status = replayed.status;
    const series = runSeries(replayed);
    assert.deepEqual(runSeries(live), series);
    assert.deepEqual(mergePredictions(live), mergePredictions(replayed));
    // Step points at x = epoch − 1 + step / steps, smoothed; validation at the epochs' ends, not smoothed.
    const ce = series.loss.find((s) => s.id === 'loss:teacher:ce')!;
    assert.equal(ce.smooth, true);
    assert.equal(ce.points.length, 3 * (STEPS_PER_EPOCH / STEP_EVERY));
    assert.deepEqual(
      ce.points.slice(0, 2).map((p) => p.x),
      [STEP_EVERY / STEPS_PER_EPOCH, (2 * STEP_EVERY) / STEPS_PER_EPOCH],
    );
    const firstStepEvent = events.find((e) => e.type === 'steps' && e.phase === 'teacher');
    assert.ok(firstStepEvent?.type === 'steps');
    assert.equal(ce.points[0].y, firstStepEvent.points[0].losses.ce);
    const val = series.accuracy.find((s) => s.id === 'acc:teacher:val')!;
    assert.equal(val.smooth, undefined);
    assert.deepEqual(
      val.points.map((p) => p.x),
      [1, 2, 3],
    );
    // The images come from predictionInputs, by index.
    const inputs = events.find((e) => e.type === 'predictionInputs');
    assert.ok(inputs?.type === 'predictionInputs');
    assert.deepEqual(
      mergePredictions(replayed)!.samples.map((s) => s.image),
      inputs.samples.map((s) => s.image),
    );
  });

  test('series: a lone loss term stands for the total; several terms come with their total first', () => {
    const run = runFromHistory(historyOf('/r', syntheticEvents({ epochs: 2, withPredictions: false })));
    const loss = runSeries(run).loss.map((s) => s.label);
    assert.deepEqual(loss, ['teacher · ce', 'student-scratch · ce', 'student · total', 'student · ce', 'student · kd']);
    const accuracy = runSeries(run).accuracy.find((s) => s.id === 'acc:student:val')!;
    assert.deepEqual(
      accuracy.points.map((p) => p.x),
      [1, 2],
    );
  });

  test('older predictions never replace newer ones; run.json has the last word on status', () => {
    const events = syntheticEvents({ epochs: 3 });
    const predictions = events.filter((e) => e.type === 'predictions' && e.phase === 'student');
    const run = runFromHistory({ runDir: '/r', events: [], record: { id: 'r', experiment: 'x', status: 'interrupted', method: 'kd', createdAt: '' } });
    assert.equal(run.status, 'interrupted');
    applyEvent(run, predictions[2]);
    applyEvent(run, predictions[0]);
    assert.equal(run.predictions.get('student')?.epoch, 3);
  });

  test('the student compared with the teacher is the distilled one, else the baseline', () => {
    assert.equal(mainStudent(['teacher', 'student-scratch', 'student']), 'student');
    assert.equal(mainStudent(['teacher', 'student-scratch']), 'student-scratch');
    assert.equal(mainStudent(['teacher']), undefined);
  });
});
