import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { attentionDistributionKl, valueRelationKl, valueRelationLogits } from '../../src/core/distill/losses/minilm';
import { centralDifferences, maxRelativeError, minilmKl, seededArray, valueRelations, type T2, type T4 } from '../support/text-loss-reference';
import { testOnCpuAndWasm } from '../support/on-backends';

// [B=2, heads=2, L=4, L=4] scores; sequence 0 has 3 real tokens, sequence 1 has 2.
const SS = seededArray([2, 2, 4, 4], 31, 2) as T4;
const ST = seededArray([2, 2, 4, 4], 32, 2) as T4;
const MASK: T2 = [
  [1, 1, 1, 0],
  [1, 1, 0, 0],
];
// Values [B=2, heads=2, L=4, d_k]: the student's heads 3 wide, the teacher's 5.
const VS = seededArray([2, 2, 4, 3], 33) as T4;
const VT = seededArray([2, 2, 4, 5], 34) as T4;

const attentionKl = (s: T4, t: T4, mask: T2) => tf.tidy(() => attentionDistributionKl(tf.tensor4d(s), tf.tensor4d(t), tf.tensor2d(mask)).dataSync()[0]);
const relationKl = (vs: T4, vt: T4, mask: T2, r?: number) => tf.tidy(() => valueRelationKl(tf.tensor4d(vs), tf.tensor4d(vt), tf.tensor2d(mask), r).dataSync()[0]);

describe('attentionDistributionKl (MiniLM attention transfer)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('hand case: one head, one real query over two real keys; the padded key and query take no part', () => {
    // Teacher row [ln 3, 0] → p = [3/4, 1/4]; student [0, 0] → q = [1/2, 1/2]:
    // KL = 3/4·ln(3/2) + 1/4·ln(1/2). Token 2 is padding: its column and row are ignored, and the
    // mean is over the 2 real queries — row 1 (teacher [0, 0], student [0, 0]) contributes 0.
    const t = [
      [
        [
          [Math.log(3), 0, 50],
          [0, 0, -7],
          [9, 9, 9],
        ],
      ],
    ];
    const s = [
      [
        [
          [0, 0, -50],
          [0, 0, 3],
          [1, 2, 3],
        ],
      ],
    ];
    const want = (0.75 * Math.log(1.5) + 0.25 * Math.log(0.5)) / 2;
    assert.ok(Math.abs(attentionKl(s, t, [[1, 1, 0]]) - want) < 1e-6, `${attentionKl(s, t, [[1, 1, 0]])} vs ${want}`);
  });

  test('matches the per-sample [len, len] KL in float64 (heads × real tokens, then the batch); padding values do not count', () => {
    const got = attentionKl(SS, ST, MASK);
    const want = minilmKl(ST, SS, MASK);
    assert.ok(Math.abs(got - want) < 1e-5, `${got} vs ${want}`);
    // An additive mask already in the scores changes nothing.
    const withAdditive = (x: T4) => x.map((heads, b) => heads.map((rows) => rows.map((row) => row.map((v, k) => v + (MASK[b][k] ? 0 : -10000)))));
    assert.ok(Math.abs(attentionKl(withAdditive(SS), withAdditive(ST), MASK) - got) < 1e-6);
    assert.ok(Math.abs(attentionKl(SS, SS, MASK)) < 1e-7);
  });

  testOnCpuAndWasm('gradient matches finite differences of the reference, zero on padding', () => {
    const grad = tf.tidy(() => {
      const t = tf.tensor4d(ST);
      const mask = tf.tensor2d(MASK);
      return tf
        .grad((s: tf.Tensor) => attentionDistributionKl(s as tf.Tensor4D, t, mask))(tf.tensor4d(SS))
        .arraySync() as T4;
    });
    const numeric = centralDifferences((s: T4) => minilmKl(ST, s, MASK), SS);
    assert.ok(maxRelativeError(grad, numeric) < 1e-4, `max error ${maxRelativeError(grad, numeric)}`);
    for (const head of grad[1]) {
      assert.ok(head[2].every((g) => g === 0) && head[3].every((g) => g === 0), 'padded query rows');
      assert.ok(
        head.every((row) => row[2] === 0 && row[3] === 0),
        'padded key columns',
      );
    }
  });

  test('heads that differ are refused, naming both counts', () => {
    assert.throws(
      () => attentionDistributionKl(tf.zeros([1, 2, 3, 3]) as tf.Tensor4D, tf.zeros([1, 4, 3, 3]) as tf.Tensor4D, tf.ones([1, 3]) as tf.Tensor2D),
      (e: Error) => /student has 2 attention heads/.test(e.message) && /teacher 4/.test(e.message),
    );
  });
});

