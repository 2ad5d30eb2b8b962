import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, kdLoss } from '../losses';

/** PyTorch's `cosine_embedding_loss` adds this to each squared magnitude before the square root. */
const COSINE_EPSILON = 1e-12;

/**
 * DistilBERT's cosine loss on token states, as Hugging Face's
 * `examples/research_projects/distillation/distiller.py` (`Distiller.step`): the last hidden states
 * of the tokens the attention mask keeps are selected (`masked_select`, padding dropped), and
 * `CosineEmbeddingLoss(reduction="mean")` with target 1 averages 1 − cos(h_s, h_t) over those
 * tokens, cos = h_s·h_t / √((‖h_s‖² + ε)(‖h_t‖² + ε)), ε = 1e-12. Here every token's term is
 * weighted by the mask and the sum divided by the count of kept tokens (the same value and
 * gradient, without a data-dependent shape); a batch with no kept token gives 0 (PyTorch: NaN).
 * `denominator`, where given, replaces that count: a data-parallel shard divides by its share of
 * the whole batch's count (tokenDenominator in distiller.ts), so the shards add up to the batch's mean.
 *
 * hs, ht: [B, L, D]; mask: [B, L], 1 for a real token, 0 for padding.
 */
export function maskedCosineLoss(hs: tf.Tensor3D, ht: tf.Tensor3D, mask: tf.Tensor2D, denominator?: number): tf.Scalar {
  if (!tf.util.arraysEqual(hs.shape, ht.shape)) {
    throw new Error(
      `maskedCosineLoss: the student's hidden states are [${hs.shape}], the teacher's [${ht.shape}]; DistilBERT compares states of one width (give the student the teacher's hidden size)`,
    );
  }
  if (!tf.util.arraysEqual(mask.shape, hs.shape.slice(0, 2))) {
    throw new Error(`maskedCosineLoss: the mask is [${mask.shape}], expected [${hs.shape.slice(0, 2)}] (batch × tokens)`);
  }
  return tf.tidy(() => {
    const keep = tf.cast(mask, 'float32');
    const dot = tf.sum(tf.mul(hs, ht), 2);
    const magnitudes = tf.mul(tf.add(tf.sum(tf.square(hs), 2), COSINE_EPSILON), tf.add(tf.sum(tf.square(ht), 2), COSINE_EPSILON));
    const perToken = tf.sub(1, tf.div(dot, tf.sqrt(magnitudes)));
    return tf.div(tf.sum(tf.mul(perToken, keep)), denominator ?? tf.maximum(tf.sum(keep), 1)) as tf.Scalar;
  });
}

export interface DistilBertWeights {
  temperature: number;
  /** α_ce, of T²·KL. */
  alphaCe: number;
  /** α_cls (the config's `alphaHard`), of the cross-entropy with the labels. */
  alphaHard: number;
  /** α_cos, of the masked cosine loss. */
  alphaCos: number;
}

export interface DistilBertTerms {
  kd: tf.Scalar;
  ce: tf.Scalar;
  cos: tf.Scalar;
}

/**
 * DistilBERT's objective on a sequence classifier, each term weighted: α_ce·T²·KL(p_t‖p_s) with
 * `distiller.py`'s `KLDivLoss(reduction="batchmean")` on log_softmax(z_s/T) against softmax(z_t/T)
 * — summed over classes, averaged over the batch, which is `kdLoss` (distiller.py selects the
 * non-padded tokens of its MLM logits first; a classifier has one row per sequence); α_cls·CE with
 * the labels (distiller.py's `alpha_mlm` term, the task's own loss); α_cos·maskedCosineLoss of the
 * last hidden states (over `tokenDenominator` where given: a data-parallel shard's share).
 */
export function distilBertTerms(
  student: { logits: tf.Tensor2D; hidden: tf.Tensor3D },
  teacher: { logits: tf.Tensor2D; hidden: tf.Tensor3D },
  labels: tf.Tensor1D,
  mask: tf.Tensor2D,
  weights: DistilBertWeights,
  tokenDenominator?: number,
): DistilBertTerms {
  return {
    kd: tf.tidy(() => tf.mul(kdLoss(student.logits, teacher.logits, weights.temperature), weights.alphaCe) as tf.Scalar),
    ce: tf.tidy(() => tf.mul(crossEntropy(student.logits, labels), weights.alphaHard) as tf.Scalar),
    cos: tf.tidy(() => tf.mul(maskedCosineLoss(student.hidden, teacher.hidden, mask, tokenDenominator), weights.alphaCos) as tf.Scalar),
  };
}
