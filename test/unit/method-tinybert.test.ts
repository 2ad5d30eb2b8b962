import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';
import { tinyBertLayerMap, TinyBertDistiller } from '../../src/core/distill/tinybert';
import { buildModel } from '../../src/core/models/zoo';
import type { ZooModel } from '../../src/core/models/zoo-model';
import { assertProblem, assertRejectedBeforeTraining, assertTrains, builtinBatch, methodConfig, methodDefaults, runMethod, scratchDir } from '../support/method-run';

/** A tensor as nested float64 arrays of its last axis: rows[i] is the i-th vector along the last axis. */
function lastAxisRows(x: tf.Tensor): number[][] {
  const width = x.shape[x.shape.length - 1];
  const flat = Array.from(x.dataSync());
  return Array.from({ length: flat.length / width }, (_, i) => flat.slice(i * width, (i + 1) * width));
}

/** [B, H, W, C] → [B, C], the mean over positions, in float64. */
function gap(x: tf.Tensor): number[][] {
  const [b, h, w, c] = x.shape;
  const rows = lastAxisRows(x);
  return Array.from({ length: b }, (_, i) =>
    Array.from({ length: c }, (_, k) => {
      let sum = 0;
      for (let p = 0; p < h * w; p++) sum += rows[i * h * w + p][k];
      return sum / (h * w);
    }),
  );
}

const mse = (a: number[][], b: number[][]) => {
  let sum = 0;
  let n = 0;
  a.forEach((row, i) => row.forEach((v, k) => ((sum += (v - b[i][k]) ** 2), n++)));
  return sum / n;
};

