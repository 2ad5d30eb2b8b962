import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { batches } from '../../src/core/data/batches';
import type { Split } from '../../src/core/data/types';

before(async () => {
  await tf.setBackend('cpu');
});

const inputShape = [2, 3, 1];
const count = 23;
/** Sample i is six copies of i; label i mod 4. */
const split: Split = {
  x: Float32Array.from({ length: count * 6 }, (_, k) => Math.floor(k / 6)),
  y: Int32Array.from({ length: count }, (_, i) => i % 4),
  count,
};

async function epoch(shuffleSeed?: number): Promise<{ order: number[]; sizes: number[] }> {
  const order: number[] = [];
  const sizes: number[] = [];
  for (const batch of batches(split, inputShape, 5, { shuffleSeed })) {
    assert.deepEqual(batch.x.shape, [batch.size, ...inputShape]);
    assert.equal(batch.x.dtype, 'float32');
    assert.equal(batch.y.dtype, 'int32');
    const x = await batch.x.data();
    const y = await batch.y.data();
    batch.indices.forEach((index, i) => {
      assert.ok(
        x.subarray(i * 6, i * 6 + 6).every((v) => v === index),
        'x rows match indices',
      );
      assert.equal(y[i], index % 4);
    });
    order.push(...batch.indices);
    sizes.push(batch.size);
    tf.dispose([batch.x, batch.y]);
  }
  return { order, sizes };
}

test('an epoch covers every index exactly once, the last batch partial, without leaking tensors', async () => {
  const start = tf.memory().numTensors;
  const plain = await epoch();
  assert.deepEqual(
    plain.order,
    Array.from({ length: count }, (_, i) => i),
  );
  assert.deepEqual(plain.sizes, [5, 5, 5, 5, 3]);
  const shuffled = await epoch(11);
  assert.deepEqual(
    [...shuffled.order].sort((a, b) => a - b),
    plain.order,
  );
  assert.notDeepEqual(shuffled.order, plain.order);
  assert.deepEqual(shuffled.sizes, [5, 5, 5, 5, 3]);
  assert.equal(tf.memory().numTensors, start);
});

test('the shuffled order is reproducible by seed', async () => {
  assert.deepEqual((await epoch(3)).order, (await epoch(3)).order);
  assert.notDeepEqual((await epoch(3)).order, (await epoch(4)).order);
});

test('stopping early leaves only the tensors already yielded', () => {
  const start = tf.memory().numTensors;
  const it = batches(split, inputShape, 4, { shuffleSeed: 1 });
  const first = it.next();
  assert.ok(!first.done);
  assert.equal(tf.memory().numTensors, start + 2);
  it.return(undefined);
  tf.dispose([first.value.x, first.value.y]);
  assert.equal(tf.memory().numTensors, start);
});

test('bad shapes or batch sizes are rejected', () => {
  assert.throws(() => batches(split, [2, 2, 1], 4).next(), /expected 23 samples of \[2, 2, 1\]/);
  assert.throws(() => batches(split, inputShape, 0).next(), /positive integer batch size, found 0/);
});

test("each batch names the next batch's indices in the same pass; the last names none", () => {
  for (const shuffleSeed of [undefined, 7]) {
    const all = [...batches(split, inputShape, 5, { shuffleSeed })];
    all.forEach((batch, i) => {
      if (i + 1 < all.length) assert.deepEqual(batch.next, all[i + 1].indices, `batch ${i} (seed ${shuffleSeed})`);
      else assert.equal(batch.next, undefined);
      tf.dispose([batch.x, batch.y]);
    });
    assert.equal(all.length, 5);
  }
});
