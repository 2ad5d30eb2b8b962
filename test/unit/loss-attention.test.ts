import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { attentionMap, attentionTransferLoss } from '../../src/core/distill/losses/attention';

// Float64 reference on nested NHWC arrays.
type Map4 = number[][][][];
function refAttention(f: Map4, p: number): number[][] {
  return f.map((img) => {
    const flat = img.flatMap((row) => row.map((px) => px.reduce((a, v) => a + Math.abs(v) ** p, 0) / px.length));
    const norm = Math.hypot(...flat);
    return flat.map((v) => v / norm);
  });
}
function refPool(f: Map4, fh: number, fw: number): Map4 {
  return f.map((img) =>
    Array.from({ length: img.length / fh }, (_, i) =>
      Array.from({ length: img[0].length / fw }, (_, j) =>
        img[0][0].map((_, c) => {
          let s = 0;
          for (let a = 0; a < fh; a++) for (let b = 0; b < fw; b++) s += img[i * fh + a][j * fw + b][c];
          return s / (fh * fw);
        }),
      ),
    ),
  );
}
function refAtLoss(fs: Map4, ft: Map4, p: number): number {
  const hs = fs[0].length;
  const ht = ft[0].length;
  const s = hs > ht ? refPool(fs, hs / ht, hs / ht) : fs;
  const t = ht > hs ? refPool(ft, ht / hs, ht / hs) : ft;
  const as = refAttention(s, p);
  const at = refAttention(t, p);
  const diffs = as.flatMap((row, b) => row.map((v, k) => (v - at[b][k]) ** 2));
  return diffs.reduce((a, v) => a + v, 0) / diffs.length;
}

function seeded(shape: [number, number, number, number], seed: number): Map4 {
  let s = seed;
  const next = () => {
    s = (s * 16807) % 2147483647;
    return (s / 2147483647) * 2 - 1;
  };
  const [b, h, w, c] = shape;
  return Array.from({ length: b }, () => Array.from({ length: h }, () => Array.from({ length: w }, () => Array.from({ length: c }, next))));
}
const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('attentionMap', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('hand case: mean over channels of |f|², flattened and L2-normalised', () => {
    // 1×2×2×2: per-position means of f² are 2.5, 0, 2, 0.5 → ‖·‖ = √(6.25 + 4 + 0.25) = √10.5.
    const f = [
      [
        [
          [1, -2],
          [0, 0],
        ],
        [
          [2, 0],
          [-1, 0],
        ],
      ],
    ];
    const got = attentionMap(tf.tensor4d(f), 2).arraySync();
    const n = Math.sqrt(10.5);
    [2.5 / n, 0, 2 / n, 0.5 / n].forEach((v, k) => assert.ok(close(got[0][k], v, 1e-6), `${k}: ${got[0][k]} vs ${v}`));
  });

  test('invariant to scaling and sign of f, per sample; rows have unit norm', () => {
    const f = seeded([2, 3, 3, 4], 7);
    const scaled = f.map((img, b) => img.map((r) => r.map((px) => px.map((v) => -v * (b === 0 ? 3.5 : 0.2)))));
    for (const p of [1, 2, 3]) {
      const a = attentionMap(tf.tensor4d(f), p).arraySync();
      const b = attentionMap(tf.tensor4d(scaled), p).arraySync();
      a.flat().forEach((v, k) => assert.ok(close(v, b.flat()[k], 1e-5), `p=${p} [${k}]`));
      a.forEach((row) => assert.ok(close(Math.hypot(...row), 1, 1e-5)));
      const ref = refAttention(f, p);
      a.flat().forEach((v, k) => assert.ok(close(v, ref.flat()[k], 1e-5), `reference p=${p} [${k}]`));
    }
  });
});

describe('attentionTransferLoss', () => {
  test('is zero for identical maps and matches the reference for equal sizes', () => {
    const fs = seeded([2, 2, 2, 3], 1);
    const ft = seeded([2, 2, 2, 5], 2);
    assert.ok(attentionTransferLoss(tf.tensor4d(fs), tf.tensor4d(fs), 2).dataSync()[0] < 1e-10);
    const got = attentionTransferLoss(tf.tensor4d(fs), tf.tensor4d(ft), 2).dataSync()[0];
    assert.ok(close(got, refAtLoss(fs, ft, 2), 1e-5), `${got}`);
  });

  test('pools the larger map, whichever side it is on', () => {
    // A 4×4 map and its 2×2 average pool have the same pooled attention: loss 0.
    const big = seeded([1, 4, 4, 2], 3);
    const small = refPool(big, 2, 2);
    assert.ok(attentionTransferLoss(tf.tensor4d(big), tf.tensor4d(small), 2).dataSync()[0] < 1e-10);
    assert.ok(attentionTransferLoss(tf.tensor4d(small), tf.tensor4d(big), 2).dataSync()[0] < 1e-10);
    const other = seeded([1, 2, 2, 3], 4);
    for (const [a, b] of [
      [big, other],
      [other, big],
    ]) {
      const got = attentionTransferLoss(tf.tensor4d(a), tf.tensor4d(b), 2).dataSync()[0];
      const expected = refAtLoss(a, b, 2);
      assert.ok(expected > 1e-3 && close(got, expected, 1e-5), `${got} vs ${expected}`);
    }
  });

  test('throws a clear error when the sizes are not integer multiples', () => {
    assert.throws(() => attentionTransferLoss(tf.zeros([1, 3, 3, 1]) as tf.Tensor4D, tf.zeros([1, 2, 2, 1]) as tf.Tensor4D, 2), /not an integer multiple/);
  });

  test('gradient through pooling matches finite differences of the float64 reference', () => {
    const fs = seeded([2, 4, 4, 2], 5);
    const ft = seeded([2, 2, 2, 3], 6);
    const p = 2;
    const grad = tf.tidy(() => {
      const t = tf.tensor4d(ft);
      return tf
        .grad((x: tf.Tensor) => attentionTransferLoss(x as tf.Tensor4D, t, p))(tf.tensor4d(fs))
        .arraySync() as Map4;
    });
    const h = 1e-6;
    let checked = 0;
    fs.forEach((img, b) =>
      img.forEach((row, i) =>
        row.forEach((px, j) =>
          px.forEach((_, c) => {
            const plus = structuredClone(fs);
            const minus = structuredClone(fs);
            plus[b][i][j][c] += h;
            minus[b][i][j][c] -= h;
            const numeric = (refAtLoss(plus, ft, p) - refAtLoss(minus, ft, p)) / (2 * h);
            assert.ok(Math.abs(grad[b][i][j][c] - numeric) < 1e-5, `[${b}][${i}][${j}][${c}]: ${grad[b][i][j][c]} vs ${numeric}`);
            checked += Math.abs(numeric) > 1e-4 ? 1 : 0;
          }),
        ),
      ),
    );
    assert.ok(checked > 10, 'most gradient entries should be non-trivial');
  });
});
