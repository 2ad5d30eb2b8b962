// The transformer's fused wasm kernels (backend/wasm-kernels/{gelu,layer-norm,softmax}.ts, SIMD
// in simd/transformer-kernels.ts) and the layer functions that use them
// (models/transformer-layers.ts: gelu, layerNorm, softmax): values and gradients against the cpu
// backend, which composes the same maths from tf ops; the LayerNorm gradient also against central
// differences of a float64 LayerNorm, GELU against a float64 Φ; SIMD on and off (the JS loops),
// sizes that reach the SIMD tails, large |x|, masked logits, errors and leaks; and the new
// assembler opcodes one by one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../src/core/backend';
import { GELU, GELU_GRAD } from '../../src/core/backend/wasm-kernels/gelu';
import { LAYER_NORM, LAYER_NORM_GRAD } from '../../src/core/backend/wasm-kernels/layer-norm';
import { SOFTMAX_GRAD } from '../../src/core/backend/wasm-kernels/softmax';
import { advanceMulberry, DROPOUT_MASK } from '../../src/core/backend/wasm-kernels/dropout';
import { createRng } from '../../src/shared/rng';
import { simdSettings } from '../../src/core/backend/wasm-kernels/simd';
import { assemble, Func, type Expr } from '../../src/core/backend/wasm-kernels/simd/assembler';
import { gelu, layerNorm, SeededDropout, softmax } from '../../src/core/models/transformer-layers';
import { assertNoLeak, randomTensor, readOn } from '../support/wasm-tensors';

