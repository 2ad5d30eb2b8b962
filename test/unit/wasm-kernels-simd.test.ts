// The SIMD kernels (backend/wasm-kernels/simd) behind the wasm conv gradients, MaxPoolGrad, the
// channel reductions and batch norm: each kernel that uses them checked against the cpu backend
// with SIMD on and off (off: the JS loops and XNNPACK formulations they replace), on shapes that
// reach every SIMD variant, and for leaks.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/core/backend';
import { buildModel } from '../../src/core/models/zoo';
import { BATCH_NORM_GRAD, BATCH_NORM_TRAIN } from '../../src/core/backend/wasm-kernels/batch-norm';
import { simdFor, simdSettings } from '../../src/core/backend/wasm-kernels/simd';
import { simdModuleBytes } from '../../src/core/backend/wasm-kernels/simd/kernels';
import { bindExports, SIMD_SIGNATURES, type SimdFunction } from '../../src/core/backend/wasm-kernels/simd/signatures';
import { winogradSettings } from '../../src/core/backend/wasm-kernels/winograd';
import { randomTensor, wasmBackend, assertNoLeak, readOn } from '../support/wasm-tensors';

function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  const tolerance = 1e-5 * scale;
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
      assert.fail(`${label}: element ${i} is ${actual[i]}, cpu says ${expected[i]} (tolerance ${tolerance})`);
    }
  }
}

/**
 * Compares against cpu: wasm with the SIMD kernels, with Winograd forced wherever it applies,
 * and without SIMD (the JS and XNNPACK paths).
 */
async function assertSameOnAll(label: string, compute: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const cpu = await readOn('cpu', compute);
  for (const variant of ['simd', 'winograd everywhere', 'no simd']) {
    simdSettings.enabled = variant !== 'no simd';
    winogradSettings.anySize = variant === 'winograd everywhere';
    try {
      const wasm = await readOn('wasm', compute);
      cpu.forEach((expected, i) => assertClose(wasm[i], expected, `${label} (${variant}) [output ${i}]`));
    } finally {
      simdSettings.enabled = true;
      winogradSettings.anySize = false;
    }
  }
}

before(async () => {
  await initBackend('wasm', () => {});
});

after(() => {
  simdSettings.enabled = true;
  winogradSettings.anySize = false;
});

describe('the SIMD module', () => {
  test('assembles to a valid module and binds to the wasm backend', () => {
    assert.ok(WebAssembly.validate(simdModuleBytes()));
    assert.ok(simdFor(wasmBackend()), 'SIMD kernels available on this wasm backend');
  });

  /** A fresh instance on its own memory: its raw exports, positional. */
  const rawExports = () => new WebAssembly.Instance(new WebAssembly.Module(simdModuleBytes()), { env: { memory: new WebAssembly.Memory({ initial: 1 }) } }).exports;

  test('exports exactly the functions of the signature table, each with as many parameters as names', () => {
    const exports = rawExports();
    assert.deepEqual(Object.keys(exports).sort(), Object.keys(SIMD_SIGNATURES).sort());
    for (const [name, params] of Object.entries(SIMD_SIGNATURES)) {
      assert.equal((exports[name] as (...args: number[]) => void).length, params.length, name);
      assert.equal(new Set(params).size, params.length, `${name}: parameter names are distinct`);
    }
    assert.throws(() => bindExports({ ...exports, colsum: (x: number, rows: number) => void [x, rows] }), /'colsum' takes 2 parameters, its signature names 5/);
  });

  test('a call passes its named arguments in signature order, and refuses a missing or non-integer one', () => {
    const simd = simdFor(wasmBackend());
    assert.ok(simd);
    // colsum over 3 rows of 4 channels: the named call must reach x, rows, channels, block, out in that order.
    const x = [1, 2, 3, 4, 10, 20, 30, 40, 100, 200, 300, 400];
    const sums = simd.withBuffers([x.length * 4, 4 * 8], ([xAt, out]) => {
      simd.f32(xAt, x.length).set(x);
      simd.f64(out, 4).fill(0);
      simd.fn.colsum({ out, block: 2, channels: 4, rows: 3, x: xAt });
      return Array.from(simd.f64(out, 4));
    });
    assert.deepEqual(sums, [111, 222, 333, 444]);
    const colsum = simd.fn.colsum as (args: Record<string, unknown>) => void;
    assert.throws(() => colsum({ x: 0, rows: 0, channels: 4, block: 1 }), /'colsum': argument 'out' is undefined/);
    assert.throws(() => colsum({ x: 0, rows: 0.5, channels: 4, block: 1, out: 0 }), /argument 'rows' is 0.5, not an integer/);
  });

  test('call sites are type-checked by name (npm run typecheck)', () => {
    // Never run: the type checker fails if any of these stops being an error.
    const calls = (fn: NonNullable<ReturnType<typeof simdFor>>['fn']) => {
      // @ts-expect-error a misspelt argument
      fn.colsum({ x: 0, rows: 0, channels: 4, block: 1, outt: 0 });
      // @ts-expect-error a missing argument
      fn.maxpool2grad({ x: 0, dy: 0, dx: 0, batch: 1, height: 2, width: 2, channels: 4, outHeight: 1 });
      // @ts-expect-error positional arguments
      fn.winoGemm(0, 0, 0, 4, 4, 8);
    };
    assert.equal(typeof calls, 'function');
    const names: SimdFunction[] = Object.keys(SIMD_SIGNATURES) as SimdFunction[];
    assert.ok(names.every((name) => typeof simdFor(wasmBackend())?.fn[name] === 'function'));
  });
});

