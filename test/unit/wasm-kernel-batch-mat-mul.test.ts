// BatchMatMul over batches of matrices (attention's products) on wasm — the SIMD `bmm` kernel —
// against the cpu backend: values and gradients, every transpose, sizes that leave each tile
// remainder (rows not a multiple of 4, columns not of 8 or 4), and one operand broadcast.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend';
import { batchPlan } from '../../src/core/backend/wasm-kernels/batch-mat-mul';
import { simdFor } from '../../src/core/backend/wasm-kernels/simd';
import { MultiHeadSelfAttention } from '../../src/core/models/transformer-layers';
import { assertWasmMatchesCpu } from '../support/cpu-vs-wasm';
import { assertNoLeak, randomTensor, wasmBackend } from '../support/wasm-tensors';

const swap = (shape: number[]) => [...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]];
const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

before(async () => {
  await initBackend('wasm', () => {});
  assert.ok(simdFor(wasmBackend()), 'the SIMD module runs here (else these tests would check the fallback only)');
  await tf.setBackend('cpu');
});

describe('batchPlan: which calls the SIMD kernel takes', () => {
  const info = (shape: number[], dtype: 'float32' | 'int32' = 'float32') => ({ dataId: {}, shape, dtype });
  test('attention shapes, every transpose, batch × heads matrices', () => {
    for (const [ta, tb] of TRANSPOSES) {
      const plan = batchPlan(info(ta ? [32, 4, 32, 64] : [32, 4, 64, 32]), info(tb ? [32, 4, 64, 32] : [32, 4, 32, 64]), ta, tb);
      assert.deepEqual(plan, { outShape: [32, 4, 64, 64], batch: 128, m: 64, k: 32, n: 64, broadcastA: false, broadcastB: false });
    }
  });
  test('one operand broadcast over the other batch', () => {
    assert.deepEqual(batchPlan(info([1, 3, 5]), info([4, 5, 2]), false, false), { outShape: [4, 3, 2], batch: 4, m: 3, k: 5, n: 2, broadcastA: true, broadcastB: false });
    assert.deepEqual(batchPlan(info([2, 3, 3, 5]), info([1, 1, 5, 2]), false, false)?.broadcastB, true);
  });
  test('a single matrix product (a dense layer and its gradients) too', () => {
    assert.deepEqual(batchPlan(info([2048, 128]), info([2048, 512]), true, false), { outShape: [128, 512], batch: 1, m: 128, k: 2048, n: 512, broadcastA: false, broadcastB: false });
  });
  test('left to the stock kernel: int32, broadcasting both ways', () => {
    assert.equal(batchPlan(info([2, 3, 4], 'int32'), info([2, 4, 3], 'int32'), false, false), null);
    assert.equal(batchPlan(info([2, 1, 3, 4]), info([1, 3, 4, 3]), false, false), null);
  });
});

describe('BatchMatMul on wasm (SIMD bmm) equals cpu', () => {
  // [batch…, M, K] · [batch…, K, N]: tiles 4x8 only; every remainder (M 9 = 8 + 1, N 13 = 8 + 4 + 1); N < 4; K 1.
  const shapes: [number[], number[]][] = [
    [
      [2, 3, 8, 5],
      [2, 3, 5, 16],
    ],
    [
      [2, 3, 9, 6],
      [2, 3, 6, 13],
    ],
    [
      [5, 7, 3],
      [5, 3, 2],
    ],
    [
      [3, 6, 1],
      [3, 1, 7],
    ],
    [
      [1, 6, 4],
      [4, 4, 12],
    ],
    [
      [4, 6, 4],
      [1, 4, 12],
    ],
    // Single matrices: K past one block of B (kBlockFor), and a transposed A too wide to read in place.
    [
      [9, 300],
      [300, 70],
    ],
    [
      [530, 5],
      [5, 6],
    ],
  ];
  for (const [aShape, bShape] of shapes) {
    for (const [ta, tb] of TRANSPOSES) {
      // tfjs's BatchMatMul gradient refuses broadcast batches (on every backend): values only there.
      const broadcast = aShape.slice(0, -2).join() !== bShape.slice(0, -2).join();
      test(`a [${aShape}] b [${bShape}] transposeA ${ta} transposeB ${tb}: values${broadcast ? '' : ' and both gradients'}`, async () => {
        const weights = (shape: number[]) => randomTensor(shape, 9);
        await assertWasmMatchesCpu('matMul', () => {
          const a = randomTensor(ta ? swap(aShape) : aShape, 5);
          const b = randomTensor(tb ? swap(bShape) : bShape, 6);
          const out = tf.matMul(a, b, ta, tb);
          if (broadcast) return [out];
          // A weighted sum, so each output element sends its own gradient back.
          const w = weights(out.shape);
          const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, ta, tb), w)))([a, b]);
          return [out, da, db];
        });
      });
    }
  }
});

