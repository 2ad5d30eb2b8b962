import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';
import { ConvConnector } from '../../src/core/distill/modules/connector';
import { SrrlDistiller } from '../../src/core/distill/srrl';
import { buildModel } from '../../src/core/models/zoo';
import { trainStep } from '../../src/core/train/step';
import type { ModelSpecInput } from '../../src/shared/protocol';
import { assertProblem, assertTrains, builtinBatch, changed, methodConfig, methodDefaults, runMethod, scratchDir, snapshot } from '../support/method-run';

describe('method srrl', () => {
  const dir = scratchDir('srrl');
  before(() => initBackend('wasm', () => {}));
  after(() => dir.remove());

  test('defaults: α=1, β=1, L2 softmax regression, connector auto, no KD', () => {
    assert.deepEqual(methodDefaults({ name: 'srrl' }), { name: 'srrl', alpha: 1, beta: 1, sr: 'l2', connector: 'auto', kdWeight: 0, temperature: 4 });
  });

  test('an unknown softmax-regression loss or connector is a clear config error', () => {
    assertProblem({ method: { name: 'srrl', sr: 'kl' } }, /config\.method\.sr: expected one of "l2", "ce", got "kl"/);
    assertProblem({ method: { name: 'srrl', connector: 'mlp' } }, /config\.method\.connector: expected one of "auto", "conv", "dense", got "mlp"/);
  });

  const SRRL = { alpha: 1, beta: 1, sr: 'l2', kdWeight: 0, temperature: 4, seed: 3 } as const;

  test('connector: conv (KD_SRRL) by default for a CNN student, dense (SimKD) for an MLP; conv refused where there is no map or no pooling teacher', () => {
    const opts = { inputShape: [8, 8, 1], numClasses: 3 };
    const teacher = buildModel({ arch: 'cnn', widths: [4] }, { ...opts, role: 'teacher', seed: 1 });
    const fcTeacher = buildModel({ arch: 'cnn', widths: [4], dense: 6 }, { ...opts, role: 'teacher', seed: 1 });
    const cnn = buildModel({ arch: 'cnn', widths: [2] }, { ...opts, role: 'student', seed: 2 });
    const mlp = buildModel({ arch: 'mlp', hidden: [5] }, { ...opts, role: 'student', seed: 2 });
    const kinds = [
      new SrrlDistiller(cnn, teacher, SRRL),
      new SrrlDistiller(cnn, teacher, { ...SRRL, connector: 'auto' }),
      new SrrlDistiller(mlp, teacher, SRRL),
      new SrrlDistiller(cnn, teacher, { ...SRRL, connector: 'dense' }),
      new SrrlDistiller(cnn, fcTeacher, SRRL),
    ];
    assert.deepEqual(
      kinds.map((d) => d.connectorKind),
      ['conv', 'conv', 'dense', 'dense', 'dense'],
    );
    assert.throws(
      () => new SrrlDistiller(mlp, teacher, { ...SRRL, connector: 'conv' }),
      /config\.method\.connector: "conv" \(KD_SRRL\) acts on the student's last feature map, and config\.student\.model \(mlp\) has none; use "dense"/,
    );
    assert.throws(() => new SrrlDistiller(cnn, fcTeacher, { ...SRRL, connector: 'conv' }), /config\.method\.connector: "conv" .*config\.teacher\.model \(cnn with \+fc\) does not pool its last map/);
    kinds.forEach((d) => d.dispose());
    [teacher, fcTeacher, cnn, mlp].forEach((m) => m.dispose());
  });

  test("the conv connector keeps the map's size and gives the teacher's channels: [B, H, W, Cs] → [B, H, W, Ct]", () => {
    const connector = new ConvConnector([5, 3, 2], 7, 1);
    const out = tf.tidy(() => connector.connect(tf.ones([4, 5, 3, 2]), true).shape);
    assert.deepEqual(out, [4, 5, 3, 7]);
    // A 1×1 kernel without bias, BN scale and shift.
    assert.deepEqual(
      connector.trainableVariables().map((v) => v.shape),
      [[1, 1, 2, 7], [7], [7]],
    );
    connector.dispose();
  });

  test('conv: feature = MSE(GAP(c(f_s)), GAP(f_t)) and SR = MSE(head_t(GAP(c(f_s))), z_t), c = 1×1 conv + BN(batch statistics) + ReLU, in float64', () => {
    const batch = builtinBatch(4);
    const opts = { inputShape: batch.inputShape, numClasses: 10 };
    // Student maps 14×14×2, teacher maps 7×7×3: the sizes differ.
    const teacher = buildModel({ arch: 'cnn', widths: [4, 3] }, { ...opts, role: 'teacher', seed: 1 });
    const student = buildModel({ arch: 'cnn', widths: [2] }, { ...opts, role: 'student', seed: 2 });
    const srrl = new SrrlDistiller(student, teacher, { ...SRRL, alpha: 1, beta: 1 });
    assert.equal(srrl.connectorKind, 'conv');
    // Inputs of the computation: the student's last map (training mode), the teacher's last map and logits.
    const fs = tf.tidy(() => student.forward(batch.x, true).features.at(-1)!.arraySync() as number[][][][]);
    const { ft, zt } = tf.tidy(() => {
      const t = teacher.forward(batch.x, false);
      return { ft: t.features.at(-1)!.arraySync() as number[][][][], zt: t.logits.arraySync() as number[][] };
    });
    const [kernel, gamma, beta] = srrl
      .trainableVariables()
      .slice(student.trainableVariables().length)
      .map((v) => Array.from(v.dataSync()));
    const [headW, headB] = teacher.head.getWeights().map((w) => Array.from(w.dataSync()));
    const cs = 2;
    const ct = 3;
    const classes = 10;
    // u = f_s · K (1×1 conv, no bias), per position.
    const u = fs.map((img) => img.map((row) => row.map((px) => Array.from({ length: ct }, (_, c) => px.reduce((a, v, k) => a + v * kernel[k * ct + c], 0)))));
    const positions = u.flatMap((img) => img.flatMap((row) => row));
    const mean = Array.from({ length: ct }, (_, c) => positions.reduce((a, p) => a + p[c], 0) / positions.length);
    const variance = Array.from({ length: ct }, (_, c) => positions.reduce((a, p) => a + (p[c] - mean[c]) ** 2, 0) / positions.length);
    // BN with the batch's statistics (ε = 1e-3, tfjs's default), ReLU, then global average pooling.
    const gap = (maps: number[][][][], f: (v: number, c: number) => number, channels: number) =>
      maps.map((img) => {
        const hw = img.length * img[0].length;
        return Array.from({ length: channels }, (_, c) => img.flat().reduce((a, px) => a + f(px[c], c), 0) / hw);
      });
    const g = gap(u, (v, c) => Math.max(0, ((v - mean[c]) / Math.sqrt(variance[c] + 1e-3)) * gamma[c] + beta[c]), ct);
    const gt = gap(ft, (v) => v, ct);
    const zs = g.map((row) => Array.from({ length: classes }, (_, k) => headB[k] + row.reduce((a, v, c) => a + v * headW[c * classes + k], 0)));
    const mse = (a: number[][], b: number[][]) => a.flat().reduce((s, v, i) => s + (v - b.flat()[i]) ** 2, 0) / a.flat().length;
    assert.equal(cs, fs[0][0][0].length);
    const losses = tf.tidy(() => {
      const out = srrl.forwardTrain({ x: batch.x, y: batch.y, indices: batch.indices });
      return Object.fromEntries(Object.entries(out.losses).map(([k, v]) => [k, v.dataSync()[0]]));
    });
    const expectedSr = mse(zs, zt);
    const expectedFeature = mse(g, gt);
    assert.ok(Math.abs(losses.sr - expectedSr) < 1e-5 * Math.max(1, expectedSr), `sr ${losses.sr} vs ${expectedSr}`);
    assert.ok(Math.abs(losses.feature - expectedFeature) < 1e-5 * Math.max(1, expectedFeature), `feature ${losses.feature} vs ${expectedFeature}`);
    srrl.dispose();
    [teacher, student].forEach((m) => m.dispose());
    batch.dispose();
  });

  const students: ['dense' | 'conv', ModelSpecInput][] = [
    ['dense', { arch: 'mlp', hidden: [8] }],
    ['conv', { arch: 'cnn', widths: [2] }],
  ];
  for (const [kind, studentSpec] of students) {
    test(`${kind}: the teacher's head stays frozen while the softmax regression trains the connector through it`, () => {
      const batch = builtinBatch(32);
      const opts = { inputShape: batch.inputShape, numClasses: 10 };
      const teacher = buildModel({ arch: 'cnn', widths: [4, 8] }, { ...opts, role: 'teacher', seed: 1 });
      const student = buildModel(studentSpec, { ...opts, role: 'student', seed: 2 });
      // α = 0: the connector learns only from the SR term, through the teacher's head.
      const srrl = new SrrlDistiller(student, teacher, { alpha: 0, beta: 1, sr: 'l2', kdWeight: 0, temperature: 4, seed: 3 });
      assert.equal(srrl.connectorKind, kind);
      const head = teacher.head.getWeights().map((w) => w.dataSync().slice());
      const connector = srrl.trainableVariables().slice(student.trainableVariables().length);
      assert.ok(connector.length > 0, 'the connector is trained with the student');
      const connectorBefore = snapshot(connector);
      const optimizer = tf.train.adam(1e-2);
      for (let i = 0; i < 3; i++) trainStep(srrl, optimizer, { x: batch.x, y: batch.y, indices: batch.indices }, batch.y, { epoch: 0, epochs: 1 }, 5e-4);
      teacher.head.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), head[i], 'teacher head weights unchanged'));
      // The connector's kernel (and the dense one's bias) and its BN scale and shift all learn.
      assert.ok(changed(connectorBefore, connector).every(Boolean), 'the connector learns through the frozen head');
      optimizer.dispose();
      srrl.dispose();
      [teacher, student].forEach((m) => m.dispose());
      batch.dispose();
    });
  }

  test('trains with ce, feature and sr, loss falling; SR as cross-entropy reports the same terms', async () => {
    const run = await runMethod(methodConfig({ method: { name: 'srrl' } }), dir.path('l2'));
    assertTrains(run, 'student', ['ce', 'feature', 'sr']);
    const ce = await runMethod(methodConfig({ method: { name: 'srrl', sr: 'ce', kdWeight: 1 } }), dir.path('ce'));
    assertTrains(ce, 'student', ['ce', 'feature', 'sr', 'kd']);
    assert.notEqual(ce.epochs.at(-1)!.losses.sr, run.epochs.at(-1)!.losses.sr);
  });
});
