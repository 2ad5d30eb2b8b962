// The fused batch-norm training kernels (wasm) and the layer that uses them
// (models/batch-norm.ts), against the cpu backend and against tfjs-layers' own BatchNormalization.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/core/backend';
import { BATCH_NORM_GRAD, BATCH_NORM_TRAIN } from '../../src/core/backend/wasm-kernels/batch-norm';
import { FastBatchNormalization, batchNormTraining, batchNormalization } from '../../src/core/models/batch-norm';
import { values, randomTensor, assertNoLeak, readOn } from '../support/wasm-tensors';

function assertClose(actual: Float32Array, expected: Float32Array, label: string, relTol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 1e-3;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  const tolerance = relTol * scale;
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
      assert.fail(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]} (tolerance ${tolerance})`);
    }
  }
}

function assertAllClose(actual: Float32Array[], expected: Float32Array[], label: string, relTol?: number): void {
  assert.equal(actual.length, expected.length, `${label}: count`);
  expected.forEach((e, i) => assertClose(actual[i], e, `${label} [${i}]`, relTol));
}

const EPS = 1e-3;
const axesOf = (rank: number) => Array.from({ length: rank - 1 }, (_, i) => i);

/** tfjs-layers' training formulation (tf.moments + tf.batchNorm); its gradient comes from autodiff. */
function stockTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const { mean, variance } = tf.moments(x, axesOf(x.rank));
  return { y: tf.batchNorm(x, mean, variance, beta, gamma, EPS), mean, variance };
}

/** Output, batch statistics, and gradients of sum(y * w) for x, gamma and beta. */
function forwardAndGrads(train: typeof stockTraining, shape: number[], seed: number, offset: number, spread: number): tf.Tensor[] {
  const c = shape[shape.length - 1];
  const x = randomTensor(shape, seed, offset, spread);
  const gamma = randomTensor([c], seed + 1, 1, 0.5);
  const beta = randomTensor([c], seed + 2);
  const w = randomTensor(shape, seed + 3);
  const { y, mean, variance } = train(x, gamma, beta);
  const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(train(a, g, b).y, w)))([x, gamma, beta]);
  return [y, mean, variance, ...grads];
}

const fastTraining: typeof stockTraining = (x, gamma, beta) => batchNormTraining(x, gamma, beta, EPS);

// Shapes: NHWC with odd sizes, one row, one channel, 2-D (dense) input; data off-centre too.
const cases: { shape: number[]; offset: number; spread: number }[] = [
  { shape: [2, 5, 3, 4], offset: 0, spread: 1 },
  { shape: [3, 7, 5, 9], offset: 3, spread: 0.5 },
  { shape: [4, 3, 3, 1], offset: -1, spread: 2 },
  { shape: [5, 13], offset: 0.5, spread: 1 },
  { shape: [2, 1, 1, 6], offset: 0, spread: 1 },
  { shape: [8, 6, 6, 32], offset: 0.2, spread: 1 },
];

before(async () => {
  await initBackend('wasm', () => {});
});

describe('fused kernels on wasm', () => {
  test('are registered for wasm only', async () => {
    assert.ok(tf.getKernel(BATCH_NORM_TRAIN, 'wasm'));
    assert.ok(tf.getKernel(BATCH_NORM_GRAD, 'wasm'));
    assert.equal(tf.getKernel(BATCH_NORM_TRAIN, 'cpu'), undefined);
  });

  for (const { shape, offset, spread } of cases) {
    test(`[${shape}] offset ${offset}: forward, statistics and gradients match cpu's autodiff of tf.moments + tf.batchNorm`, async () => {
      const expected = await readOn('cpu', () => forwardAndGrads(stockTraining, shape, 20, offset, spread));
      const wasm = await readOn('wasm', () => forwardAndGrads(fastTraining, shape, 20, offset, spread));
      assertAllClose(wasm, expected, 'wasm fused vs cpu stock');
    });
  }

  test('the kernels on their own: gradients for given statistics', async () => {
    const shape = [3, 4, 5, 6];
    const compute = () => {
      const x = randomTensor(shape, 30, 0.3);
      const dy = randomTensor(shape, 31);
      const mean = randomTensor([6], 32, 0.3, 0.1);
      const variance = randomTensor([6], 33, 0.5, 0.2);
      const scale = randomTensor([6], 34, 1, 0.5);
      return tf.engine().runKernel(BATCH_NORM_GRAD, { x, dy, mean, variance, scale }, { varianceEpsilon: EPS }) as tf.Tensor[];
    };
    // Reference: the closed form written out with tf ops on cpu.
    const reference = () => {
      const x = randomTensor(shape, 30, 0.3);
      const dy = randomTensor(shape, 31);
      const mean = randomTensor([6], 32, 0.3, 0.1);
      const variance = randomTensor([6], 33, 0.5, 0.2);
      const scale = randomTensor([6], 34, 1, 0.5);
      const n = x.size / 6;
      const s = tf.rsqrt(tf.add(variance, EPS));
      const xhat = tf.mul(tf.sub(x, mean), s);
      const sumDy = tf.sum(dy, [0, 1, 2]);
      const sumDyXhat = tf.sum(tf.mul(dy, xhat), [0, 1, 2]);
      const dx = tf.mul(tf.mul(scale, s), tf.sub(tf.sub(dy, tf.div(sumDy, n)), tf.mul(xhat, tf.div(sumDyXhat, n))));
      return [dx, sumDyXhat, sumDy];
    };
    assertAllClose(await readOn('wasm', compute), await readOn('cpu', reference), 'grad kernel');
  });

  test('reject mismatched shapes', async () => {
    await tf.setBackend('wasm');
    tf.tidy(() => {
      const x = tf.ones([2, 3, 4]);
      assert.throws(() => tf.engine().runKernel(BATCH_NORM_TRAIN, { x, scale: tf.ones([3]), offset: tf.zeros([4]) }, { varianceEpsilon: EPS }), /scale must have 4 values/);
      assert.throws(
        () => tf.engine().runKernel(BATCH_NORM_GRAD, { x, dy: tf.ones([2, 4, 3]), mean: tf.zeros([4]), variance: tf.ones([4]), scale: tf.ones([4]) }, { varianceEpsilon: EPS }),
        /dy shape/,
      );
    });
  });
});