describe('valueRelationKl (MiniLM value-relation transfer)', () => {
  test('relation logits: V·Vᵀ/√d_k per head, by hand', () => {
    // One head, d_k = 4, values [1,1,1,1] and [2,0,0,0]: products 4, 2, 4 → /2.
    const got = tf.tidy(() =>
      valueRelationLogits(
        tf.tensor4d([
          [
            [
              [1, 1, 1, 1],
              [2, 0, 0, 0],
            ],
          ],
        ]),
      ).arraySync(),
    );
    assert.deepEqual(got, [
      [
        [
          [2, 1],
          [1, 2],
        ],
      ],
    ]);
  });

  test('matches float64 softmax(V_t V_tᵀ/√5) against softmax(V_s V_sᵀ/√3), each scaled by its own head size', () => {
    const got = relationKl(VS, VT, MASK);
    const want = minilmKl(valueRelations(VT), valueRelations(VS), MASK);
    assert.ok(Math.abs(got - want) < 1e-5, `${got} vs ${want}`);
    const changed = structuredClone(VS);
    changed[1][0][3] = [40, -40, 40];
    assert.ok(Math.abs(relationKl(changed, VT, MASK) - got) < 1e-6, 'a padded token’s values do not count');
  });

  test('relation heads (MiniLM-v2): the heads’ values concatenated and split, so the head counts may differ', () => {
    // Student 2 heads × 3 (6 wide), teacher 3 heads × 2 (6 wide), regrouped into 3 relation heads of 2.
    const vt = seededArray([2, 3, 4, 2], 35) as T4;
    const got = relationKl(VS, vt, MASK, 3);
    const want = minilmKl(valueRelations(vt, 3), valueRelations(VS, 3), MASK);
    assert.ok(Math.abs(got - want) < 1e-5, `${got} vs ${want}`);
    assert.throws(() => relationKl(VS, vt, MASK), /student has 2 attention heads.*teacher 3.*relationHeads/);
    assert.throws(() => relationKl(VS, vt, MASK, 4), /relationHeads 4 does not divide the 6/);
  });

  testOnCpuAndWasm("gradient in the student's values matches finite differences of the reference, per head and with relation heads", () => {
    const vt3 = seededArray([2, 3, 4, 2], 35) as T4;
    for (const [vt, r] of [
      [VT, undefined],
      [vt3, 3],
    ] as const) {
      const grad = tf.tidy(() => {
        const t = tf.tensor4d(vt);
        const mask = tf.tensor2d(MASK);
        return tf
          .grad((v: tf.Tensor) => valueRelationKl(v as tf.Tensor4D, t, mask, r))(tf.tensor4d(VS))
          .arraySync() as T4;
      });
      const numeric = centralDifferences((v: T4) => minilmKl(valueRelations(vt, r), valueRelations(v, r), MASK), VS);
      assert.ok(maxRelativeError(grad, numeric) < 1e-4, `relationHeads ${r}: max error ${maxRelativeError(grad, numeric)}`);
      assert.ok(
        grad[1].every((head) => head[2].every((g) => g === 0) && head[3].every((g) => g === 0)),
        'padded tokens get no gradient',
      );
    }
  });
});
