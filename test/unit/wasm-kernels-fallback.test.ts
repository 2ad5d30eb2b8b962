// When one of our wasm kernels falls back to tfjs's stock kernel (a call of a kind it takes, in a
// dtype, layout or setting it does not), the run log gets exactly one line per kernel and process,
// naming the kernel, the case and the first call's inputs. The stock kernel's own cases (where it
// is the fast path) log nothing.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/core/backend';
import { resetFallbackLog } from '../../src/core/backend/wasm-kernels/fallback';
import { simdFor, simdSettings } from '../../src/core/backend/wasm-kernels/simd';
import { randomTensor } from '../support/wasm-tensors';

let lines: string[] = [];

beforeEach(async () => {
  lines = [];
  resetFallbackLog();
  // initBackend hands its log to the kernels: the run's log in a trainer.
  await initBackend('wasm', (message) => lines.push(message));
  lines = lines.filter((line) => !line.startsWith('TensorFlow.js backend'));
});

const fallbackLines = (kernel: string) => lines.filter((line) => line.startsWith(`wasm kernel ${kernel}:`));

describe('fallback to the stock kernel', () => {
  test('one line per kernel, however often and in however many cases it falls back', () => {
    tf.tidy(() => {
      for (let i = 0; i < 3; i++)
        tf.sum(
          tf.tensor2d(
            [
              [1, 2],
              [3, 4],
            ],
            [2, 2],
            'int32',
          ),
          0,
        ).dataSync(); // int32: not ours
      tf.sum(randomTensor([2, 3, 4], 1), [0, 2]).dataSync(); // reduced axes apart: not ours either
      tf.sum(randomTensor([4, 6], 2), 0).dataSync(); // a middle block of float32: ours, no line
    });
    assert.equal(fallbackLines('Sum').length, 1, lines.join('\n'));
    assert.match(fallbackLines('Sum')[0], /^wasm kernel Sum: tfjs's stock kernel takes calls of int32 \(first: x int32\[2,2\]\); logged once per process$/);
  });

  test("each kernel has its own line, naming its case and the first call's inputs", () => {
    tf.tidy(() => {
      // A 3x3 conv of an RGB image: three input channels, not a multiple of 4.
      for (let i = 0; i < 2; i++) tf.conv2d(randomTensor([1, 8, 8, 3], 3) as tf.Tensor4D, randomTensor([3, 3, 3, 8], 4) as tf.Tensor4D, 1, 'same').dataSync();
      tf.clone(tf.tensor1d(['a', 'b'])).dataSync();
    });
    assert.equal(fallbackLines('Conv2D').length, 1, lines.join('\n'));
    assert.match(fallbackLines('Conv2D')[0], /channels are not a multiple of 4 in/);
    assert.match(fallbackLines('Conv2D')[0], /first: x float32\[1,8,8,3\], filter float32\[3,3,3,8\]/);
    assert.equal(fallbackLines('Identity').length, 1, lines.join('\n'));
    assert.match(fallbackLines('Identity')[0], /takes calls of strings/);
    assert.equal(lines.length, 2, lines.join('\n'));
  });

  test("the stock kernel's own cases, and the calls ours take, log nothing", () => {
    tf.tidy(() => {
      const x = randomTensor([2, 8, 8, 8], 5) as tf.Tensor4D;
      tf.conv2d(x, randomTensor([3, 3, 8, 16], 6) as tf.Tensor4D, 1, 'same').dataSync(); // ours: Winograd
      tf.conv2d(x, randomTensor([5, 5, 8, 16], 7) as tf.Tensor4D, 1, 'same').dataSync(); // XNNPACK's own: 5x5
      tf.conv2d(x, randomTensor([3, 3, 8, 16], 8) as tf.Tensor4D, 2, 'same').dataSync(); // XNNPACK's own: stride 2
      tf.matMul(randomTensor([4, 8], 9), randomTensor([8, 3], 10)).dataSync(); // the stock matmul's own: no transposes
      tf.matMul(randomTensor([8, 4], 11), randomTensor([8, 3], 12), true).dataSync(); // ours: transposed
      tf.sum(randomTensor([4, 6], 13), 1).dataSync(); // the stock reduction's own: innermost axis
      tf.mean(x, [1, 2]).dataSync(); // ours: a middle block
      tf.cast(tf.tensor1d([1, 2], 'int32'), 'float32').dataSync(); // the stock cast's own: a conversion
      tf.tile(randomTensor([1, 1, 1, 8], 14), [2, 8, 8, 1]).dataSync();
      x.clone().dataSync();
    });
    assert.deepEqual(lines, []);
  });

  test('what falls back computes as before', async () => {
    const compute = () => tf.tidy(() => tf.conv2d(randomTensor([1, 6, 6, 3], 15) as tf.Tensor4D, randomTensor([3, 3, 3, 8], 16) as tf.Tensor4D, 1, 'same'));
    const wasm = compute();
    const fromWasm = wasm.dataSync().slice();
    wasm.dispose();
    await tf.setBackend('cpu');
    const cpu = compute();
    const fromCpu = cpu.dataSync();
    cpu.dispose();
    fromCpu.forEach((value, i) => assert.ok(Math.abs(fromWasm[i] - value) < 1e-4, `element ${i}: ${fromWasm[i]} vs ${value}`));
    assert.equal(fallbackLines('Conv2D').length, 1);
  });
});

describe('the SIMD module unavailable', () => {
  test('says why, once, and the kernels that need it fall back', () => {
    // A backend whose heap is not reachable, as with another tfjs-backend-wasm build.
    const foreign = { wasm: {} } as unknown as BackendWasm;
    assert.equal(simdFor(foreign), null);
    assert.equal(simdFor({ wasm: {} } as unknown as BackendWasm), null);
    const simdLines = lines.filter((line) => line.startsWith('wasm kernels: the SIMD module cannot run'));
    assert.equal(simdLines.length, 1, lines.join('\n'));
    assert.match(simdLines[0], /memory is not reachable/);

    simdSettings.enabled = false;
    try {
      tf.tidy(() => {
        tf.conv2d(randomTensor([2, 8, 8, 8], 17) as tf.Tensor4D, randomTensor([3, 3, 8, 16], 18) as tf.Tensor4D, 1, 'same').dataSync();
      });
    } finally {
      simdSettings.enabled = true;
    }
    assert.equal(fallbackLines('Conv2D').length, 1, lines.join('\n'));
    assert.match(fallbackLines('Conv2D')[0], /while the SIMD module cannot run/);
  });
});
