// The wasm backend's reads go through useFastWasmReads (a typed-array copy instead of
// HEAPU8.slice): the values, ranges, dtypes and copy semantics must be those of the original.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../../src/core/backend/select';

describe('wasm reads', () => {
  before(async () => {
    await initBackend('wasm', () => {});
  });

  test('float32, int32 and bool tensors read back their values with their own array types', () => {
    const floats = Float32Array.from({ length: 1001 }, (_, i) => Math.sin(i) * 1e3);
    const t = tf.tensor1d(floats);
    const read = t.dataSync();
    assert.ok(read instanceof Float32Array);
    assert.deepEqual(Array.from(read), Array.from(floats));
    const ints = tf.tensor1d(Int32Array.from([-2147483648, -1, 0, 7, 2147483647]), 'int32');
    const readInts = ints.dataSync();
    assert.ok(readInts instanceof Int32Array);
    assert.deepEqual(Array.from(readInts), [-2147483648, -1, 0, 7, 2147483647]);
    const bools = tf.greater(tf.tensor1d([1, -1, 3]), 0);
    const readBools = bools.dataSync();
    assert.ok(readBools instanceof Uint8Array);
    assert.deepEqual(Array.from(readBools), [1, 0, 1]);
    tf.dispose([t, ints, bools]);
  });

  test('a range read returns exactly that range, and every read is a copy', () => {
    const t = tf.tensor2d(
      Float32Array.from({ length: 12 }, (_, i) => i + 0.5),
      [3, 4],
    );
    const backend = tf.backend() as BackendWasm;
    assert.deepEqual(Array.from(backend.readSync(t.dataId, 2, 7) as Float32Array), [2.5, 3.5, 4.5, 5.5, 6.5]);
    assert.equal((backend.readSync(t.dataId, 5, 5) as Float32Array).length, 0);
    const first = t.dataSync();
    first[0] = 99;
    assert.equal(t.dataSync()[0], 0.5, 'changing a read array leaves the tensor alone');
    t.dispose();
  });

  test('values computed by a kernel read back the same as through arraySync, and strings still read', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const y = tf.matMul(x, x);
    assert.deepEqual(Array.from(y.dataSync()), [7, 10, 15, 22]);
    assert.deepEqual(y.arraySync(), [
      [7, 10],
      [15, 22],
    ]);
    const s = tf.tensor1d(['distil', 'lab'], 'string');
    assert.deepEqual(s.dataSync(), ['distil', 'lab']);
    tf.dispose([x, y, s]);
  });
});
