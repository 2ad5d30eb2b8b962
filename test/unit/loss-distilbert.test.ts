import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the core ops' gradients, as the engine does
import { kdLoss } from '../../src/core/distill/losses';
import { distilBertTerms, maskedCosineLoss } from '../../src/core/distill/losses/distilbert';
import { centralDifferences, crossEntropyRef, distilBertCosine, klBatchmean, maxRelativeError, seededArray, type T2, type T3 } from '../support/text-loss-reference';
import { testOnCpuAndWasm } from '../support/on-backends';

const value = (hs: T3, ht: T3, mask: T2) => tf.tidy(() => maskedCosineLoss(tf.tensor3d(hs), tf.tensor3d(ht), tf.tensor2d(mask)).dataSync()[0]);

const HS = seededArray([2, 4, 3], 1) as T3;
const HT = seededArray([2, 4, 3], 2) as T3;
// The first sequence has 3 real tokens, the second 2.
const MASK: T2 = [
  [1, 1, 1, 0],
  [1, 1, 0, 0],
];

describe('maskedCosineLoss (DistilBERT on token states)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('hand case: the mean of 1 − cos over the real tokens only', () => {
    // Token 0: orthogonal, 1. Token 1: 45°, 1 − 1/√2. Token 2 (padding): opposite, would be 2.
    const hs = [
      [
        [1, 0],
        [1, 1],
        [1, 0],
      ],
    ];
    const ht = [
      [
        [0, 1],
        [2, 0],
        [-1, 0],
      ],
    ];
    assert.ok(Math.abs(value(hs, ht, [[1, 1, 0]]) - (2 - Math.SQRT1_2) / 2) < 1e-6);
    assert.ok(Math.abs(value(hs, ht, [[1, 1, 1]]) - (4 - Math.SQRT1_2) / 3) < 1e-6);
  });

  test('the mean is over the kept tokens of the whole batch, not per sequence', () => {
    // Sequence 0 keeps one token (cos 1 → 0), sequence 1 keeps two (orthogonal → 1 each): (0 + 1 + 1)/3, not (0 + 1)/2.
    const hs = [
      [
        [1, 0],
        [5, 5],
      ],
      [
        [1, 0],
        [0, 1],
      ],
    ];
    const ht = [
      [
        [3, 0],
        [-1, 2],
      ],
      [
        [0, 1],
        [1, 0],
      ],
    ];
    assert.ok(
      Math.abs(
        value(hs, ht, [
          [1, 0],
          [1, 1],
        ]) -
          2 / 3,
      ) < 1e-6,
    );
  });

  test('matches distiller.py in float64; padded tokens do not count', () => {
    const got = value(HS, HT, MASK);
    const want = distilBertCosine(HS, HT, MASK);
    assert.ok(Math.abs(got - want) < 1e-6, `${got} vs ${want}`);
    const changed = structuredClone(HS);
    changed[0][3] = [100, -3, 7];
    changed[1][2] = [-9, 9, 0.5];
    assert.ok(Math.abs(value(changed, HT, MASK) - got) < 1e-7);
  });

  testOnCpuAndWasm('gradient matches finite differences of the reference, zero on padding', () => {
    const grad = tf.tidy(() => {
      const ht = tf.tensor3d(HT);
      const mask = tf.tensor2d(MASK);
      return tf
        .grad((hs: tf.Tensor) => maskedCosineLoss(hs as tf.Tensor3D, ht, mask))(tf.tensor3d(HS))
        .arraySync() as T3;
    });
    const numeric = centralDifferences((hs: T3) => distilBertCosine(hs, HT, MASK), HS);
    assert.ok(maxRelativeError(grad, numeric) < 1e-4, `max error ${maxRelativeError(grad, numeric)}`);
    assert.deepEqual(grad[0][3], [0, 0, 0]);
    assert.deepEqual(grad[1][3], [0, 0, 0]);
  });

  test('rejects states of different widths, naming both shapes, and a mask of the wrong shape', () => {
    assert.throws(() => maskedCosineLoss(tf.zeros([1, 2, 3]) as tf.Tensor3D, tf.zeros([1, 2, 4]) as tf.Tensor3D, tf.ones([1, 2]) as tf.Tensor2D), /\[1,2,3\].*\[1,2,4\]/);
    assert.throws(() => maskedCosineLoss(tf.zeros([1, 2, 3]) as tf.Tensor3D, tf.zeros([1, 2, 3]) as tf.Tensor3D, tf.ones([2, 1]) as tf.Tensor2D), /mask/);
  });
});

describe('distilBertTerms', () => {
  const ZS = [
    [0.3, -1.2, 2.0],
    [1.5, 0.2, -0.7],
  ];
  const ZT = [
    [1.0, 0.5, -0.3],
    [0.1, -1.0, 1.7],
  ];
  const LABELS = [2, 0];

  test("the KL term is distiller.py's KLDivLoss(batchmean)·T² of log_softmax(z_s/T) against softmax(z_t/T)", () => {
    for (const T of [1, 2, 4]) {
      const got = tf.tidy(() => kdLoss(tf.tensor2d(ZS), tf.tensor2d(ZT), T).dataSync()[0]);
      assert.ok(Math.abs(got - klBatchmean(ZS, ZT, T)) < 1e-6, `T=${T}: ${got} vs ${klBatchmean(ZS, ZT, T)}`);
    }
  });

  test('each term carries its weight: α_ce 5·T²·KL, α_cls 2·CE, α_cos 1·masked cosine at T = 2', () => {
    const terms = tf.tidy(() => {
      const t = distilBertTerms({ logits: tf.tensor2d(ZS), hidden: tf.tensor3d(HS) }, { logits: tf.tensor2d(ZT), hidden: tf.tensor3d(HT) }, tf.tensor1d(LABELS, 'int32'), tf.tensor2d(MASK), {
        temperature: 2,
        alphaCe: 5,
        alphaHard: 2,
        alphaCos: 1,
      });
      return { kd: t.kd.dataSync()[0], ce: t.ce.dataSync()[0], cos: t.cos.dataSync()[0] };
    });
    assert.ok(Math.abs(terms.kd - 5 * klBatchmean(ZS, ZT, 2)) < 1e-5);
    assert.ok(Math.abs(terms.ce - 2 * crossEntropyRef(ZS, LABELS)) < 1e-5);
    assert.ok(Math.abs(terms.cos - distilBertCosine(HS, HT, MASK)) < 1e-6);
  });
});