type Pad = 'same' | 'valid' | number;
interface ConvCase {
  x: number[];
  filter: number[];
  strides: number | [number, number];
  pad: Pad;
}

// Out channels multiples of 8 (convdw), input channels 1..4 at stride 1 (convdx), odd sizes.
const convCases: ConvCase[] = [
  { x: [3, 9, 7, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'same' },
  { x: [2, 9, 7, 3], filter: [3, 3, 3, 16], strides: 1, pad: 'same' },
  { x: [2, 8, 6, 2], filter: [3, 3, 2, 12], strides: 1, pad: 'valid' },
  { x: [2, 7, 9, 4], filter: [3, 3, 4, 8], strides: 1, pad: 'same' },
  { x: [2, 7, 9, 4], filter: [3, 3, 4, 32], strides: 1, pad: 1 },
  { x: [3, 6, 5, 8], filter: [3, 3, 8, 16], strides: 1, pad: 'same' },
  { x: [2, 9, 9, 12], filter: [3, 3, 12, 24], strides: 2, pad: 'same' },
  { x: [2, 9, 8, 5], filter: [2, 3, 5, 8], strides: [2, 1], pad: 'valid' },
  { x: [2, 10, 11, 8], filter: [1, 1, 8, 16], strides: 2, pad: 'same' },
  { x: [1, 5, 5, 4], filter: [5, 5, 4, 8], strides: 1, pad: 'same' },
  { x: [2, 4, 4, 1], filter: [3, 3, 1, 4], strides: 1, pad: 'same' },
  { x: [2, 8, 6, 1], filter: [5, 5, 1, 12], strides: 1, pad: 'valid' },
  { x: [2, 6, 7, 1], filter: [3, 3, 1, 16], strides: 1, pad: 2 },
  { x: [1, 5, 9, 1], filter: [3, 2, 1, 8], strides: 1, pad: 'same' },
  // Winograd (3x3, stride 1, C % 4 = 0, O % 8 = 0; the input gradient needs C % 8 = 0): odd and even sizes, pads.
  { x: [2, 14, 14, 8], filter: [3, 3, 8, 16], strides: 1, pad: 'same' },
  { x: [3, 7, 5, 16], filter: [3, 3, 16, 8], strides: 1, pad: 'same' },
  { x: [2, 6, 9, 8], filter: [3, 3, 8, 24], strides: 1, pad: 'valid' },
  { x: [1, 5, 4, 12], filter: [3, 3, 12, 8], strides: 1, pad: 2 },
  { x: [2, 3, 3, 8], filter: [3, 3, 8, 8], strides: 1, pad: 'valid' },
  { x: [1, 2, 2, 8], filter: [3, 3, 8, 16], strides: 1, pad: 'same' },
];

describe('conv gradients', () => {
  for (const c of convCases) {
    const info = tf.backend_util.computeConv2DInfo(c.x as [number, number, number, number], c.filter as [number, number, number, number], c.strides, 1, c.pad);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
    test(`x ${c.x} filter ${c.filter} strides ${c.strides} pad ${c.pad}`, async () => {
      await assertSameOnAll(
        'filter gradient',
        () => tf.engine().runKernel('Conv2DBackpropFilter', { x: randomTensor(c.x, 1), dy: randomTensor(info.outShape, 2) }, { ...attrs, filterShape: c.filter }) as tf.Tensor,
      );
      await assertSameOnAll(
        'input gradient',
        () => tf.engine().runKernel('Conv2DBackpropInput', { dy: randomTensor(info.outShape, 3), filter: randomTensor(c.filter, 4) }, { ...attrs, inputShape: c.x }) as tf.Tensor,
      );
    });
  }

  for (const c of convCases.filter((c) => c.filter[0] === 3 && c.filter[1] === 3)) {
    const [, , inC, outC] = c.filter;
    test(`forward x ${c.x} filter ${c.filter} strides ${c.strides} pad ${c.pad}: conv2d, fused with bias and relu`, async () => {
      await assertSameOnAll('conv2d', () => tf.conv2d(randomTensor(c.x, 5) as tf.Tensor4D, randomTensor(c.filter, 6) as tf.Tensor4D, c.strides, c.pad));
      await assertSameOnAll('fused conv2d', () =>
        tf.fused.conv2d({
          x: randomTensor(c.x, 7) as tf.Tensor4D,
          filter: randomTensor(c.filter, 8) as tf.Tensor4D,
          strides: c.strides,
          pad: c.pad,
          bias: randomTensor([outC], 9),
          activation: 'relu',
        }),
      );
      await assertSameOnAll('fused conv2d, no bias', () =>
        tf.fused.conv2d({ x: randomTensor(c.x, 10) as tf.Tensor4D, filter: randomTensor([3, 3, inC, outC], 11) as tf.Tensor4D, strides: c.strides, pad: c.pad }),
      );
    });
  }

  // Single-channel input (convfwdsmall): widths not a multiple of 4, other filter sizes and pads.
  const singleChannel: ConvCase[] = [
    { x: [2, 9, 7, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'same' },
    { x: [3, 6, 5, 1], filter: [3, 3, 1, 16], strides: 1, pad: 'valid' },
    { x: [2, 8, 10, 1], filter: [5, 5, 1, 8], strides: 1, pad: 'same' },
    { x: [1, 7, 6, 1], filter: [2, 3, 1, 24], strides: 1, pad: 'valid' },
    { x: [1, 7, 6, 1], filter: [3, 3, 1, 24], strides: 1, pad: 2 },
    { x: [2, 5, 5, 1], filter: [1, 1, 1, 8], strides: 1, pad: 'valid' },
  ];
  for (const c of singleChannel) {
    test(`forward x ${c.x} filter ${c.filter} pad ${c.pad}: conv2d, fused with bias and relu`, async () => {
      await assertSameOnAll('conv2d', () => tf.conv2d(randomTensor(c.x, 12) as tf.Tensor4D, randomTensor(c.filter, 13) as tf.Tensor4D, c.strides, c.pad));
      await assertSameOnAll('fused conv2d', () =>
        tf.fused.conv2d({
          x: randomTensor(c.x, 14) as tf.Tensor4D,
          filter: randomTensor(c.filter, 15) as tf.Tensor4D,
          strides: c.strides,
          pad: c.pad,
          bias: randomTensor([c.filter[3]], 16),
          activation: 'relu',
        }),
      );
    });
  }

  test('no leaks', async () => {
    const c = convCases[1];
    const info = tf.backend_util.computeConv2DInfo(c.x as [number, number, number, number], c.filter as [number, number, number, number], c.strides, 1, c.pad);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
    await assertNoLeak(() =>
      tf.tidy(() => {
        tf.engine().runKernel('Conv2DBackpropFilter', { x: randomTensor(c.x, 1), dy: randomTensor(info.outShape, 2) }, { ...attrs, filterShape: c.filter });
        tf.engine().runKernel('Conv2DBackpropInput', { dy: randomTensor(info.outShape, 3), filter: randomTensor(c.filter, 4) }, { ...attrs, inputShape: c.x });
      }),
    );
    // Winograd: forward, both gradients.
    const w = convCases.find((c) => c.x[3] === 8 && c.filter[3] === 16)!;
    const wInfo = tf.backend_util.computeConv2DInfo(w.x as [number, number, number, number], w.filter as [number, number, number, number], w.strides, 1, w.pad);
    const wAttrs = { strides: w.strides, pad: w.pad, dataFormat: 'NHWC' };
    await assertNoLeak(() =>
      tf.tidy(() => {
        tf.fused.conv2d({
          x: randomTensor(w.x, 1) as tf.Tensor4D,
          filter: randomTensor(w.filter, 2) as tf.Tensor4D,
          strides: w.strides,
          pad: w.pad,
          bias: randomTensor([w.filter[3]], 3),
          activation: 'relu',
        });
        tf.conv2d(randomTensor([2, 9, 7, 1], 4) as tf.Tensor4D, randomTensor([3, 3, 1, 8], 5) as tf.Tensor4D, 1, 'same');
        tf.engine().runKernel('Conv2DBackpropFilter', { x: randomTensor(w.x, 1), dy: randomTensor(wInfo.outShape, 2) }, { ...wAttrs, filterShape: w.filter });
        tf.engine().runKernel('Conv2DBackpropInput', { dy: randomTensor(wInfo.outShape, 3), filter: randomTensor(w.filter, 4) }, { ...wAttrs, inputShape: w.x });
      }),
    );
  });
});

describe('MaxPoolGrad (2x2, stride 2)', () => {
  const shapes = [
    [2, 6, 8, 4],
    [3, 7, 5, 8],
    [1, 4, 4, 12],
    [2, 9, 9, 16],
  ];
  const inputs: [string, (shape: number[]) => tf.Tensor][] = [
    ['random', (shape) => randomTensor(shape, 13)],
    ['all negative', (shape) => randomTensor(shape, 14, -1.5)],
    ['with ties', (shape) => tf.round(tf.mul(randomTensor(shape, 15), 1.5))],
    ['with infinities', (shape) => tf.div(tf.round(tf.mul(randomTensor(shape, 16), 1.5)), tf.round(tf.mul(randomTensor(shape, 17), 1.2)))],
  ];
  for (const shape of shapes) {
    for (const pad of ['valid', 'same'] as const) {
      for (const [name, make] of inputs) {
        test(`${name} x ${shape} pad ${pad}`, async () => {
          await assertSameOnAll('max pool gradient', () => {
            const x = make(shape) as tf.Tensor4D;
            const y = tf.maxPool(x, 2, 2, pad);
            return tf.engine().runKernel('MaxPoolGrad', { dy: randomTensor(y.shape, 18), input: x, output: y }, { filterSize: 2, strides: 2, pad }) as tf.Tensor;
          });
        });
      }
    }
  }
  test('no leaks', async () => {
    await assertNoLeak(() =>
      tf.tidy(() => {
        const x = randomTensor([2, 6, 8, 4], 1) as tf.Tensor4D;
        const y = tf.maxPool(x, 2, 2, 'valid');
        tf.engine().runKernel('MaxPoolGrad', { dy: tf.onesLike(y), input: x, output: y }, { filterSize: 2, strides: 2, pad: 'valid' });
      }),
    );
  });
});

describe('channel reductions and batch norm', () => {
  for (const shape of [
    [3, 5, 4, 8],
    [2, 3, 3, 12],
    [7, 16],
    [1, 1, 1, 4],
    [33, 4, 4, 64],
  ]) {
    test(`sum, mean over all but the last axis of [${shape}]`, async () => {
      const axes = shape.slice(0, -1).map((_, i) => i);
      await assertSameOnAll('sum', () => tf.sum(randomTensor(shape, 5, 0.25), axes));
      await assertSameOnAll('mean', () => tf.mean(randomTensor(shape, 6), axes, true));
    });
    test(`batch norm kernels on [${shape}]`, async () => {
      const c = shape[shape.length - 1];
      const eps = 1e-3;
      // Reference: tf.moments + tf.batchNorm and the closed-form gradient, all in cpu ops.
      const expected = await readOn('cpu', () => {
        const x = randomTensor(shape, 7, 0.5);
        const dy = randomTensor(shape, 8);
        const gamma = randomTensor([c], 9, 1);
        const beta = randomTensor([c], 10);
        const axes = shape.slice(0, -1).map((_, i) => i);
        const { mean, variance } = tf.moments(x, axes);
        const y = tf.batchNorm(x, mean, variance, beta, gamma, eps);
        const n = x.size / c;
        const s = tf.rsqrt(tf.add(variance, eps));
        const xhat = tf.mul(tf.sub(x, mean), s);
        const sumDy = tf.sum(dy, axes);
        const sumDyXhat = tf.sum(tf.mul(dy, xhat), axes);
        const dx = tf.mul(tf.mul(gamma, s), tf.sub(tf.sub(dy, tf.div(sumDy, n)), tf.mul(xhat, tf.div(sumDyXhat, n))));
        const inference = tf.batchNorm(x, tf.mul(mean, 0.5), tf.add(variance, 0.2), beta, gamma, eps);
        return [y, mean, variance, dx, sumDyXhat, sumDy, inference];
      });
      for (const enabled of [true, false]) {
        simdSettings.enabled = enabled;
        try {
          const actual = await readOn('wasm', () => {
            const x = randomTensor(shape, 7, 0.5);
            const dy = randomTensor(shape, 8);
            const gamma = randomTensor([c], 9, 1);
            const beta = randomTensor([c], 10);
            const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, scale: gamma, offset: beta }, { varianceEpsilon: eps }) as tf.Tensor[];
            const grads = tf.engine().runKernel(BATCH_NORM_GRAD, { x, dy, mean, variance, scale: gamma }, { varianceEpsilon: eps }) as tf.Tensor[];
            const inference = tf.batchNorm(x, tf.mul(mean, 0.5), tf.add(variance, 0.2), beta, gamma, eps);
            return [y, mean, variance, ...grads, inference];
          });
          expected.forEach((e, i) => assertClose(actual[i], e, `batch norm (simd ${enabled ? 'on' : 'off'}) [output ${i}]`));
        } finally {
          simdSettings.enabled = true;
        }
      }
    });
  }
  test('no leaks', async () => {
    await assertNoLeak(() =>
      tf.tidy(() => {
        const x = randomTensor([3, 5, 4, 8], 1);
        tf.sum(x, [0, 1, 2]);
        tf.mean(x, [1, 2]);
        const [, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, scale: tf.ones([8]), offset: tf.zeros([8]) }, { varianceEpsilon: 1e-3 }) as tf.Tensor[];
        tf.engine().runKernel(BATCH_NORM_GRAD, { x, dy: x, mean, variance, scale: tf.ones([8]) }, { varianceEpsilon: 1e-3 });
        tf.batchNorm(x, mean, variance, undefined, undefined, 1e-3);
      }),
    );
  });
});

