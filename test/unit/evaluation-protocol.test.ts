// DESIGN §6: validation chooses the best checkpoint; test is evaluated once at the end, on the
// best-validation checkpoint (the headline) and on the last epoch — checked here against the
// checkpoints on disk, evaluated independently on the test split.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { prepareData } from '../../src/core/run/prepare-data';
import { loadModel } from '../../src/core/models/checkpoint';
import { predictLogits } from '../../src/core/train/evaluate';
import { parseExperimentConfig } from '../../src/shared/protocol';
import { epochsOf, runMethod, scratchDir } from '../support/method-run';
import { tinyConfig } from '../support/tiny-config';

const scratch = scratchDir('protocol');
after(scratch.remove);

function accuracy(logits: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  labels.forEach((label, i) => {
    const row = Array.from(logits.subarray(i * classes, (i + 1) * classes));
    if (row.indexOf(Math.max(...row)) === label) correct++;
  });
  return correct / labels.length;
}

test('every model of a run carries best/last validation and test figures; test is the best-validation checkpoint’s', async () => {
  const input = tinyConfig({
    name: 'protocol',
    data: { dataset: { kind: 'builtin' }, limitTrain: 400, limitValidation: 150, limitTest: 300 },
    teacher: { model: { arch: 'mlp', hidden: [32] }, train: { epochs: 4 } },
    train: { epochs: 4, batchSize: 32, learningRate: 0.05, optimizer: { kind: 'sgd', momentum: 0.9 } },
  });
  const run = await runMethod(input, scratch.path('run'));
  const config = parseExperimentConfig(input);
  const data = await prepareData(config.data, 0, undefined);
  assert.equal(data.test.count, 300);
  assert.deepEqual(
    run.summary.models.map((m) => m.role),
    ['teacher', 'student-scratch', 'student'],
  );
  for (const model of run.summary.models) {
    const epochs = epochsOf(run, model.role);
    const val = epochs.map((e) => e.valAccuracy[model.role]);
    // Best is the first epoch reaching the highest validation accuracy: validation, not test, decided.
    assert.equal(model.bestValAccuracy, Math.max(...val));
    assert.equal(model.bestEpoch, val.indexOf(Math.max(...val)) + 1);
    assert.equal(model.lastValAccuracy, val.at(-1));
    for (const [kind, figure] of [
      ['best', model.testAccuracy],
      ['last', model.testAccuracyLast],
    ] as const) {
      const checkpoint = await loadModel(run.folder.checkpointDir(model.role, kind));
      const expected = accuracy(predictLogits(checkpoint, data.test, data.inputShape), data.test.y, data.classNames.length);
      checkpoint.dispose();
      assert.equal(figure, expected, `${model.role}: test accuracy of the ${kind} checkpoint`);
    }
  }
  const onDisk = run.folder.readSummary();
  assert.deepEqual(
    onDisk?.models.map((m) => [m.role, m.testAccuracy, m.testAccuracyLast]),
    run.summary.models.map((m) => [m.role, m.testAccuracy, m.testAccuracyLast]),
    'summary.json carries the test figures',
  );
});

test('a run’s seed changes initialisation, never the split; data.splitSeed changes the split', async () => {
  const base = { dataset: { kind: 'builtin' as const }, limitTrain: 300, limitValidation: 100, limitTest: 100 };
  const ids = async (input: object) => {
    const data = await prepareData(parseExperimentConfig(input).data, 0, undefined);
    return [data.train, data.validation, data.test].map((split) => Array.from(split.x.subarray(0, 784 * 5)).join(','));
  };
  const a = await ids({ seed: 1, data: base });
  assert.deepEqual(await ids({ seed: 2, data: base }), a);
  assert.notDeepEqual(await ids({ seed: 1, data: { ...base, splitSeed: 9 } }), a);
});