/** |actual − expected| ≤ abs + rel·|expected| elementwise (NaN nowhere). */
function assertNear(actual: Float32Array, expected: ArrayLike<number>, label: string, abs: number, rel: number): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const tolerance = abs + rel * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) assert.fail(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]} (tolerance ${tolerance})`);
  }
}

/** Value and the gradients of Σ f(inputs)·w for every input. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], w: tf.Tensor): tf.Tensor[] {
  const y = f(...inputs);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), w)))(inputs);
  return [y, ...grads];
}

/** x values over [−6, 6) plus the large and special ones, n in all (the tail after the last 4 included). */
function geluInput(n: number, seed: number): tf.Tensor {
  const v = randomTensor([n], seed, 0, 6).dataSync() as Float32Array;
  const special = [-30, -10, -8, -5, -1e-6, 0, 1e-6, 5, 8, 10, 30, -87, 88];
  special.forEach((s, i) => (v[(i * 7) % n] = s));
  return tf.tensor(v, [n]);
}

// A float64 Φ independent of the kernels' formula: the Taylor series of erf below 2, a continued
// fraction for erfc above (both to ~1e-16).
function erfc64(z: number): number {
  if (z < 2) {
    let term = z;
    let sum = z;
    for (let n = 1; Math.abs(term) > 1e-18; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let cf = 0;
  for (let k = 80; k >= 1; k--) cf = k / 2 / (z + cf);
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + cf);
}
const phi64 = (x: number) => (x < 0 ? 0.5 * erfc64(-x / Math.SQRT2) : 1 - 0.5 * erfc64(x / Math.SQRT2));

/** Runs `body` with the SIMD module on and then off (the JS loops), restoring it afterwards. */
async function bothPaths(body: (label: string) => Promise<void>): Promise<void> {
  try {
    for (const on of [true, false]) {
      simdSettings.enabled = on;
      await body(on ? 'SIMD' : 'JS loops');
    }
  } finally {
    simdSettings.enabled = true;
  }
}

before(async () => {
  await initBackend('wasm', () => {});
});

after(() => {
  simdSettings.enabled = true;
});

test('the fused kernels are registered for wasm only', () => {
  for (const name of [GELU, GELU_GRAD, LAYER_NORM, LAYER_NORM_GRAD, SOFTMAX_GRAD]) {
    assert.ok(tf.getKernel(name, 'wasm'), `${name} on wasm`);
    assert.equal(tf.getKernel(name, 'cpu'), undefined, `${name} not on cpu`);
  }
});

describe('GELU', () => {
  // Tolerance against cpu: cpu's Φ goes through tfjs's erf, Abramowitz–Stegun 7.1.26 with an
  // absolute error up to 1.5e-7 (so 7.5e-8 on Φ), ours through Numerical Recipes' erfc (relative
  // error 1.2e-7) evaluated in float32 (a few ulp of 6e-8 more). |ΔΦ| ≤ 4e-7 bounds both, so
  // |Δy| ≤ 4e-7·|x| plus y's own rounding (1.2e-7·|y|). The gradient dy·(Φ + x·φ) (|dy| < 1) adds
  // x·Δφ, φ's relative error ~x²·1.2e-7 from exp's argument in float32, and x³·φ(x) ≤ 0.46:
  // |Δdx| ≤ 4e-7 + 0.46·1.2e-7 + rounding, within 1e-6.
  // 4099: pairs of quads and a tail of 3; 23: an odd quad after the pairs; 6: one quad and a tail.
  for (const n of [4099, 23, 6]) {
    test(`${n} values: forward and gradient match cpu's composition (x up to ±30)`, async () => {
      const compute = () => {
        const x = geluInput(n, 3);
        return valueAndGrads(gelu, [x], randomTensor([n], 4));
      };
      const [y, dx] = await readOn('cpu', compute);
      const xs = await readOn('cpu', () => [geluInput(n, 3)]);
      await bothPaths(async (path) => {
        const [wy, wdx] = await readOn('wasm', compute);
        const limit = (i: number) => Math.abs(xs[0][i]);
        for (let i = 0; i < n; i++) {
          assertNear(wy.subarray(i, i + 1), [y[i]], `${path} y(${xs[0][i]})`, 4e-7 * limit(i) + 1e-30, 1.2e-7);
          assertNear(wdx.subarray(i, i + 1), [dx[i]], `${path} dx(${xs[0][i]})`, 1e-6, 1.2e-7);
        }
      });
    });
  }

  test('Φ against a float64 reference: relative error within 1e-6 + exp(−x²/2)-argument rounding, far into the tail', async () => {
    // The kernels' Φ(−|x|) = t·exp(Q(t) − x²/2)/2 keeps relative accuracy where 1 + erf cancels; its
    // float32 argument of exp is off by ~ulp(x²/2), i.e. a relative error of x²/2·1.2e-7.
    const xs = new Float32Array(2001).map((_, i) => -12 + i * 0.012);
    await bothPaths(async (path) => {
      const [, cdf] = await readOn('wasm', () => tf.engine().runKernel(GELU, { x: tf.tensor(xs) }) as tf.Tensor[]);
      xs.forEach((x, i) => {
        const expected = phi64(x);
        const tolerance = expected * (1e-6 + 1.2e-7 * x * x);
        assert.ok(Math.abs(cdf[i] - expected) <= tolerance, `${path}: Φ(${x}) is ${cdf[i]}, float64 says ${expected}`);
      });
    });
  });

  test('large |x|: GELU is x above 10 and 0 below −10, its slope 1 and 0; NaN stays NaN', async () => {
    const x = [30, 10.5, -10.5, -30, -1000, 1000, NaN, 0];
    await bothPaths(async (path) => {
      const [y, cdf, dx] = await readOn('wasm', () => {
        const t = tf.tensor(x);
        const [yt, c] = tf.engine().runKernel(GELU, { x: t }) as tf.Tensor[];
        return [yt, c, tf.engine().runKernel(GELU_GRAD, { x: t, cdf: c, dy: tf.onesLike(t) }) as tf.Tensor];
      });
      assert.deepEqual(Array.from(y.subarray(0, 2)), [30, 10.5], path);
      for (const i of [2, 3, 4]) assert.ok(Math.abs(y[i]) < 1e-20, `${path}: gelu(${x[i]}) = ${y[i]}`);
      assert.equal(y[5], 1000, path);
      assert.ok(Number.isNaN(y[6]) && Number.isNaN(cdf[6]) && Number.isNaN(dx[6]), `${path}: NaN in, NaN out`);
      assert.equal(y[7], 0, path);
      assert.deepEqual(Array.from(dx.subarray(0, 2)), [1, 1], path);
      for (const i of [2, 3, 4]) assert.ok(Math.abs(dx[i]) < 1e-20, `${path}: slope at ${x[i]} = ${dx[i]}`);
      // Φ(0) = 1/2 up to the erfc formula's 1.2e-7 (exp(Q(1)) = exp(3e-8) in float64).
      assert.ok(Math.abs(dx[7] - 0.5) <= 1e-7, `${path}: slope at 0 is ${dx[7]}`);
    });
  });

  test('leaves no tensors, buffers or heap behind (with a tail)', async () => {
    await assertNoLeak(() => tf.dispose(tf.tidy(() => valueAndGrads(gelu, [randomTensor([3, 5, 7], 8)], randomTensor([3, 5, 7], 9)))));
  });

  test('refuses a dy of another shape', async () => {
    await tf.setBackend('wasm');
    tf.tidy(() => {
      const x = tf.ones([2, 4]);
      assert.throws(() => tf.engine().runKernel(GELU_GRAD, { x, cdf: x, dy: tf.ones([4, 2]) }), /DistillGeluGrad: dy shape \[4,2\] differs from x shape \[2,4\]/);
    });
  });
});

