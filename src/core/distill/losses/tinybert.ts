import * as tf from '@tensorflow/tfjs-core';
import { meanSquaredError } from './mse';

/**
 * Attention scores at or below this count as masked: TinyBERT's `task_distill.py` and
 * `general_distill.py` replace them by 0 in student and teacher (`torch.where(att <= -1e2, 0, att)`),
 * BERT having added −10000 to the scores of padded keys.
 */
export const MASKED_SCORE = -1e2;

/** Throws unless the student and the teacher have as many attention heads (TinyBERT and MiniLM compare them head by head). */
export function requireSameHeads(method: string, studentHeads: number, teacherHeads: number, alternative = ''): void {
  if (studentHeads !== teacherHeads) {
    throw new Error(
      `${method}: the student has ${studentHeads} attention head${studentHeads === 1 ? '' : 's'} per layer and the teacher ${teacherHeads}; ` +
        `the attention maps are compared head by head, so the heads must match — give the student ${teacherHeads} heads${alternative}`,
    );
  }
}

/** x where x > MASKED_SCORE, else 0; the gradient passes where x was kept (`torch.where`'s). */
const zeroAtOrBelow = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  const keep = tf.cast(tf.greater(x, MASKED_SCORE), 'float32');
  save([keep]);
  return { value: tf.mul(x, keep), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]) };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

/**
 * One layer's attention term: the MSE over every entry [B, heads, L, L] of the unnormalised
 * scores, after the entries of masked keys are set to 0 in both — those ≤ −100 as the reference
 * does, and those of keys the mask marks as padding (the same entries when the scores carry BERT's
 * additive mask, and still right when they do not). Padded query rows keep their scores and count,
 * as in the reference, whose mask acts on keys only.
 */
function attentionScoreMse(student: tf.Tensor4D, teacher: tf.Tensor4D, mask?: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const [b, , , l] = student.shape;
    const keyMask = mask ? tf.reshape(tf.cast(mask, 'float32'), [b, 1, 1, l]) : undefined;
    const zeroMasked = (scores: tf.Tensor4D) => {
      const kept = zeroAtOrBelow(scores);
      return keyMask ? tf.mul(kept, keyMask) : kept;
    };
    return meanSquaredError(zeroMasked(student), zeroMasked(teacher));
  });
}

/**
 * TinyBERT's attention loss (`task_distill.py`, intermediate stage): Σ over the mapped layers of
 * the MSE of the unnormalised attention scores (before softmax) of every head — summed over
 * layers, not averaged, as the reference's `att_loss += loss_mse(student_att, teacher_att)`.
 * Scores are [B, heads, L, L]; mask [B, L] (1 real token, 0 padding) is optional.
 */
export function tinyBertAttentionLoss(student: tf.Tensor4D[], teacher: tf.Tensor4D[], mask?: tf.Tensor2D): tf.Scalar {
  if (student.length !== teacher.length || student.length === 0) {
    throw new Error(`tinyBertAttentionLoss: need as many student as teacher layers (≥1), got ${student.length} and ${teacher.length}`);
  }
  student.forEach((s, i) => {
    requireSameHeads('TinyBERT attention loss', s.shape[1], teacher[i].shape[1]);
    if (!tf.util.arraysEqual(s.shape, teacher[i].shape)) {
      throw new Error(`tinyBertAttentionLoss: layer ${i}: student scores [${s.shape}], teacher scores [${teacher[i].shape}] (expected [batch, heads, tokens, tokens] alike)`);
    }
  });
  return tf.tidy(() => tf.addN(student.map((s, i) => attentionScoreMse(s, teacher[i], mask))) as tf.Scalar);
}

/**
 * TinyBERT's embedding and hidden-state losses (`task_distill.py`'s `rep_loss`): Σ over the pairs
 * of MSE(h_s W, h_t) over every entry [B, L, D] (padding included, as the reference), summed over
 * layers; `projected` holds the student's states already through W (the student's `fit_dense`).
 */
export function tinyBertHiddenLoss(projected: tf.Tensor[], teacher: tf.Tensor[]): tf.Scalar {
  if (projected.length !== teacher.length || projected.length === 0) {
    throw new Error(`tinyBertHiddenLoss: need as many student as teacher states (≥1), got ${projected.length} and ${teacher.length}`);
  }
  return tf.tidy(() => tf.addN(projected.map((s, i) => meanSquaredError(s, teacher[i]))) as tf.Scalar);
}

/**
 * TinyBERT's layer map on transformers, g(m) = m·N/M (`task_distill.py`: teacher hidden state
 * `i * layers_per_block` for student state i = 0…M, state 0 the embedding output; teacher
 * attention `i * layers_per_block + layers_per_block - 1` for student layer i = 0…M−1). Returned
 * as indices into the hidden states with the embedding output first: entry m is the teacher state
 * student state m learns from, m = 0…M; student layer m's attention (1-based m) learns from the
 * teacher layer hidden[m] names. Where M does not divide N (the reference asserts it does) g(m) is
 * rounded, still ending on the teacher's last layer.
 */
export function tinyBertTransformerMap(studentLayers: number, teacherLayers: number): number[] {
  return Array.from({ length: studentLayers + 1 }, (_, m) => (m === 0 ? 0 : Math.max(1, Math.round((m * teacherLayers) / studentLayers))));
}
