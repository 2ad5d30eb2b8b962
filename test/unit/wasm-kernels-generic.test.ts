// The generic wasm kernels we replace for speed (Identity, Cast, Tile, Sum, Mean, FusedBatchNorm),
// each checked against the cpu backend on the same inputs, and for leaks.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs-core's gradients, as the engine's users (tfjs-layers) do.
import '@tensorflow/tfjs-layers';
import { initBackend, registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../src/core/backend';
import { values, randomTensor, wasmBackend, assertNoLeak } from '../support/wasm-tensors';

interface Read {
  shape: number[];
  dtype: string;
  values: Float32Array | Int32Array | Uint8Array;
}

async function run(backend: string, compute: () => tf.Tensor | tf.Tensor[]): Promise<Read[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(compute);
  const list = Array.isArray(out) ? out : [out];
  const read = list.map((t) => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync() as Read['values'] }));
  tf.dispose(list);
  return read;
}

function assertClose(actual: Read, expected: Read, label: string, relTol = 1e-5): void {
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${label}: dtype`);
  let scale = 1;
  for (const v of expected.values) scale = Math.max(scale, Math.abs(v));
  const tolerance = relTol * scale;
  for (let i = 0; i < expected.values.length; i++) {
    const a = actual.values[i];
    const e = expected.values[i];
    if (!(Math.abs(a - e) <= tolerance) && !(Number.isNaN(a) && Number.isNaN(e))) {
      assert.fail(`${label}: element ${i} is ${a}, cpu says ${e} (tolerance ${tolerance})`);
    }
  }
}

async function assertSameOnBoth(label: string, compute: () => tf.Tensor | tf.Tensor[], relTol?: number): Promise<void> {
  const cpu = await run('cpu', compute);
  const wasm = await run('wasm', compute);
  assert.equal(wasm.length, cpu.length);
  cpu.forEach((expected, i) => assertClose(wasm[i], expected, `${label} [output ${i}]`, relTol));
}

before(async () => {
  await initBackend('wasm', () => {});
});

describe('registration', () => {
  test('Identity, Cast, Tile, Sum, Mean and FusedBatchNorm are replaced, and restored on unregister', () => {
    const names = ['Identity', 'Cast', 'Tile', 'Sum', 'Mean', 'FusedBatchNorm'];
    unregisterWasmTrainingKernels();
    const stock = names.map((n) => tf.getKernel(n, 'wasm').kernelFunc);
    registerWasmTrainingKernels();
    names.forEach((n, i) => assert.notEqual(tf.getKernel(n, 'wasm').kernelFunc, stock[i], `${n} replaced`));
    unregisterWasmTrainingKernels();
    names.forEach((n, i) => assert.equal(tf.getKernel(n, 'wasm').kernelFunc, stock[i], `${n} restored`));
    registerWasmTrainingKernels();
  });
});

describe('Identity and Cast share the buffer', () => {
  test('clone and same-dtype cast: same values, shared data, independent disposal', async () => {
    await tf.setBackend('wasm');
    const before = wasmBackend().numDataIds();
    const x = randomTensor([3, 5], 1);
    const y = tf.clone(x);
    const z = tf.cast(x, 'float32');
    assert.equal(wasmBackend().numDataIds(), before + 1, 'one buffer for x, its clone and its cast');
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), Array.from(values(15, 1)));
    y.dispose();
    assert.deepEqual(Array.from(z.dataSync()), Array.from(values(15, 1)));
    z.dispose();
    assert.equal(wasmBackend().numDataIds(), before, 'buffer freed with the last user');
  });

  for (const [from, to] of [
    ['float32', 'int32'],
    ['int32', 'float32'],
    ['float32', 'bool'],
    ['int32', 'bool'],
    ['bool', 'int32'],
    ['bool', 'float32'],
    ['int32', 'int32'],
    ['bool', 'bool'],
  ] as const) {
    test(`cast ${from} -> ${to} matches cpu`, async () => {
      await assertSameOnBoth('cast', () => tf.cast(tf.cast(tf.mul(randomTensor([4, 3], 2), 3), from), to));
    });
  }

  test('gradients through clone and cast', async () => {
    await assertSameOnBoth('grad', () => {
      const x = randomTensor([2, 3, 4], 3);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.cast(tf.clone(t), 'float32'), t)))(x);
    });
  });
});

describe('Tile', () => {
  const cases: [number[], number[]][] = [
    [
      [1, 1, 1, 5],
      [3, 4, 2, 1],
    ],
    [
      [1, 1, 1, 32],
      [2, 7, 7, 1],
    ],
    [
      [2, 3],
      [3, 2],
    ],
    [[3], [4]],
    [
      [2, 1, 3],
      [1, 5, 2],
    ],
    [
      [1, 2, 1, 3],
      [2, 1, 3, 2],
    ],
    [
      [2, 2],
      [1, 1],
    ],
    [
      [3, 2],
      [0, 2],
    ],
    [[], []],
  ];
  for (const [shape, reps] of cases) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      test(`${dtype} [${shape}] reps [${reps}]`, async () => {
        await assertSameOnBoth('tile', () => {
          const x = tf.cast(tf.mul(randomTensor(shape, 4), 5), dtype);
          return tf.tile(x, reps);
        });
      });
    }
  }
  test('gradient of tile', async () => {
    await assertSameOnBoth('tile grad', () => {
      const x = randomTensor([1, 3, 1, 4], 5);
      const w = randomTensor([2, 3, 5, 4], 6);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tile(t, [2, 1, 5, 1]), w)))(x);
    });
  });
});

describe('Sum and Mean', () => {
  const cases: [number[], number[]][] = [
    [
      [4, 5, 3, 6],
      [0, 1, 2],
    ],
    [
      [2, 7, 5, 3],
      [1, 2],
    ],
    [[3, 4, 5, 2], [0]],
    [[3, 4, 5, 2], [1]],
    [
      [3, 4, 5, 7],
      [0, 1, 2, 3],
    ],
    [[3, 4, 5, 7], [3]],
    [
      [3, 4, 5, 7],
      [2, 3],
    ],
    [
      [3, 4, 5, 7],
      [0, 2],
    ],
    [
      [5, 1, 1, 9],
      [0, 1, 2],
    ],
    [
      [1, 6, 1, 9],
      [0, 1],
    ],
    [[17, 33], [0]],
    [[129, 10], [0]],
    [
      [2, 3, 1],
      [0, 1],
    ],
    [[6], [0]],
  ];
  for (const [shape, axes] of cases) {
    for (const keepDims of [false, true]) {
      test(`[${shape}] axes [${axes}] keepDims ${keepDims}`, async () => {
        await assertSameOnBoth('sum', () => tf.sum(randomTensor(shape, 7, 0.5), axes, keepDims));
        await assertSameOnBoth('mean', () => tf.mean(randomTensor(shape, 8, -0.25), axes, keepDims));
      });
    }
  }
  test('negative axes, and int32 sums (original kernel)', async () => {
    await assertSameOnBoth('sum', () => tf.sum(randomTensor([3, 4, 5], 9), [-3, -2]));
    await assertSameOnBoth('int sum', () => tf.sum(tf.cast(tf.mul(randomTensor([3, 4, 5], 9), 10), 'int32'), [0, 1]));
    await assertSameOnBoth('int mean', () => tf.mean(tf.cast(tf.mul(randomTensor([3, 4, 5], 9), 10), 'int32'), [0]));
  });
  test('a long reduction accumulates accurately', async () => {
    // 200k values around 1: float32 running sums drift; float64 ones do not.
    await assertSameOnBoth('sum', () => tf.sum(randomTensor([50000, 4, 4], 10, 1), [0, 1]), 1e-6);
    await assertSameOnBoth('mean', () => tf.mean(randomTensor([50000, 4, 4], 11, 1), [0, 1]), 1e-6);
  });
});

describe('FusedBatchNorm (inference)', () => {
  const cases: [number[], boolean, boolean][] = [
    [[2, 5, 3, 4], true, true],
    [[3, 7], true, false],
    [[3, 7], false, true],
    [[1, 1, 1, 9], false, false],
    [[4, 3, 3, 1], true, true],
  ];
  for (const [shape, withScale, withOffset] of cases) {
    test(`[${shape}] scale ${withScale} offset ${withOffset}`, async () => {
      const c = shape[shape.length - 1];
      await assertSameOnBoth('batchNorm', () => {
        const x = randomTensor(shape, 12, 2);
        const mean = randomTensor([c], 13, 2);
        const variance = tf.add(tf.abs(randomTensor([c], 14)), 0.1);
        return tf.batchNorm(x, mean, variance, withOffset ? randomTensor([c], 15) : undefined, withScale ? randomTensor([c], 16) : undefined, 1e-3);
      });
    });
  }
  test('broadcast parameters of other shapes go to the original kernel', async () => {
    await assertSameOnBoth('batchNorm', () => {
      const x = randomTensor([2, 3, 4], 17);
      const mean = randomTensor([3, 4], 18);
      const variance = tf.add(tf.abs(randomTensor([3, 4], 19)), 0.1);
      return tf.batchNorm(x, mean, variance, undefined, undefined, 1e-3);
    });
  });
});

describe('no leaks on wasm', () => {
  test('Identity, Cast, Tile, Sum, Mean, FusedBatchNorm', async () => {
    await assertNoLeak(() =>
      tf.tidy(() => {
        const x = randomTensor([4, 5, 3, 6], 1);
        tf.clone(x);
        tf.cast(x, 'float32');
        tf.cast(x, 'int32');
        tf.tile(tf.reshape(tf.slice(x, [0, 0, 0, 0], [1, 1, 1, 6]), [1, 1, 1, 6]), [4, 5, 3, 1]);
        tf.sum(x, [0, 1, 2]);
        tf.mean(x, [1, 2], true);
        tf.sum(x, [3]);
        tf.batchNorm(x, tf.zeros([6]), tf.ones([6]), tf.zeros([6]), tf.ones([6]), 1e-3);
      }),
    );
  });
});