describe('LayerNorm', () => {
  const EPS = 1e-12;
  // Shapes: hidden a multiple of 4 (SIMD) with rows past one block of 256 (blockRows(16)), and
  // not (JS loops); rows not a multiple of 4; a single row.
  const shapes = [
    [2, 5, 8],
    [3, 101, 16],
    [5, 7],
    [3, 3, 12],
    [1, 4],
  ];
  const inputs = (shape: number[]) => {
    const cols = shape[shape.length - 1];
    const x = randomTensor(shape, 11, 0.3, 2);
    // One constant row (variance 0: x̂ = 0, y = β).
    const constant = tf.reshape(tf.concat([tf.fill([1, cols], 0.5), tf.slice(tf.reshape(x, [-1, cols]), [1, 0])]), shape);
    return [constant, randomTensor([cols], 12, 1, 0.5), randomTensor([cols], 13), randomTensor(shape, 14)];
  };
  const ln = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => layerNorm(x, g, b, EPS);

  for (const shape of shapes) {
    test(`[${shape}]: forward and gradients (x, γ, β) match cpu's composition`, async () => {
      const compute = () => {
        const [x, g, b, w] = inputs(shape);
        return valueAndGrads(ln, [x, g, b], w);
      };
      const expected = await readOn('cpu', compute);
      await bothPaths(async (path) => {
        const actual = await readOn('wasm', compute);
        // Row statistics in float32 (SIMD) or float64 (JS) against cpu's float32 Mean: a few ulp of
        // values of order 1–10, amplified by 1/σ ≈ 1 here; dγ and dβ sum up to 303 rows.
        ['y', 'dx', 'dγ', 'dβ'].forEach((name, i) => {
          let scale = 1;
          for (const v of expected[i]) scale = Math.max(scale, Math.abs(v));
          assertNear(actual[i], expected[i], `${path} ${name}`, 5e-6 * scale, 0);
        });
      });
    });
  }

  test('the gradient kernel against central differences of a float64 LayerNorm', async () => {
    const [rows, cols] = [3, 8];
    const x = Array.from(randomTensor([rows, cols], 21, 0.2, 1.5).dataSync());
    const gamma = Array.from(randomTensor([cols], 22, 1, 0.5).dataSync());
    const beta = Array.from(randomTensor([cols], 23).dataSync());
    const w = Array.from(randomTensor([rows, cols], 24).dataSync());
    const eps = 1e-5;
    /** Σ LayerNorm(x; γ, β)·w in float64. */
    const loss = (xv: number[], g: number[], b: number[]) => {
      let total = 0;
      for (let r = 0; r < rows; r++) {
        const row = xv.slice(r * cols, (r + 1) * cols);
        const m = row.reduce((a, v) => a + v, 0) / cols;
        const variance = row.reduce((a, v) => a + (v - m) ** 2, 0) / cols;
        row.forEach((v, c) => (total += (((v - m) / Math.sqrt(variance + eps)) * g[c] + b[c]) * w[r * cols + c]));
      }
      return total;
    };
    const h = 1e-6;
    const numeric = (which: 0 | 1 | 2) => {
      const args = [x, gamma, beta];
      return args[which].map((_, i) => {
        const plus = args.map((a) => [...a]);
        const minus = args.map((a) => [...a]);
        plus[which][i] += h;
        minus[which][i] -= h;
        return (loss(plus[0], plus[1], plus[2]) - loss(minus[0], minus[1], minus[2])) / (2 * h);
      });
    };
    await bothPaths(async (path) => {
      const [dx, dgamma, dbeta] = await readOn('wasm', () => {
        const xt = tf.tensor(x, [rows, cols]);
        const [, mean, rstd] = tf.engine().runKernel(LAYER_NORM, { x: xt, gamma: tf.tensor(gamma), beta: tf.tensor(beta) }, { epsilon: eps }) as tf.Tensor[];
        return tf.engine().runKernel(LAYER_NORM_GRAD, { x: xt, dy: tf.tensor(w, [rows, cols]), gamma: tf.tensor(gamma), mean, rstd }) as tf.Tensor[];
      });
      // float32 kernels against float64 differences: ~1e-6 relative to the largest gradient.
      assertNear(dx, numeric(0), `${path} dx`, 1e-5, 1e-5);
      assertNear(dgamma, numeric(1), `${path} dγ`, 1e-5, 1e-5);
      assertNear(dbeta, numeric(2), `${path} dβ`, 1e-5, 1e-5);
    });
  });

  test('the forward returns each row’s mean and 1/σ', async () => {
    const [mean, rstd] = await readOn('wasm', () => {
      const x = tf.tensor([1, 2, 3, 4, 10, 10, 10, 14], [2, 4]);
      return (tf.engine().runKernel(LAYER_NORM, { x, gamma: tf.ones([4]), beta: tf.zeros([4]) }, { epsilon: 0 }) as tf.Tensor[]).slice(1);
    });
    assertNear(mean, [2.5, 11], 'mean', 0, 1e-7);
    assertNear(rstd, [1 / Math.sqrt(1.25), 1 / Math.sqrt(3)], 'rstd', 0, 1e-6);
  });

  test('leaves no tensors, buffers or heap behind', async () => {
    for (const shape of [
      [3, 101, 16],
      [5, 7],
    ]) {
      await assertNoLeak(() => tf.dispose(tf.tidy(() => valueAndGrads(ln, inputs(shape).slice(0, 3), randomTensor(shape, 15)))));
    }
  });

  test('refuses parameters or statistics of the wrong size', async () => {
    await tf.setBackend('wasm');
    tf.tidy(() => {
      const x = tf.ones([2, 4]);
      assert.throws(() => tf.engine().runKernel(LAYER_NORM, { x, gamma: tf.ones([3]), beta: tf.zeros([4]) }, { epsilon: EPS }), /DistillLayerNorm: gamma must have 4 values/);
      assert.throws(
        () => tf.engine().runKernel(LAYER_NORM_GRAD, { x, dy: x, gamma: tf.ones([4]), mean: tf.zeros([3]), rstd: tf.ones([2]) }),
        /DistillLayerNormGrad: mean must have 2 values \(one per row of x\)/,
      );
    });
  });
});