describe('composed fallback (backends without the fused kernels)', () => {
  for (const { shape, offset, spread } of cases.slice(0, 4)) {
    test(`[${shape}] on cpu matches autodiff of the stock formulation`, async () => {
      const expected = await readOn('cpu', () => forwardAndGrads(stockTraining, shape, 40, offset, spread));
      const fast = await readOn('cpu', () => forwardAndGrads(fastTraining, shape, 40, offset, spread));
      assertAllClose(fast, expected, 'cpu composed vs cpu stock');
    });
  }
});

describe('FastBatchNormalization layer', () => {
  /** conv -> BN -> relu -> GAP -> dense, with the given BN factory and deterministic weights. */
  function net(bn: (args: { momentum: number; name: string }) => tfl.layers.Layer): tfl.LayersModel {
    const input = tfl.input({ shape: [7, 6, 3], name: 'image' });
    let h = tfl.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', useBias: false, name: 'conv' }).apply(input) as tfl.SymbolicTensor;
    h = bn({ momentum: 0.9, name: 'bn' }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.reLU({ name: 'relu' }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tfl.SymbolicTensor;
    const output = tfl.layers.dense({ units: 4, name: 'head' }).apply(h) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output, name: 'net' });
    // Deterministic weights; moving variances positive.
    tf.tidy(() =>
      model.setWeights(
        model.weights.map((w, i) => {
          const shape = w.shape as number[];
          const t = tf.mul(
            tf.tensor(
              values(
                shape.reduce((a, b) => a * b, 1),
                200 + i,
              ),
              shape,
            ),
            0.7,
          );
          return w.name.includes('moving_variance') ? tf.add(tf.abs(t), 0.5) : t;
        }),
      ),
    );
    return model;
  }

  const stock = (args: { momentum: number; name: string }) => tfl.layers.batchNormalization(args);
  const fast = (args: { momentum: number; name: string }) => batchNormalization(args);

  /** Loss, every gradient, then all weights (moving statistics included) after 2 SGD steps, and inference output. */
  async function trainRun(backend: string, bn: typeof stock): Promise<Float32Array[]> {
    await tf.setBackend(backend);
    const model = net(bn);
    const x = randomTensor([3, 7, 6, 3], 50, 0.5);
    const labels = tf.oneHot(tf.tensor1d([0, 3, 1], 'int32'), 4);
    const loss = () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
    const { value, grads } = tf.variableGrads(loss);
    const read = [value.dataSync() as Float32Array, ...model.trainableWeights.map((w) => (grads[w.name]?.dataSync() as Float32Array | undefined) ?? new Float32Array())];
    tf.dispose([value, ...Object.values(grads)]);
    const optimizer = tf.train.sgd(0.1);
    for (let i = 0; i < 2; i++) optimizer.minimize(loss);
    read.push(...model.getWeights().map((w) => w.dataSync() as Float32Array));
    read.push(tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array));
    optimizer.dispose();
    tf.dispose([x, labels]);
    model.dispose();
    return read;
  }

  for (const backend of ['cpu', 'wasm']) {
    test(`on ${backend}: loss, gradients, trained weights and moving statistics match the stock layer on cpu`, async () => {
      const expected = await trainRun('cpu', stock);
      const actual = await trainRun(backend, fast);
      assert.ok(
        expected.every((a) => a.length > 0),
        'every weight has a gradient',
      );
      assertAllClose(actual, expected, `fast on ${backend} vs stock on cpu`);
    });
  }

  test('serialises exactly as the stock layer, and loads back', async () => {
    await tf.setBackend('cpu');
    const a = net(stock);
    const b = net(fast);
    assert.ok(b.getLayer('bn') instanceof FastBatchNormalization);
    assert.equal(b.getLayer('bn').getClassName(), 'BatchNormalization');
    assert.equal(JSON.stringify(b.toJSON(null, false)), JSON.stringify(a.toJSON(null, false)));
    // Loaded back (here the registry gives the fast class, elsewhere the stock one).
    const loaded = await tfl.models.modelFromJSON({ modelTopology: b.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
    loaded.setWeights(b.getWeights());
    const x = randomTensor([2, 7, 6, 3], 60);
    assertClose((loaded.predict(x) as tf.Tensor).dataSync() as Float32Array, (b.predict(x) as tf.Tensor).dataSync() as Float32Array, 'loaded');
    tf.dispose(x);
    tf.dispose([a, b, loaded].flatMap((m) => m.getWeights()));
  });

  test('a training step with the layer leaks nothing on wasm', async () => {
    await tf.setBackend('wasm');
    const model = net(fast);
    const optimizer = tf.train.adam(0.01);
    const x = randomTensor([3, 7, 6, 3], 70);
    const labels = tf.oneHot(tf.tensor1d([0, 3, 1], 'int32'), 4);
    await assertNoLeak(() => {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
      tf.tidy(() => {
        model.predict(x);
      });
    });
    tf.dispose([x, labels]);
    optimizer.dispose();
    model.dispose();
  });

  test('the kernels leak nothing on wasm', async () => {
    await assertNoLeak(() =>
      tf.tidy(() => {
        const x = randomTensor([2, 5, 3, 4], 80);
        const w = randomTensor([2, 5, 3, 4], 81);
        tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const { y, mean, variance } = batchNormTraining(a, g, b, EPS);
          tf.dispose([mean, variance]);
          return tf.sum(tf.mul(y, w));
        })([x, tf.ones([4]), tf.zeros([4])]);
      }),
    );
  });
});