describe('method tinybert', () => {
  const dir = scratchDir('tinybert');
  before(() => initBackend('wasm', () => {}));
  after(() => dir.remove());

  const models = (studentSpec: object, teacherSpec: object, inputShape: number[]) => {
    const opts = { inputShape, numClasses: 10 };
    return {
      teacher: buildModel(teacherSpec as never, { ...opts, role: 'teacher', seed: 1 }),
      student: buildModel(studentSpec as never, { ...opts, role: 'student', seed: 2 }),
    };
  };
  const added = (distiller: TinyBertDistiller, student: ZooModel) => {
    const own = new Set(student.trainableVariables());
    return distiller.trainableVariables().filter((v) => !own.has(v));
  };

  test('defaults: T=1 (task_distill.py), one shared projection (fit_dense), intermediate stage as long as the prediction stage', () => {
    assert.deepEqual(methodDefaults({ name: 'tinybert' }), { name: 'tinybert', temperature: 1, projection: 'shared' });
  });

  test('a zero temperature or an unknown projection is a clear config error', () => {
    assertProblem({ method: { name: 'tinybert', temperature: 0 } }, /config\.method\.temperature: expected more than 0, got 0/);
    assertProblem({ method: { name: 'tinybert', projection: 'none' } }, /config\.method\.projection: expected one of "shared", "per-layer", got "none"/);
  });

  test('layer map: embedding to embedding, hidden blocks spread uniformly, last to last', () => {
    assert.deepEqual(tinyBertLayerMap(3, 5), [0, 2, 4]);
    assert.deepEqual(tinyBertLayerMap(4, 4), [0, 1, 2, 3]);
    assert.deepEqual(tinyBertLayerMap(1, 3), [0]);
  });

  test('prediction stage: soft cross-entropy averaged over batch × classes (task_distill.py), by hand in float64', () => {
    const batch = builtinBatch(8);
    const { teacher, student } = models({ arch: 'mlp', hidden: [16] }, { arch: 'mlp', hidden: [32] }, batch.inputShape);
    const t = 2;
    const zt = lastAxisRows(teacher.predict(batch.x));
    const distiller = new TinyBertDistiller(student, teacher, { temperature: t, seed: 0 }, 'prediction');
    const { soft, zs } = tf.tidy(() => {
      const out = distiller.forwardTrain({ x: batch.x, y: null, indices: batch.indices });
      return { soft: out.losses.soft.dataSync()[0], zs: lastAxisRows(out.logits) };
    });
    // −(1/(B·C)) Σ_b Σ_c softmax(z_t/T)_c · log softmax(z_s/T)_c.
    const logSoftmax = (row: number[]) => {
      const m = Math.max(...row.map((v) => v / t));
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v / t - m), 0));
      return row.map((v) => v / t - lse);
    };
    let sum = 0;
    zs.forEach((row, b) => {
      const logQ = logSoftmax(row);
      logSoftmax(zt[b]).forEach((logP, c) => (sum -= Math.exp(logP) * logQ[c]));
    });
    const expected = sum / (zs.length * 10);
    assert.ok(Math.abs(soft - expected) < 1e-5 * Math.max(1, expected), `soft ${soft} vs hand ${expected} (the batch mean over classes' sum would be ${sum / zs.length})`);
    [teacher, student].forEach((m) => m.dispose());
    batch.dispose();
  });

  test('"shared": one projection W among the trainable variables, applied to every layer (maps, and pooled vectors), losses by hand', () => {
    const batch = builtinBatch(4);
    // Student blocks [14,14,4], [7,7,4], [3,3,4]; teacher blocks [14,14,8], [7,7,8]; map [0, 1, 1]:
    // same-size maps for blocks 0 and 1, global average pooling on both sides for block 2 (3 ∤ 7).
    const { teacher, student } = models({ arch: 'cnn', widths: [4, 4, 4] }, { arch: 'cnn', widths: [8, 8] }, batch.inputShape);
    const distiller = new TinyBertDistiller(student, teacher, { temperature: 1, seed: 0 }, 'intermediate');
    const variables = added(distiller, student);
    assert.deepEqual(
      variables.map((v) => v.shape),
      [[4, 8], [8]],
      'exactly one W (kernel and bias) besides the student',
    );
    const [kernel, bias] = variables.map((v) => lastAxisRows(v));
    const project = (rows: number[][]) => rows.map((x) => bias[0].map((b0, j) => x.reduce((s, xi, i) => s + xi * kernel[i][j], b0)));
    const hand = tf.tidy(() => {
      const fs = student.forward(batch.x, true).features;
      const ft = teacher.forward(batch.x, false).features;
      return {
        embedding: mse(project(lastAxisRows(fs[0])), lastAxisRows(ft[0])),
        hidden: mse(project(lastAxisRows(fs[1])), lastAxisRows(ft[1])) + mse(project(gap(fs[2])), gap(ft[1])),
      };
    });
    const losses = tf.tidy(() => {
      const out = distiller.forwardTrain({ x: batch.x, y: null, indices: batch.indices });
      return { embedding: out.losses.embedding.dataSync()[0], hidden: out.losses.hidden.dataSync()[0] };
    });
    for (const k of ['embedding', 'hidden'] as const) {
      assert.ok(Math.abs(losses[k] - hand[k]) < 1e-4 * Math.max(1, hand[k]), `${k}: ${losses[k]} vs hand ${hand[k]}`);
    }
    const perLayer = new TinyBertDistiller(student, teacher, { temperature: 1, projection: 'per-layer', seed: 0 }, 'intermediate');
    assert.equal(added(perLayer, student).length, 6, "'per-layer': a kernel and a bias for each of the three layers");
    [distiller, perLayer].forEach((d) => d.dispose());
    [teacher, student].forEach((m) => m.dispose());
    batch.dispose();
  });

  test('"shared" with student blocks of different widths: rejected before training, naming method.projection and suggesting "per-layer"', async () => {
    await assertRejectedBeforeTraining(
      methodConfig({
        method: { name: 'tinybert', intermediateEpochs: 1 },
        teacher: { model: { arch: 'mlp', hidden: [32, 24] }, train: { epochs: 1 } },
        student: { model: { arch: 'mlp', hidden: [16, 8] } },
      }),
      dir.path('widths'),
      /config\.method\.projection: "shared" .*config\.student\.model has blocks 16, 8 wide.*set method\.projection to "per-layer"/,
    );
  });

  test('two stages, one shared W: embedding + hidden matching, then soft cross-entropy; both losses fall', async () => {
    const run = await runMethod(
      methodConfig({
        method: { name: 'tinybert', intermediateEpochs: 2 },
        teacher: { model: { arch: 'mlp', hidden: [32, 32] }, train: { epochs: 1 } },
        student: { model: { arch: 'mlp', hidden: [16, 16] } },
      }),
      dir.path('run'),
    );
    assert.deepEqual(run.phases, ['teacher', 'student-intermediate', 'student']);
    assert.equal(run.epochs.filter((e) => e.phase === 'student-intermediate').length, 2);
    assertTrains(run, 'student-intermediate', ['embedding', 'hidden']);
    assertTrains(run, 'student', ['soft']);
  });

  test('per-layer projections for blocks of different widths: the intermediate loss falls', async () => {
    const run = await runMethod(
      methodConfig({
        method: { name: 'tinybert', projection: 'per-layer', intermediateEpochs: 2 },
        teacher: { model: { arch: 'mlp', hidden: [32, 24] }, train: { epochs: 1 } },
        student: { model: { arch: 'mlp', hidden: [16, 8] } },
        train: { epochs: 1, batchSize: 32, learningRate: 3e-3 },
      }),
      dir.path('per-layer'),
    );
    assertTrains(run, 'student-intermediate', ['embedding', 'hidden']);
  });
});