describe('softmax', () => {
  /** Logits of [B, heads, L, L] as the attention makes them: scores plus −10000 on the last `masked` keys. */
  const logits = (shape: number[], masked: number, spread: number) => {
    const keys = shape[shape.length - 1];
    const bias = tf.concat([tf.zeros([keys - masked]), tf.fill([masked], -10000)]);
    return tf.add(randomTensor(shape, 31, 0, spread), bias);
  };

  // keys 64 and 8 (SIMD), 7 (JS loops); spreads up to ±30 and beyond exp's range.
  const cases = [
    { shape: [2, 3, 5, 64], masked: 9, spread: 3 },
    { shape: [3, 2, 3, 8], masked: 3, spread: 30 },
    { shape: [2, 2, 3, 7], masked: 2, spread: 1 },
    { shape: [5, 12], masked: 0, spread: 60 },
  ];
  for (const { shape, masked, spread } of cases) {
    test(`[${shape}], ${masked} keys masked, logits ±${spread}: probabilities and gradient match cpu; masked keys exactly 0`, async () => {
      const compute = () => valueAndGrads(softmax, [logits(shape, masked, spread)], randomTensor(shape, 32));
      const [p, dx] = await readOn('cpu', compute);
      await bothPaths(async (path) => {
        const [wp, wdx] = await readOn('wasm', compute);
        // The forward is wasm's own (XNNPACK) against cpu's: a few ulp, and XNNPACK flushes the
        // denormal probabilities of logits ~87–104 below the row's maximum to 0. The gradient: the
        // row sum Σ dy·p in float32 over up to 64 keys.
        assertNear(wp, p, `${path} probs`, 1e-37, 1e-6);
        assertNear(wdx, dx, `${path} dx`, 1e-7, 1e-5);
        const keys = shape[shape.length - 1];
        for (let i = 0; i < wp.length; i++) {
          if (i % keys >= keys - masked) assert.ok(wp[i] === 0 && wdx[i] === 0, `${path}: masked key ${i} has p ${wp[i]}, dx ${wdx[i]}`);
        }
      });
    });
  }

  test('a row with every key masked is uniform, and so is its gradient path', async () => {
    const [p, dx] = await readOn('wasm', () => valueAndGrads(softmax, [tf.fill([1, 4], -10000)], tf.tensor([[1, 2, 3, 4]])));
    assert.deepEqual(Array.from(p), [0.25, 0.25, 0.25, 0.25]);
    // p·(w − Σ w·p) with Σ w·p = 2.5.
    assert.deepEqual(Array.from(dx), [-0.375, -0.125, 0.125, 0.375]);
  });

  test('leaves no tensors, buffers or heap behind', async () => {
    for (const shape of [
      [2, 2, 3, 8],
      [2, 3, 7],
    ]) {
      await assertNoLeak(() => tf.dispose(tf.tidy(() => valueAndGrads(softmax, [logits(shape, 1, 2)], randomTensor(shape, 33)))));
    }
  });

  test('the gradient kernel refuses a dy of another shape', async () => {
    await tf.setBackend('wasm');
    tf.tidy(() => {
      assert.throws(() => tf.engine().runKernel(SOFTMAX_GRAD, { probs: tf.ones([2, 4]), dy: tf.ones([2, 3]) }), /DistillSoftmaxGrad: dy shape \[2,3\] differs from probs shape \[2,4\]/);
    });
  });
});

