// Every wasm kernel we add or replace, checked against the cpu backend on the same inputs.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend, registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../src/core/backend';
import { values, randomTensor, readOn } from '../support/wasm-tensors';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
interface ConvCase {
  x: number[];
  filter: number[];
  strides: number | [number, number];
  pad: Pad;
}

const convCases: ConvCase[] = [
  { x: [2, 7, 5, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 5, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { x: [2, 7, 5, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { x: [1, 6, 6, 1], filter: [3, 3, 1, 2], strides: 1, pad: 'valid' },
  { x: [1, 8, 8, 2], filter: [1, 1, 2, 5], strides: 2, pad: 'same' },
  { x: [2, 7, 7, 3], filter: [1, 1, 3, 4], strides: 2, pad: 'valid' },
  { x: [3, 9, 6, 2], filter: [2, 3, 2, 3], strides: [2, 3], pad: 'valid' },
  { x: [2, 9, 8, 3], filter: [5, 5, 3, 2], strides: 3, pad: 'same' },
  { x: [2, 9, 8, 3], filter: [4, 2, 3, 2], strides: 2, pad: 'same' },
  { x: [2, 10, 11, 2], filter: [3, 3, 2, 2], strides: 2, pad: 1 },
  {
    x: [2, 7, 6, 2],
    filter: [3, 3, 2, 2],
    strides: 2,
    pad: [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
  },
  { x: [1, 5, 5, 1], filter: [2, 2, 1, 1], strides: 4, pad: 'same' },
  { x: [4, 28, 28, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'same' },
  { x: [2, 14, 14, 8], filter: [3, 3, 8, 16], strides: 2, pad: 'same' },
];

/** Runs `compute` on cpu and on wasm (fresh tensors each time) and returns both results. */
async function onCpuAndWasm(compute: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const cpu = await readOn('cpu', compute);
  const wasm = await readOn('wasm', compute);
  return { cpu, wasm };
}

function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  const tolerance = 1e-4 * scale;
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
      assert.fail(`${label}: element ${i} is ${actual[i]}, cpu says ${expected[i]} (tolerance ${tolerance})`);
    }
  }
}

async function assertSameOnBoth(label: string, compute: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const { cpu, wasm } = await onCpuAndWasm(compute);
  cpu.forEach((expected, i) => assertClose(wasm[i], expected, `${label} [output ${i}]`));
}

function convGeometry(c: ConvCase) {
  const info = tf.backend_util.computeConv2DInfo(c.x as [number, number, number, number], c.filter as [number, number, number, number], c.strides, 1, c.pad);
  return { dyShape: info.outShape, attrs: { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' as const } };
}

function backendDataCount(): number {
  return (tf.backend() as BackendWasm).numDataIds();
}

/** Asserts that repeating `body` leaves neither engine tensors nor wasm buffers behind. */
async function assertNoLeak(body: () => void): Promise<void> {
  await tf.setBackend('wasm');
  body();
  const tensors = tf.memory().numTensors;
  const buffers = backendDataCount();
  for (let i = 0; i < 3; i++) body();
  assert.equal(tf.memory().numTensors, tensors, 'engine tensors grew');
  assert.equal(backendDataCount(), buffers, 'wasm data buffers grew');
}

before(async () => {
  await initBackend('wasm', () => {});
});

describe('kernel registration', () => {
  test('stock wasm lacks Conv2DBackpropFilter; ours fills it and swaps the slow kernels, idempotently', () => {
    unregisterWasmTrainingKernels();
    assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
    const stockMatMul = tf.getKernel('BatchMatMul', 'wasm');
    const stockBackpropInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
    const stockMaxPoolGrad = tf.getKernel('MaxPoolGrad', 'wasm');

    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
    assert.notEqual(tf.getKernel('BatchMatMul', 'wasm').kernelFunc, stockMatMul.kernelFunc);
    assert.notEqual(tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc, stockBackpropInput.kernelFunc);
    assert.notEqual(tf.getKernel('MaxPoolGrad', 'wasm').kernelFunc, stockMaxPoolGrad.kernelFunc);
  });
});

describe('Conv2DBackpropFilter', () => {
  for (const c of convCases) {
    test(`x ${c.x} filter ${c.filter} strides ${c.strides} pad ${JSON.stringify(c.pad)}`, async () => {
      const { dyShape, attrs } = convGeometry(c);
      await assertSameOnBoth(
        'filter gradient',
        () => tf.engine().runKernel('Conv2DBackpropFilter', { x: randomTensor(c.x, 1), dy: randomTensor(dyShape, 2) }, { ...attrs, filterShape: c.filter }) as tf.Tensor,
      );
    });
  }
});

describe('Conv2DBackpropInput', () => {
  for (const c of convCases) {
    test(`x ${c.x} filter ${c.filter} strides ${c.strides} pad ${JSON.stringify(c.pad)}`, async () => {
      const { dyShape, attrs } = convGeometry(c);
      await assertSameOnBoth(
        'input gradient',
        () => tf.engine().runKernel('Conv2DBackpropInput', { dy: randomTensor(dyShape, 3), filter: randomTensor(c.filter, 4) }, { ...attrs, inputShape: c.x }) as tf.Tensor,
      );
    });
  }
});

describe('MaxPoolGrad', () => {
  interface PoolCase {
    x: number[];
    size: number | [number, number];
    strides: number | [number, number];
    pad: 'same' | 'valid';
  }
  const poolCases: PoolCase[] = [
    { x: [2, 6, 6, 3], size: 2, strides: 2, pad: 'valid' },
    { x: [2, 5, 5, 3], size: 2, strides: 2, pad: 'same' },
    { x: [1, 7, 6, 2], size: 3, strides: 2, pad: 'same' },
    { x: [1, 7, 6, 2], size: 3, strides: 1, pad: 'valid' },
    { x: [3, 5, 8, 1], size: [2, 3], strides: [1, 2], pad: 'same' },
  ];
  // Rounded values make ties common; the shift makes whole windows negative.
  const inputs: [string, (shape: number[]) => tf.Tensor][] = [
    ['random', (shape) => randomTensor(shape, 13)],
    ['all negative', (shape) => tf.sub(randomTensor(shape, 14), 1.5)],
    ['with ties', (shape) => tf.round(tf.mul(randomTensor(shape, 15), 2))],
  ];
  for (const c of poolCases) {
    for (const [inputName, makeInput] of inputs) {
      test(`${inputName} x ${c.x} size ${c.size} strides ${c.strides} pad ${c.pad}`, async () => {
        await assertSameOnBoth('max pool gradient', () => {
          const x = makeInput(c.x) as tf.Tensor4D;
          const y = tf.maxPool(x, c.size, c.strides, c.pad);
          const dy = randomTensor(y.shape, 16);
          return tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: c.size, strides: c.strides, pad: c.pad }) as tf.Tensor;
        });
      });
    }
  }
});

describe('BatchMatMul and _FusedMatMul with transposes', () => {
  const shapes: [number[], number[]][] = [
    [
      [3, 5],
      [5, 4],
    ],
    [
      [1, 7],
      [7, 1],
    ],
    [
      [128, 33],
      [33, 10],
    ],
    [
      [2, 3, 5],
      [2, 5, 4],
    ],
    [
      [1, 3, 5],
      [3, 5, 2],
    ],
  ];
  const swap = (shape: number[]) => [...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]];
  for (const [aShape, bShape] of shapes) {
    for (const [transposeA, transposeB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      test(`a ${aShape} b ${bShape} transposeA ${transposeA} transposeB ${transposeB}`, async () => {
        const a = () => randomTensor(transposeA ? swap(aShape) : aShape, 5);
        const b = () => randomTensor(transposeB ? swap(bShape) : bShape, 6);
        await assertSameOnBoth('matMul', () => tf.matMul(a(), b(), transposeA, transposeB));
        if (aShape.length === 2) {
          const bias = () => randomTensor([bShape[bShape.length - 1]], 7);
          await assertSameOnBoth('fused matMul', () => tf.fused.matMul({ a: a(), b: b(), transposeA, transposeB, bias: bias(), activation: 'relu' }));
        }
      });
    }
  }
});

describe('whole networks, wasm vs cpu', () => {
  function smallConvNet(): tfl.LayersModel {
    const input = tfl.input({ shape: [10, 9, 2] });
    // No bias before batch norm: its true gradient is 0, and Adam would blow the rounding noise up to full steps.
    let h = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as tfl.SymbolicTensor;
    h = tfl.layers.batchNormalization().apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.reLU().apply(h) as tfl.SymbolicTensor;
    const strided = tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(h) as tfl.SymbolicTensor;
    const shortcut = tfl.layers.conv2d({ filters: 6, kernelSize: 1, strides: 2, padding: 'same' }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.add().apply([strided, shortcut]) as tfl.SymbolicTensor;
    h = tfl.layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.globalAveragePooling2d({}).apply(h) as tfl.SymbolicTensor;
    const output = tfl.layers.dense({ units: 5 }).apply(h) as tfl.SymbolicTensor;
    return tfl.model({ inputs: input, outputs: output });
  }

  function mlp(): tfl.LayersModel {
    return tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [12], units: 16, activation: 'relu' }), tfl.layers.dense({ units: 5 })],
    });
  }

  /** Builds the model on the current backend with deterministic weights. */
  function build(makeModel: () => tfl.LayersModel): tfl.LayersModel {
    const model = makeModel();
    tf.tidy(() => model.setWeights(model.getWeights().map((w, i) => tf.mul(tf.tensor(values(w.size, 100 + i), w.shape), 0.5))));
    return model;
  }

  function loss(model: tfl.LayersModel, x: tf.Tensor, labels: tf.Tensor): tf.Scalar {
    const logits = model.apply(x, { training: true }) as tf.Tensor;
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  }

  const batch = 3;
  const labels = () => tf.oneHot(tf.tensor1d([0, 3, 4], 'int32'), 5);

  test('conv net gradients of every weight match', async () => {
    const gradients = async (backend: string) => {
      await tf.setBackend(backend);
      const model = build(smallConvNet);
      const x = randomTensor([batch, 10, 9, 2], 9);
      const y = labels();
      const { value, grads } = tf.variableGrads(() => loss(model, x, y));
      const read = [value.dataSync() as Float32Array, ...model.trainableWeights.map((w) => grads[w.name]?.dataSync() as Float32Array)];
      tf.dispose([x, y, value, ...Object.values(grads)]);
      model.dispose();
      return read;
    };
    const cpu = await gradients('cpu');
    const wasm = await gradients('wasm');
    assert.ok(
      cpu.every((g) => g != null && g.length > 0),
      'every weight gets a gradient',
    );
    cpu.forEach((expected, i) => assertClose(wasm[i], expected, i === 0 ? 'loss' : `gradient ${i}`));
  });

  for (const [name, makeModel, inputShape] of [
    ['conv net', smallConvNet, [10, 9, 2]],
    ['MLP', mlp, [12]],
  ] as const) {
    for (const optimizerName of ['adam', 'momentum'] as const) {
      test(`${name}: weights after 3 ${optimizerName} steps match`, async () => {
        const train = async (backend: string) => {
          await tf.setBackend(backend);
          const model = build(makeModel);
          const optimizer = optimizerName === 'adam' ? tf.train.adam(0.01) : tf.train.momentum(0.05, 0.9);
          const x = randomTensor([batch, ...inputShape], 10);
          const y = labels();
          for (let step = 0; step < 3; step++) optimizer.minimize(() => loss(model, x, y));
          const read = model.getWeights().map((w) => w.dataSync() as Float32Array);
          tf.dispose([x, y]);
          optimizer.dispose();
          model.dispose();
          return read;
        };
        const cpu = await train('cpu');
        const wasm = await train('wasm');
        cpu.forEach((expected, i) => assertClose(wasm[i], expected, `weight ${i}`));
      });
    }
  }

  test('resizeBilinear and its gradient match (square input)', async () => {
    await assertSameOnBoth('resizeBilinear', () => {
      const x = randomTensor([2, 5, 5, 3], 12);
      const weights = randomTensor([2, 7, 3, 3], 11);
      const resizedSum = (t: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeBilinear(t as tf.Tensor4D, [7, 3]), weights));
      return [tf.image.resizeBilinear(x as tf.Tensor4D, [7, 3]), tf.grad(resizedSum)(x)];
    });
  });

  // cpu's ResizeBilinearGrad returns a transposed shape for non-square images (tfjs 4.22),
  // so check wasm on its own: resize is linear, so <resize(x), w> must equal <x, grad>.
  test('resizeBilinear gradient on wasm is the adjoint of the resize (non-square input)', async () => {
    await tf.setBackend('wasm');
    const [forward, adjoint] = tf.tidy(() => {
      const x = randomTensor([2, 4, 6, 3], 12);
      const weights = randomTensor([2, 7, 5, 3], 11);
      const resizedSum = (t: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeBilinear(t as tf.Tensor4D, [7, 5]), weights));
      const grad = tf.grad(resizedSum)(x);
      assert.deepEqual(grad.shape, x.shape);
      return [resizedSum(x).dataSync()[0], tf.sum(tf.mul(x, grad)).dataSync()[0]];
    });
    assert.ok(Math.abs(forward - adjoint) <= 1e-4 * Math.max(1, Math.abs(forward)), `${forward} vs ${adjoint}`);
  });
});