test('multi-head self-attention (context, scores, probs) and its input gradients on wasm equal cpu', async () => {
  const [batch, length, hidden, heads] = [3, 11, 12, 3];
  await assertWasmMatchesCpu('attention', () => {
    const layer = new MultiHeadSelfAttention({ heads, dropout: 0, seed: 1 });
    const [q, k, v] = [1, 2, 3].map((seed) => randomTensor([batch, length, hidden], seed));
    const mask = tf.tensor2d(
      Array.from({ length: batch * length }, (_, i) => (i % length < length - (i / length) * 3 ? 1 : 0)),
      [batch, length],
    );
    const outputs = layer.apply([q, k, v, mask]) as tf.Tensor[];
    const w = randomTensor([batch, length, hidden], 4);
    const grads = tf.grads((qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor) => tf.sum(tf.mul((layer.apply([qi, ki, vi, mask]) as tf.Tensor[])[0], w)))([q, k, v]);
    return [...outputs.slice(0, 3), ...grads];
  });
});

test('BatchMatMul and _FusedMatMul leave no tensors, buffers or heap behind', async () => {
  await assertNoLeak(() =>
    tf.tidy(() => {
      tf.matMul(randomTensor([2, 3, 6, 9], 1), randomTensor([2, 3, 5, 6], 2), true, true);
      tf.matMul(randomTensor([2, 3, 9, 6], 1), randomTensor([2, 3, 6, 5], 2));
      tf.fused.matMul({ a: randomTensor([9, 6], 1), b: randomTensor([6, 5], 2), bias: randomTensor([5], 3), activation: 'relu' });
    }),
  );
  await tf.setBackend('cpu');
});

describe('_FusedMatMul on wasm (bmm from the bias rows) equals cpu', () => {
  const cases: { a: number[]; b: number[]; bias: number[] | null; activation: 'linear' | 'relu' | 'elu'; ta?: boolean; tb?: boolean }[] = [
    { a: [37, 20], b: [20, 13], bias: [13], activation: 'linear' },
    { a: [37, 20], b: [20, 13], bias: [13], activation: 'relu' },
    { a: [20, 37], b: [13, 20], bias: null, activation: 'relu', ta: true, tb: true },
    { a: [2, 9, 6], b: [2, 6, 16], bias: [16], activation: 'linear' },
    // Left to the stock kernel: an activation bmm does not apply.
    { a: [9, 6], b: [6, 5], bias: [5], activation: 'elu' },
  ];
  for (const c of cases) {
    test(`a [${c.a}] b [${c.b}] bias ${c.bias ? `[${c.bias}]` : 'none'} ${c.activation}${c.ta ? ' transposeA' : ''}${c.tb ? ' transposeB' : ''}: values and gradients`, async () => {
      await assertWasmMatchesCpu('fused matMul', () => {
        const a = randomTensor(c.a, 11);
        const b = randomTensor(c.b, 12);
        const bias = c.bias ? randomTensor(c.bias, 13) : undefined;
        const run = (x: tf.Tensor, y: tf.Tensor, z?: tf.Tensor) => tf.fused.matMul({ a: x, b: y, bias: z, activation: c.activation, transposeA: c.ta, transposeB: c.tb });
        const out = run(a, b, bias);
        const w = randomTensor(out.shape, 14);
        const grads = bias
          ? tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(run(x, y, z), w)))([a, b, bias])
          : tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(run(x, y), w)))([a, b]);
        return [out, ...grads];
      });
    });
  }
});
