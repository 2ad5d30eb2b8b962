import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { tinyBertLayerMap } from '../../src/core/distill/tinybert';
import { assertProblem, assertTrains, methodConfig, methodDefaults, runMethod, scratchDir } from '../support/method-run';

describe('method tinybert', () => {
  const dir = scratchDir('tinybert');
  after(() => dir.remove());

  test('defaults: T=1 (task_distill.py), intermediate stage as long as the prediction stage', () => {
    assert.deepEqual(methodDefaults({ name: 'tinybert' }), { name: 'tinybert', temperature: 1 });
  });

  test('a zero temperature is a clear config error', () => {
    assertProblem({ method: { name: 'tinybert', temperature: 0 } }, /config\.method\.temperature: expected more than 0, got 0/);
  });

  test('layer map: embedding to embedding, hidden blocks spread uniformly, last to last', () => {
    assert.deepEqual(tinyBertLayerMap(3, 5), [0, 2, 4]);
    assert.deepEqual(tinyBertLayerMap(4, 4), [0, 1, 2, 3]);
    assert.deepEqual(tinyBertLayerMap(1, 3), [0]);
  });

  test('two stages: embedding + hidden matching through learned projections, then soft cross-entropy; both losses fall', async () => {
    const run = await runMethod(
      methodConfig({
        method: { name: 'tinybert', intermediateEpochs: 2 },
        teacher: { model: { arch: 'mlp', hidden: [32, 24] }, train: { epochs: 1 } },
        student: { model: { arch: 'mlp', hidden: [16, 8] } },
      }),
      dir.path('run'),
    );
    assert.deepEqual(run.phases, ['teacher', 'student-intermediate', 'student']);
    assert.equal(run.epochs.filter((e) => e.phase === 'student-intermediate').length, 2);
    assertTrains(run, 'student-intermediate', ['embedding', 'hidden']);
    assertTrains(run, 'student', ['soft']);
  });
});