describe('GatherV2 along axis 0 (the word-embedding lookup)', () => {
  const cases: { label: string; compute: () => tf.Tensor[] }[] = [
    {
      label: 'float32 rows by 2-D ids with repeats',
      compute: () => [tf.gather(randomTensor([50, 6], 41), tf.tensor2d([3, 3, 0, 49, 17, 3], [2, 3], 'int32'))],
    },
    {
      label: 'int32 rows of a 3-D table',
      compute: () => [
        tf.gather(
          tf.tensor3d(
            Array.from({ length: 24 }, (_, i) => i - 5),
            [4, 3, 2],
            'int32',
          ),
          tf.tensor1d([2, 0, 2], 'int32'),
        ),
      ],
    },
    { label: 'a 1-D table (scalar rows)', compute: () => [tf.gather(tf.tensor1d([1.5, -2, 7]), tf.tensor1d([2, 1, 1, 0], 'int32'))] },
    { label: 'axis 1 (the stock kernel’s case)', compute: () => [tf.gather(randomTensor([3, 5], 43), tf.tensor1d([4, 0], 'int32'), 1)] },
    { label: 'no ids', compute: () => [tf.gather(randomTensor([3, 5], 44), tf.tensor1d([], 'int32'))] },
  ];
  for (const { label, compute } of cases) {
    test(`${label}: as cpu, bit for bit`, async () => {
      const expected = await readOn('cpu', compute);
      const actual = await readOn('wasm', compute);
      actual.forEach((a, i) => assert.deepEqual(Array.from(a), Array.from(expected[i]), `output ${i}`));
    });
  }

  test('refuses an id outside the table, as the stock kernel', async () => {
    await tf.setBackend('wasm');
    tf.tidy(() => {
      assert.throws(() => tf.gather(tf.ones([4, 2]), tf.tensor1d([1, 4], 'int32')), /GatherV2: the index value 4 is not in \[0, 3\]/);
      assert.throws(() => tf.gather(tf.ones([4, 2]), tf.tensor1d([-1], 'int32')), /the index value -1 is not in/);
    });
  });

  test('leaves no tensors, buffers or heap behind', async () => {
    await assertNoLeak(() => tf.dispose(tf.tidy(() => tf.gather(randomTensor([40, 8], 45), tf.tensor1d([1, 39, 1], 'int32')))));
  });
});

