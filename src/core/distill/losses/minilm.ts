import * as tf from '@tensorflow/tfjs-core';
import { requireSameHeads } from './tinybert';

/** What a padded key's logit becomes before the softmax: exp underflows to exactly 0 in float32, the log stays finite. */
const MASKED_LOGIT = -1e9;

/**
 * The KL divergence of each row distribution, softmax over the last axis of [B, A, L, L] logits,
 * KL(softmax(teacher) ‖ softmax(student)), averaged as MiniLM's eq. 5–6 — over the A heads and the
 * |x| tokens of each sequence — then over the batch. Padding is masked on both axes: a padded key
 * takes no probability in either distribution (its logit is replaced before the softmax, as BERT's
 * additive mask does), and a padded query row is left out of the average, |x| counting the real
 * tokens only. That is the MiniLM-v2 re-implementation of Bloomberg (`_get_kl_loss`: per sample,
 * the [:len, :len] block, KL summed and divided by heads × len, then the mean over the batch);
 * the MiniLM paper states the loss for one unpadded sequence, and Microsoft's repository
 * (unilm/minilm) ships models, not the distillation code.
 */
export function maskedRowKl(teacherLogits: tf.Tensor4D, studentLogits: tf.Tensor4D, mask: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const [b, a, l] = studentLogits.shape;
    const keep = tf.cast(mask, 'float32');
    const keyKeep = tf.reshape(keep, [b, 1, 1, l]);
    const masked = (logits: tf.Tensor4D) => tf.add(tf.mul(logits, keyKeep), tf.mul(tf.sub(1, keyKeep), MASKED_LOGIT));
    const logP = tf.logSoftmax(masked(teacherLogits));
    const logQ = tf.logSoftmax(masked(studentLogits));
    const perRow = tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), 3);
    const perSample = tf.sum(tf.mul(perRow, tf.reshape(keep, [b, 1, l])), [1, 2]);
    const tokens = tf.maximum(tf.sum(keep, 1), 1);
    return tf.mean(tf.div(perSample, tf.mul(tokens, a))) as tf.Scalar;
  });
}

function requireSameShape(what: string, student: tf.Tensor, teacher: tf.Tensor, mask: tf.Tensor2D): void {
  const [b, , l] = student.shape;
  if (student.shape[0] !== teacher.shape[0] || student.shape[2] !== teacher.shape[2]) {
    throw new Error(`${what}: student [${student.shape}] and teacher [${teacher.shape}] differ in batch or tokens`);
  }
  if (!tf.util.arraysEqual(mask.shape, [b, l])) throw new Error(`${what}: the mask is [${mask.shape}], expected [${b}, ${l}] (batch × tokens)`);
}

/**
 * MiniLM's self-attention distribution transfer (Wang et al. 2020, eq. 4–5) on the last layer:
 * KL(A_t ‖ A_s) of each head's attention distribution per query, from the scaled scores
 * QKᵀ/√d_k of both ([B, heads, L, L], before softmax; an additive mask in them is harmless, the
 * mask is applied again), masked and averaged as `maskedRowKl`. Heads must match (MiniLM v1).
 */
export function attentionDistributionKl(studentScores: tf.Tensor4D, teacherScores: tf.Tensor4D, mask: tf.Tensor2D): tf.Scalar {
  requireSameHeads('MiniLM attention transfer', studentScores.shape[1], teacherScores.shape[1]);
  requireSameShape('attentionDistributionKl', studentScores, teacherScores, mask);
  return maskedRowKl(teacherScores, studentScores, mask);
}

/**
 * A layer's value relation logits V·Vᵀ/√d per head, [B, R, L, L], from its values [B, heads, L, d_k].
 * With `relationHeads` R the heads' values are concatenated per token and split into R relation
 * heads of d = heads·d_k/R each (MiniLM-v2's relation heads); without, R = heads and d = d_k (MiniLM).
 */
export function valueRelationLogits(values: tf.Tensor4D, relationHeads?: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, heads, l, dk] = values.shape;
    let split = values;
    if (relationHeads !== undefined && relationHeads !== heads) {
      const width = heads * dk;
      if (!Number.isInteger(relationHeads) || relationHeads < 1 || width % relationHeads !== 0) {
        throw new Error(`valueRelationLogits: relationHeads ${relationHeads} does not divide the ${width} value dimensions (${heads} heads × ${dk})`);
      }
      const concatenated = tf.reshape(tf.transpose(values, [0, 2, 1, 3]), [b, l, relationHeads, width / relationHeads]);
      split = tf.transpose(concatenated, [0, 2, 1, 3]) as tf.Tensor4D;
    }
    const d = split.shape[3];
    return tf.div(tf.matMul(split, split, false, true), Math.sqrt(d)) as tf.Tensor4D;
  });
}

/**
 * MiniLM's value-relation transfer (eq. 6): KL(softmax(V_t V_tᵀ/√d_k) ‖ softmax(V_s V_sᵀ/√d_k'))
 * per head and query, each side scaled by its own head size, masked and averaged as `maskedRowKl`.
 * values: [B, heads, L, d_k]. Heads must match unless `relationHeads` is given (MiniLM-v2), which
 * regroups both sides into that many relation heads.
 */
export function valueRelationKl(studentValues: tf.Tensor4D, teacherValues: tf.Tensor4D, mask: tf.Tensor2D, relationHeads?: number): tf.Scalar {
  if (relationHeads === undefined) {
    requireSameHeads('MiniLM value-relation transfer', studentValues.shape[1], teacherValues.shape[1], ', or set relationHeads (MiniLM-v2) to regroup both into as many relation heads');
  }
  requireSameShape('valueRelationKl', studentValues, teacherValues, mask);
  return tf.tidy(() => maskedRowKl(valueRelationLogits(teacherValues, relationHeads), valueRelationLogits(studentValues, relationHeads), mask));
}
