import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mergePredictions, mainStudent } from '../../webview/predictions-model';
import { applyEvent, runFromHistory } from '../../webview/run-state';
import { runSeries } from '../../webview/series';
import { historyOf, syntheticEvents } from '../webview/fixtures';

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