describe('dropout masks (DistillDropoutMask)', () => {
  /** The mask a JS loop over createRng draws from `state`. */
  const jsMask = (size: number, state: number, rate: number) => {
    const random = createRng(state);
    return Float32Array.from({ length: size }, () => (random() < 1 - rate ? 1 / (1 - rate) : 0));
  };

  for (const { size, state, rate } of [
    { size: 4099, state: 12345, rate: 0.1 },
    { size: 7, state: 2 ** 32 - 3, rate: 0.5 },
    { size: 64, state: 2 ** 31 + 17, rate: 0.9 },
    { size: 2, state: 0, rate: 0.25 },
  ]) {
    test(`${size} draws from state ${state} at rate ${rate}: the JS loop's mask, bit for bit`, async () => {
      await bothPaths(async (path) => {
        const [mask] = await readOn('wasm', () => [tf.engine().runKernel(DROPOUT_MASK, {}, { shape: [size], state, rate }) as tf.Tensor]);
        assert.deepEqual(Array.from(mask), Array.from(jsMask(size, state, rate)), path);
      });
    });
  }

  test('advancing the state by a mask’s size continues the stream', () => {
    const random = createRng(99);
    for (let i = 0; i < 1000; i++) random();
    assert.equal(createRng(advanceMulberry(99, 1000))(), random());
  });

  test('SeededDropout draws the same masks on wasm as on cpu, step after step', async () => {
    const compute = () => {
      const layer = new SeededDropout({ rate: 0.3, seed: 7 });
      const x = tf.ones([3, 5, 6]);
      return [0, 1, 2].map(() => layer.apply(x, { training: true }) as tf.Tensor);
    };
    const expected = await readOn('cpu', compute);
    const actual = await readOn('wasm', compute);
    actual.forEach((a, i) => assert.deepEqual(Array.from(a), Array.from(expected[i]), `step ${i}`));
    assert.notDeepEqual(Array.from(actual[0]), Array.from(actual[1]), 'a new mask each step');
  });

  test('refuses a rate outside (0, 1) and leaves nothing behind', async () => {
    await tf.setBackend('wasm');
    assert.throws(() => tf.engine().runKernel(DROPOUT_MASK, {}, { shape: [4], state: 1, rate: 1 }), /DistillDropoutMask: rate must be in \(0, 1\), got 1/);
    await assertNoLeak(() => tf.dispose(tf.engine().runKernel(DROPOUT_MASK, {}, { shape: [3, 7], state: 5, rate: 0.1 }) as tf.Tensor));
  });
});

