import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { tinyBertAttentionLoss, tinyBertHiddenLoss, tinyBertTransformerMap } from '../../src/core/distill/losses/tinybert';
import { centralDifferences, maxRelativeError, mseRef, seededArray, tinyBertAttention, type T2, type T3, type T4 } from '../support/text-loss-reference';
import { testOnCpuAndWasm } from '../support/on-backends';

// Two layers of scores [B=2, heads=2, L=3, L=3]; sequence 1 has its last token padded.
const S = [seededArray([2, 2, 3, 3], 11, 3), seededArray([2, 2, 3, 3], 12, 3)] as T4[];
const T = [seededArray([2, 2, 3, 3], 13, 3), seededArray([2, 2, 3, 3], 14, 3)] as T4[];
const MASK: T2 = [
  [1, 1, 1],
  [1, 1, 0],
];
const attention = (s: T4[], t: T4[], mask?: T2) =>
  tf.tidy(
    () =>
      tinyBertAttentionLoss(
        s.map((x) => tf.tensor4d(x)),
        t.map((x) => tf.tensor4d(x)),
        mask && tf.tensor2d(mask),
      ).dataSync()[0],
  );
/** BERT's additive mask on the keys, as the scores of the reference carry it. */
const additive = (scores: T4, mask: T2): T4 => scores.map((heads, b) => heads.map((rows) => rows.map((row) => row.map((v, k) => v + (mask[b][k] ? 0 : -10000)))));

describe('tinyBertAttentionLoss', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('hand case: MSE over every entry, masked keys 0 in both, padded queries kept; layers summed', () => {
    // B=1, 1 head, L=2, key 1 padded. Student [[1, 5], [2, 7]], teacher [[0, -3], [4, 1]]: the
    // key-1 column is zeroed in both, leaving (1−0)² + (2−4)² = 5 over 4 entries = 1.25.
    const s = [
      [
        [
          [1, 5],
          [2, 7],
        ],
      ],
    ];
    const t = [
      [
        [
          [0, -3],
          [4, 1],
        ],
      ],
    ];
    assert.ok(Math.abs(attention([s], [t], [[1, 0]]) - 1.25) < 1e-6);
    // Without a mask every entry counts: (1 + 64 + 4 + 36)/4.
    assert.ok(Math.abs(attention([s], [t]) - 105 / 4) < 1e-6);
    // Two layers: summed (2.5), not averaged.
    assert.ok(Math.abs(attention([s, s], [t, t], [[1, 0]]) - 2.5) < 1e-6);
  });

  test('scores carrying the additive mask give the same loss with or without the mask, as the reference (entries ≤ −100 → 0)', () => {
    const want = tinyBertAttention(S, T, MASK);
    const carried = (xs: T4[]) => xs.map((x) => additive(x, MASK));
    for (const got of [attention(S, T, MASK), attention(carried(S), carried(T)), attention(carried(S), carried(T), MASK)]) {
      assert.ok(Math.abs(got - want) < 1e-5, `${got} vs ${want}`);
    }
  });

  testOnCpuAndWasm('gradient matches finite differences of the reference, zero on masked keys', () => {
    const grads = tf.tidy(() => {
      const t = T.map((x) => tf.tensor4d(x));
      const mask = tf.tensor2d(MASK);
      return tf
        .grads((a: tf.Tensor, b: tf.Tensor) => tinyBertAttentionLoss([a as tf.Tensor4D, b as tf.Tensor4D], t, mask))(S.map((x) => tf.tensor4d(x)))
        .map((g) => g.arraySync() as T4);
    });
    const numeric = centralDifferences((s: T4[]) => tinyBertAttention(s, T, MASK), S);
    assert.ok(maxRelativeError(grads, numeric) < 1e-4, `max error ${maxRelativeError(grads, numeric)}`);
    for (const layer of grads) for (const head of layer[1]) for (const row of head) assert.ok(row[2] === 0, `${row[2]}`);
  });

  test('heads that differ are refused, naming both counts', () => {
    assert.throws(
      () => tinyBertAttentionLoss([tf.zeros([1, 2, 3, 3]) as tf.Tensor4D], [tf.zeros([1, 4, 3, 3]) as tf.Tensor4D]),
      (e: Error) => /student has 2 attention heads/.test(e.message) && /teacher 4/.test(e.message) && /heads must match/.test(e.message),
    );
    assert.throws(() => tinyBertAttentionLoss([], []), /as many/);
  });
});

describe('tinyBertHiddenLoss', () => {
  const HS = [seededArray([2, 3, 4], 21), seededArray([2, 3, 4], 22), seededArray([2, 3, 4], 23)] as T3[];
  const HT = [seededArray([2, 3, 4], 24), seededArray([2, 3, 4], 25), seededArray([2, 3, 4], 26)] as T3[];

  test('hand case and reference: the MSE over every entry, summed over the states (embedding + layers)', () => {
    const one = tf.tidy(() => tinyBertHiddenLoss([tf.tensor3d([[[1, 2]]])], [tf.tensor3d([[[0, 4]]])]).dataSync()[0]);
    assert.ok(Math.abs(one - 2.5) < 1e-6); // (1 + 4)/2
    const got = tf.tidy(
      () =>
        tinyBertHiddenLoss(
          HS.map((h) => tf.tensor3d(h)),
          HT.map((h) => tf.tensor3d(h)),
        ).dataSync()[0],
    );
    const want = HS.reduce((a, h, l) => a + mseRef(h, HT[l]), 0);
    assert.ok(Math.abs(got - want) < 1e-6, `${got} vs ${want}`);
  });

  test('gradient matches finite differences of the reference', () => {
    const grads = tf.tidy(() => {
      const t = HT.map((h) => tf.tensor3d(h));
      return tf
        .grads((...xs: tf.Tensor[]) => tinyBertHiddenLoss(xs, t))(HS.map((h) => tf.tensor3d(h)))
        .map((g) => g.arraySync() as T3);
    });
    const numeric = centralDifferences((hs: T3[]) => hs.reduce((a, h, l) => a + mseRef(h, HT[l]), 0), HS);
    assert.ok(maxRelativeError(grads, numeric) < 1e-5, `max error ${maxRelativeError(grads, numeric)}`);
  });
});

describe('tinyBertTransformerMap', () => {
  test("task_distill.py's map: state i from teacher state i·N/M, the embedding from the embedding", () => {
    // 12 → 4 layers: layers_per_block 3, teacher states 0, 3, 6, 9, 12; the attention of student
    // layer i (0-based) from teacher layer i·3 + 2 (0-based) = state index i + 1's layer.
    assert.deepEqual(tinyBertTransformerMap(4, 12), [0, 3, 6, 9, 12]);
    assert.deepEqual(tinyBertTransformerMap(2, 4), [0, 2, 4]);
    assert.deepEqual(tinyBertTransformerMap(3, 3), [0, 1, 2, 3]);
    // Not divisible (the reference asserts it is): rounded, ending on the last layer.
    assert.deepEqual(tinyBertTransformerMap(3, 4), [0, 1, 3, 4]);
  });
});