describe('no leaks on wasm', () => {
  const c = convCases[1];
  const { dyShape, attrs } = convGeometry(c);
  const x = () => randomTensor(c.x, 1);
  const dy = () => randomTensor(dyShape, 2);
  const filter = () => randomTensor(c.filter, 3);

  test('Conv2DBackpropFilter', async () => {
    await assertNoLeak(() =>
      tf.tidy(() => {
        tf.engine().runKernel('Conv2DBackpropFilter', { x: x(), dy: dy() }, { ...attrs, filterShape: c.filter });
      }),
    );
  });

  test('Conv2DBackpropInput', async () => {
    await assertNoLeak(() =>
      tf.tidy(() => {
        tf.engine().runKernel('Conv2DBackpropInput', { dy: dy(), filter: filter() }, { ...attrs, inputShape: c.x });
      }),
    );
  });

  test('BatchMatMul and _FusedMatMul with transposes', async () => {
    await assertNoLeak(() =>
      tf.tidy(() => {
        tf.matMul(randomTensor([5, 3], 1), randomTensor([4, 5], 2), true, true);
        tf.fused.matMul({ a: randomTensor([5, 3], 1), b: randomTensor([4, 5], 2), transposeA: true, transposeB: true, bias: randomTensor([4], 3) });
      }),
    );
  });

  test('MaxPoolGrad', async () => {
    await assertNoLeak(() =>
      tf.tidy(() => {
        const input = x() as tf.Tensor4D;
        const output = tf.maxPool(input, 2, 2, 'same');
        tf.engine().runKernel('MaxPoolGrad', { dy: tf.onesLike(output), input, output }, { filterSize: 2, strides: 2, pad: 'same' });
      }),
    );
  });

  test('a conv net training step', async () => {
    await tf.setBackend('wasm');
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 3 }),
      ],
    });
    const optimizer = tf.train.adam(0.01);
    const input = randomTensor([2, 8, 8, 1], 4);
    const labels = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
    // The first step also creates Adam's slot variables, so it runs before the baseline.
    await assertNoLeak(() => {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(input) as tf.Tensor) as tf.Scalar);
    });
    tf.dispose([input, labels]);
    optimizer.dispose();
    model.dispose();
  });
});