describe('assembler opcodes added for these kernels', () => {
  /** Runs `op` on f32x4 a (bytes 0–15) and b (16–31) in a module of its own; returns the 4 lanes it stores. */
  function lanes(op: (f: Func, a: Expr, b: Expr) => Expr, a: number[], b: number[] = [0, 0, 0, 0], asInt = false): number[] {
    const f = new Func('op', []);
    f.vStore(f.i32(32), op(f, f.vLoad(f.i32(0)), f.vLoad(f.i32(16))));
    const memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(assemble([f])), { env: { memory } });
    new Float32Array(memory.buffer, 0, 8).set([...a, ...b]);
    (instance.exports['op'] as () => void)();
    return Array.from(asInt ? new Int32Array(memory.buffer, 32, 4) : new Float32Array(memory.buffer, 32, 4));
  }
  /** The same for a scalar f32 result from f32 lanes 0 of a and b. */
  function scalar(op: (f: Func, a: Expr, b: Expr) => Expr, a: number, b = 0): number {
    return lanes((f, va, vb) => f.splat(op(f, f.lane(va, 0), f.lane(vb, 0))), [a, 0, 0, 0], [b, 0, 0, 0])[0];
  }

  test('f32x4 div, pmin, pmax, lt, abs', () => {
    assert.deepEqual(
      lanes((f, a, b) => f.vDiv(a, b), [1, -6, 0, 3], [4, 3, -2, 0]),
      [0.25, -2, -0, Infinity],
    );
    assert.deepEqual(
      lanes((f, a, b) => f.vPmin(a, b), [1, -6, NaN, 3], [4, -7, 1, 2]),
      [1, -7, NaN, 2],
    );
    assert.deepEqual(
      lanes((f, a, b) => f.vPmax(a, b), [1, -6, NaN, 3], [4, -7, 1, 2]),
      [4, -6, NaN, 3],
    );
    assert.deepEqual(
      lanes((f, a, b) => f.vLt(a, b), [1, 5, NaN, -1], [4, 5, 1, 0], true),
      [-1, 0, 0, -1],
    );
    assert.deepEqual(
      lanes((f, a) => f.vAbs(a), [-1.5, 2, -0, -Infinity]),
      [1.5, 2, 0, Infinity],
    );
  });

  test('i32x4 mul, add, unsigned lt, unsigned shift right, xor, const, splat', () => {
    const big = 2 ** 31 + 5;
    const asU32 = (v: number[]) => v.map((x) => x >>> 0);
    const ints = (op: (f: Func, a: Expr, b: Expr) => Expr, a: number[], b: number[]) => {
      const f = new Func('op', []);
      f.vStore(f.i32(32), op(f, f.vLoad(f.i32(0)), f.vLoad(f.i32(16))));
      const memory = new WebAssembly.Memory({ initial: 1 });
      const instance = new WebAssembly.Instance(new WebAssembly.Module(assemble([f])), { env: { memory } });
      new Int32Array(memory.buffer, 0, 8).set([...a, ...b]);
      (instance.exports['op'] as () => void)();
      return Array.from(new Int32Array(memory.buffer, 32, 4));
    };
    const a = [7, -3, big | 0, 0x6d2b79f5];
    const b = [9, 5, 3, 0x6d2b79f5];
    assert.deepEqual(
      ints((f, x, y) => f.i32x4Mul(x, y), a, b),
      a.map((x, i) => Math.imul(x, b[i])),
    );
    assert.deepEqual(
      ints((f, x, y) => f.i32x4Add(x, y), a, b),
      a.map((x, i) => (x + b[i]) | 0),
    );
    assert.deepEqual(
      ints((f, x, y) => f.i32x4LtU(x, y), a, b),
      asU32(a).map((x, i) => (x < b[i] >>> 0 ? -1 : 0)),
    );
    assert.deepEqual(
      ints((f, x) => f.i32x4ShrU(x, f.i32(15)), a, b),
      a.map((x) => (x >>> 15) | 0),
    );
    assert.deepEqual(
      ints((f, x, y) => f.vXor(x, y), a, b),
      a.map((x, i) => x ^ b[i]),
    );
    assert.deepEqual(
      ints((f) => f.i32x4Const([1, -2, 3, big | 0]), a, b),
      [1, -2, 3, big | 0],
    );
    assert.deepEqual(
      ints((f) => f.i32x4Splat(f.i32(-9)), a, b),
      [-9, -9, -9, -9],
    );
  });

  test('i32x4 shift left', () => {
    const f = new Func('op', []);
    f.vStore(f.i32(32), f.i32x4Shl(f.vLoad(f.i32(0)), f.i32(23)));
    const memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(assemble([f])), { env: { memory } });
    // (n + 127) << 23 is 2^n as float bits; bits from 9 up shift out (exp's rounding trick relies on it).
    new Int32Array(memory.buffer, 0, 4).set([126, 1, 254, 130 + (1 << 12)]);
    (instance.exports['op'] as () => void)();
    assert.deepEqual(Array.from(new Float32Array(memory.buffer, 32, 4)), [0.5, 2 ** -126, 2 ** 127, 8]);
  });

  test('f32 div, sqrt, from bits, from i32', () => {
    assert.equal(
      scalar((f, a, b) => f.f32Div(a, b), 1, 8),
      0.125,
    );
    assert.equal(
      scalar((f, a) => f.f32Sqrt(a), 2.25),
      1.5,
    );
    assert.equal(lanes((f) => f.splat(f.f32FromBits(f.i32(0x3f800000))), [0, 0, 0, 0])[0], 1);
    assert.equal(lanes((f) => f.splat(f.f32ConvertI32(f.i32(-7))), [0, 0, 0, 0])[0], -7);
  });
});