describe('zoo models: every kernel together', () => {
  const specs: { name: string; spec: Parameters<typeof buildModel>[0]; input: number[]; batch: number }[] = [
    { name: 'cnn 32-64 (the teacher)', spec: { arch: 'cnn', widths: [32, 64] }, input: [28, 28, 1], batch: 3 },
    { name: 'cnn 8-16 (the student)', spec: { arch: 'cnn', widths: [8, 16] }, input: [28, 28, 1], batch: 3 },
    { name: 'resnet8', spec: { arch: 'resnet', depth: 8, widthMultiplier: 1 }, input: [10, 10, 3], batch: 2 },
  ];

  /** Loss and the gradient of every trainable weight of the model, on the current backend. */
  function lossAndGradients(spec: (typeof specs)[number]): Float32Array[] {
    const model = buildModel(spec.spec, { inputShape: spec.input, numClasses: 10, role: 'teacher', seed: 3 });
    try {
      const x = randomTensor([spec.batch, ...spec.input], 40, 0.5);
      const labels = tf.oneHot(
        tf.tensor1d(
          Array.from({ length: spec.batch }, (_, i) => (i * 3) % 10),
          'int32',
        ),
        10,
      );
      const { value, grads } = tf.variableGrads(() => {
        const [logits] = model.net.apply(x, { training: true }) as tf.Tensor[];
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      });
      const read = [value.dataSync() as Float32Array, ...model.net.trainableWeights.map((w) => grads[w.name].dataSync() as Float32Array)];
      tf.dispose([x, labels, value, ...Object.values(grads)]);
      return read;
    } finally {
      model.dispose();
    }
  }

  for (const spec of specs) {
    test(`${spec.name}: loss and every weight gradient match cpu`, async () => {
      await tf.setBackend('cpu');
      const cpu = lossAndGradients(spec);
      await tf.setBackend('wasm');
      const wasm = lossAndGradients(spec);
      assert.equal(wasm.length, cpu.length);
      cpu.forEach((expected, i) => assertClose(wasm[i], expected, `${spec.name} ${i === 0 ? 'loss' : `gradient ${i}`}`));
    });
  }

  test('a training step of the teacher cnn leaks nothing (tensors, buffers, heap)', async () => {
    await tf.setBackend('wasm');
    const model = buildModel({ arch: 'cnn', widths: [32, 64] }, { inputShape: [28, 28, 1], numClasses: 10, role: 'teacher', seed: 4 });
    const optimizer = tf.train.adam(1e-3);
    const x = randomTensor([4, 28, 28, 1], 41);
    const labels = tf.oneHot(tf.tensor1d([1, 2, 3, 4], 'int32'), 10);
    await assertNoLeak(() => {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, (model.net.apply(x, { training: true }) as tf.Tensor[])[0]) as tf.Scalar);
      tf.tidy(() => {
        model.net.predict(x);
      });
    });
    tf.dispose([x, labels]);
    optimizer.dispose();
    model.dispose();
  });
});
