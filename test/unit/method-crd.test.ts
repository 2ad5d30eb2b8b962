import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';
import { ContrastiveDistiller } from '../../src/core/distill/crd';
import { createDistiller } from '../../src/core/distill/registry';
import { parseExperimentConfig } from '../../src/shared/protocol';
import { buildModel } from '../../src/core/models/zoo';
import { trainStep } from '../../src/core/train/step';
import { assertProblem, assertTrains, builtinBatch, changed, methodConfig, methodDefaults, runMethod, scratchDir, snapshot } from '../support/method-run';

describe('method crd', () => {
  const dir = scratchDir('crd');
  before(() => initBackend('wasm', () => {}));
  after(() => dir.remove());

  test("defaults: RepDistiller's β=0.8, 128-d, K=16384, τ=0.07, momentum 0.5, no KD", () => {
    assert.deepEqual(methodDefaults({ name: 'crd' }), {
      name: 'crd',
      beta: 0.8,
      featDim: 128,
      nceK: 16384,
      nceT: 0.07,
      nceMomentum: 0.5,
      kdWeight: 0,
      temperature: 4,
    });
  });

  test('a momentum of 1 (banks that never move) is a clear config error', () => {
    assertProblem({ method: { name: 'crd', nceMomentum: 1 } }, /config\.method\.nceMomentum: expected less than 1, got 1/);
  });

  test("one step: the embed heads train with the student, K is capped at N−1, and only the batch's memory rows move", () => {
    const batch = builtinBatch(16);
    const opts = { inputShape: batch.inputShape, numClasses: 10 };
    const teacher = buildModel({ arch: 'mlp', hidden: [32] }, { ...opts, role: 'teacher', seed: 1 });
    const student = buildModel({ arch: 'mlp', hidden: [8] }, { ...opts, role: 'student', seed: 2 });
    const nData = 40;
    const crd = new ContrastiveDistiller(student, teacher, { beta: 0.8, featDim: 16, nceK: 16384, nceT: 0.07, nceMomentum: 0.5, kdWeight: 0, temperature: 4 }, { nData, seed: 3 });
    // Student variables, then two heads of a kernel and a bias each.
    assert.equal(crd.trainableVariables().length, student.trainableVariables().length + 4);
    assert.equal(crd.memory.drawContrastIndices(new Int32Array([0, 1])).length, 2 * nData, 'K = N − 1 negatives per sample');
    const before = crd.memory.memories();
    const heads = crd.trainableVariables().slice(student.trainableVariables().length);
    const headsBefore = snapshot(heads);
    const optimizer = tf.train.adam(1e-2);
    const indices = Int32Array.from({ length: 16 }, (_, i) => i * 2); // even rows only
    const step = trainStep(crd, optimizer, { x: batch.x, y: batch.y, indices }, batch.y, { epoch: 0, epochs: 1 }, 0);
    assert.deepEqual(Object.keys(step.losses).sort(), ['ce', 'crd', 'total']);
    const after = crd.memory.memories();
    for (const bank of ['student', 'teacher'] as const) {
      for (let row = 0; row < nData; row++) {
        const moved = after[bank][row].some((v, d) => v !== before[bank][row][d]);
        assert.equal(moved, row % 2 === 0 && row < 32, `${bank} bank row ${row}`);
      }
      // Moved rows are unit vectors again.
      const norm = Math.hypot(...after[bank][0]);
      assert.ok(Math.abs(norm - 1) < 1e-5, `${bank} row 0 norm ${norm}`);
    }
    assert.ok(changed(headsBefore, heads).every(Boolean), 'both embed heads learn');
    optimizer.dispose();
    crd.dispose();
    [teacher, student].forEach((m) => m.dispose());
    batch.dispose();
  });

  test('the run plan gives CRD the training split’s labels: no negative shares its anchor’s class', () => {
    const batch = builtinBatch(16);
    const opts = { inputShape: batch.inputShape, numClasses: 10 };
    const teacher = buildModel({ arch: 'mlp', hidden: [32] }, { ...opts, role: 'teacher', seed: 1 });
    const student = buildModel({ arch: 'mlp', hidden: [8] }, { ...opts, role: 'student', seed: 2 });
    const labels = Int32Array.from({ length: 200 }, (_, i) => i % 10);
    const crd = createDistiller(parseExperimentConfig({ method: { name: 'crd', nceK: 50 } }).method, { student, teacher, nData: labels.length, labels, seed: 3 }) as ContrastiveDistiller;
    const anchors = Int32Array.from([0, 7, 13, 199]);
    const drawn = crd.memory.drawContrastIndices(anchors);
    anchors.forEach((anchor, a) => {
      const row = Array.from(drawn.subarray(a * 51, (a + 1) * 51));
      assert.equal(row[0], anchor, 'the positive first');
      assert.ok(
        row.slice(1).every((j) => labels[j] !== labels[anchor]),
        `anchor ${anchor}: a negative of its own class`,
      );
      assert.equal(new Set(row.slice(1)).size, 50, '50 of the 180 other-class samples fit: drawn without replacement');
    });
    crd.dispose();
    [teacher, student].forEach((m) => m.dispose());
    batch.dispose();
  });

  test('CRD alone: ce and crd, loss falling', async () => {
    const run = await runMethod(methodConfig({ method: { name: 'crd' } }), dir.path('alone'));
    assertTrains(run, 'student', ['ce', 'crd']);
  });

  test('CRD+KD: the kd term joins', async () => {
    const run = await runMethod(methodConfig({ method: { name: 'crd', kdWeight: 1, nceK: 64 } }), dir.path('kd'));
    assertTrains(run, 'student', ['ce', 'crd', 'kd']);
  });
});
