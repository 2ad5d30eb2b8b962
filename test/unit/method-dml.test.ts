import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend/select';
import { MutualLearning } from '../../src/core/distill/dml';
import { buildModel } from '../../src/core/models/zoo';
import { trainTogetherStep } from '../../src/core/train/step';
import { assertProblem, assertRejectedBeforeTraining, assertTrains, builtinBatch, methodConfig, methodDefaults, runMethod, scratchDir, snapshot } from '../support/method-run';

describe('method dml', () => {
  const dir = scratchDir('dml');
  before(() => initBackend('wasm', () => {}));
  after(() => dir.remove());

  test("defaults: two peers, updated in turn (the paper's algorithm)", () => {
    assert.deepEqual(methodDefaults({ name: 'dml' }), { name: 'dml', peers: 2, update: 'alternating' });
  });

  test('one peer, or an unknown update order, is a clear config error', () => {
    assertProblem({ method: { name: 'dml', peers: 1 } }, /config\.method\.peers: expected at least 2, got 1/);
    assertProblem({ method: { name: 'dml', update: 'async' } }, /config\.method\.update: expected one of "alternating", "simultaneous", got "async"/);
  });

  test('architectures not one per peer: rejected before training, naming the field', async () => {
    await assertRejectedBeforeTraining(
      methodConfig({
        method: {
          name: 'dml',
          peers: 3,
          models: [
            { arch: 'mlp', hidden: [8] },
            { arch: 'mlp', hidden: [4] },
          ],
        },
      }),
      dir.path('bad-models'),
      /config\.method\.models: expected 3 architectures, one per peer/,
    );
  });

  /** Two peers from fixed seeds and one SGD step on a fixed batch; the peers' weights after it. */
  function stepOnce(update: 'alternating' | 'simultaneous'): Float32Array[][] {
    const batch = builtinBatch(32);
    const opts = { inputShape: batch.inputShape, numClasses: 10 };
    const peers = [1, 2].map((i) => ({ role: `peer-${i}`, model: buildModel({ arch: 'mlp', hidden: [8] }, { ...opts, role: `peer-${i}`, seed: 10 + i }) }));
    const dml = new MutualLearning(peers, update);
    const optimizers = peers.map(() => tf.train.sgd(0.5));
    trainTogetherStep(dml, optimizers, { x: batch.x, y: batch.y, indices: batch.indices }, batch.y, { epoch: 0, epochs: 1 }, 0);
    const weights = peers.map((p) => snapshot(p.model.trainableVariables()));
    optimizers.forEach((o) => o.dispose());
    peers.forEach((p) => p.model.dispose());
    batch.dispose();
    return weights;
  }

  test("alternating updates peer 2 against peer 1's updated predictions; simultaneous against the old ones", () => {
    const alternating = stepOnce('alternating');
    const simultaneous = stepOnce('simultaneous');
    // Peer 1 learns from the same (initial) peer 2 either way.
    assert.deepEqual(alternating[0], simultaneous[0]);
    // Peer 2 does not.
    const differs = alternating[1].some((w, i) => w.some((x, j) => Math.abs(x - simultaneous[1][i][j]) > 1e-7));
    assert.ok(differs, 'peer 2 should update differently');
  });

  /**
   * Per channel, the batch mean and biased variance of a 3×3 'same' convolution without bias (a
   * cnn's first conv, the input of its first BN), in float64 from the NHWC input and the HWIO kernel.
   */
  function convMoments(x: Float32Array, [b, h, w, ci]: number[], kernel: Float32Array, co: number): { mean: number[]; variance: number[] } {
    const sum = new Array<number>(co).fill(0);
    const sumSq = new Array<number>(co).fill(0);
    for (let n = 0; n < b; n++) {
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) {
          for (let c = 0; c < co; c++) {
            let v = 0;
            for (let dy = 0; dy < 3; dy++) {
              for (let dx = 0; dx < 3; dx++) {
                const yy = y + dy - 1;
                const xs = xx + dx - 1;
                if (yy < 0 || yy >= h || xs < 0 || xs >= w) continue;
                for (let k = 0; k < ci; k++) v += x[((n * h + yy) * w + xs) * ci + k] * kernel[((dy * 3 + dx) * ci + k) * co + c];
              }
            }
            sum[c] += v;
            sumSq[c] += v * v;
          }
        }
      }
    }
    const count = b * h * w;
    const mean = sum.map((s) => s / count);
    return { mean, variance: sumSq.map((s, c) => s / count - mean[c] ** 2) };
  }

  for (const update of ['alternating', 'simultaneous'] as const) {
    test(`${update}: each peer's BN moving statistics move once per step, from the batch through its own initial weights`, () => {
      const batch = builtinBatch(16);
      const opts = { inputShape: batch.inputShape, numClasses: 10 };
      const width = 4;
      const peers = [1, 2, 3].map((i) => ({ role: `peer-${i}`, model: buildModel({ arch: 'cnn', widths: [width] }, { ...opts, role: `peer-${i}`, seed: 20 + i }) }));
      const layer = (i: number, kind: 'conv' | 'bn') => peers[i].model.net.getLayer(`peer_${i + 1}_${kind}1`);
      // Each peer's first BN sees the batch through its first conv; expected moments from the initial kernel.
      const x = batch.x.dataSync() as Float32Array;
      const kernels = peers.map((_, i) => layer(i, 'conv').getWeights()[0].dataSync().slice() as Float32Array);
      const expected = peers.map((_, i) => {
        const [mean0, variance0] = layer(i, 'bn')
          .getWeights()
          .slice(2)
          .map((t) => Array.from(t.dataSync()));
        const { mean, variance } = convMoments(x, batch.x.shape, kernels[i], width);
        // moving ← 0.9·moving + 0.1·batch (BN_MOMENTUM 0.9), once.
        return { mean: mean.map((m, c) => 0.9 * mean0[c] + 0.1 * m), variance: variance.map((v, c) => 0.9 * variance0[c] + 0.1 * v) };
      });
      const dml = new MutualLearning(peers, update);
      const optimizers = peers.map(() => tf.train.sgd(0.5));
      trainTogetherStep(dml, optimizers, { x: batch.x, y: batch.y, indices: batch.indices }, batch.y, { epoch: 0, epochs: 1 }, 0);
      peers.forEach((_, i) => {
        const [mean, variance] = layer(i, 'bn')
          .getWeights()
          .slice(2)
          .map((t) => Array.from(t.dataSync()));
        mean.forEach((m, c) => assert.ok(Math.abs(m - expected[i].mean[c]) < 1e-5, `peer ${i + 1} moving mean[${c}]: ${m} vs ${expected[i].mean[c]}`));
        variance.forEach((v, c) => assert.ok(Math.abs(v - expected[i].variance[c]) < 1e-5, `peer ${i + 1} moving variance[${c}]: ${v} vs ${expected[i].variance[c]}`));
      });
      // Every peer did train (so a second training-mode pass of peer 1 would have seen new weights).
      peers.forEach((_, i) =>
        assert.ok(
          layer(i, 'conv')
            .getWeights()[0]
            .dataSync()
            .some((v, k) => v !== kernels[i][k]),
          `peer ${i + 1} trained`,
        ),
      );
      optimizers.forEach((o) => o.dispose());
      peers.forEach((p) => p.model.dispose());
      batch.dispose();
    });
  }

  test('peers train together: each has its epoch events, ce and dml terms, falling loss, checkpoints and summary row', async () => {
    const run = await runMethod(methodConfig({ method: { name: 'dml' }, baseline: true }), dir.path('run'));
    assert.deepEqual(run.phases, ['student-scratch', 'peer-1', 'peer-2']);
    assert.deepEqual(
      run.summary.models.map((m) => m.role),
      ['student-scratch', 'peer-1', 'peer-2'],
    );
    for (const peer of ['peer-1', 'peer-2']) {
      assertTrains(run, peer, ['ce', 'dml']);
      assert.deepEqual(
        run.epochs.filter((e) => e.phase === peer).map((e) => e.epoch),
        [1, 2, 3],
      );
      for (const kind of ['best', 'last'] as const) assert.ok(existsSync(join(run.folder.checkpointDir(peer, kind), 'model.json')), `${peer}/${kind}`);
    }
    // No teacher is trained.
    assert.ok(!run.epochs.some((e) => e.phase === 'teacher'));
  });
});
