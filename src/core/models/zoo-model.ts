import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelSpec } from '../../shared/protocol';

export interface ForwardResult {
  logits: tf.Tensor2D;
  /** Pooled penultimate representation, [B, D]. */
  embedding: tf.Tensor2D;
  /** Block outputs, shallow to deep; for a transformer every encoder layer's hidden states [B, L, H]. */
  features: tf.Tensor[];
  /** A transformer's token-level taps (undefined for image and tabular models). */
  sequence?: SequenceTaps;
}

/**
 * What a transformer (models/transformer.ts) exposes per forward pass, named as BERT's
 * `output_hidden_states` / `output_attentions`. L is the padded sequence length, H the hidden size,
 * d = H / heads, layers shallow to deep (index 0 = the first encoder layer).
 */
export interface SequenceTaps {
  /** [B, L]: 1 where the input holds a token (id ≠ 0), 0 on padding. */
  mask: tf.Tensor2D;
  /** [B, L, H]: token + position embeddings after their LayerNorm and dropout (TinyBERT's layer 0). */
  embeddingOutput: tf.Tensor3D;
  /** Per layer [B, L, H]: the layer's output hidden states (the same tensors as `features`). */
  hidden: tf.Tensor3D[];
  /**
   * Per layer [B, heads, L, L] (query i, key j): the attention logits exactly as fed to the softmax,
   * q·k / √d PLUS the additive padding mask, which is −10000 on every padded key column j (0 on
   * tokens), as BERT and TinyBERT's `attention_scores`. Rows of padded queries are not masked.
   * TinyBERT's attention loss zeroes entries ≤ −100 (its `torch.where(att <= -1e2, 0, att)`)
   * before the MSE, which removes the mask; a loss may equally multiply by mask_i·mask_j.
   */
  scores: tf.Tensor4D[];
  /** Per layer [B, heads, L, L]: softmax(scores) over the keys (last axis), before attention dropout. */
  probs: tf.Tensor4D[];
  /** Per layer [B, heads, L, d]: the value vectors split into heads (MiniLM's value relation reads these). */
  values: tf.Tensor4D[];
  /** Per layer [B, H]: the hidden state at position 0, the [CLS] token (not pooled). */
  cls: tf.Tensor2D[];
}

export interface ModelInfo {
  spec: ModelSpec;
  inputShape: number[];
  numClasses: number;
  role: string;
  /** A transformer's embedding rows (the text data set's vocabulary), so a replica or a reader can rebuild it. */
  vocabSize?: number;
}

interface SequenceParts<T> {
  mask: T;
  embeddingOutput: T;
  scores: T[];
  probs: T[];
  values: T[];
  cls: T[];
}

/** The order of a transformer's extra outputs after [logits, embedding, ...features]. */
export function sequenceOutputs<T>(s: SequenceParts<T>): T[] {
  return [s.mask, s.embeddingOutput, ...s.scores, ...s.probs, ...s.values, ...s.cls];
}

/** How many of the net's outputs after logits and embedding are features (the rest are sequence taps). */
function featureCount(spec: ModelSpec, outputs: number): number {
  return spec.arch === 'transformer' ? spec.layers : outputs - 2;
}

/**
 * A model of the zoo: one LayersModel whose outputs are [logits, embedding, ...features], so a
 * single forward pass gives every tap, plus the classifier head as its own layer (SRRL applies the
 * teacher's head to student features).
 */
export class ZooModel {
  constructor(
    readonly net: tfl.LayersModel,
    readonly head: tfl.layers.Layer,
    readonly info: ModelInfo,
  ) {}

  forward(x: tf.Tensor, training: boolean): ForwardResult {
    const [logits, embedding, ...rest] = this.net.apply(x, { training }) as tf.Tensor[];
    const n = featureCount(this.info.spec, rest.length + 2);
    const features = rest.slice(0, n);
    const result: ForwardResult = { logits: logits as tf.Tensor2D, embedding: embedding as tf.Tensor2D, features };
    if (rest.length > n) {
      const taps = rest.slice(n);
      const perLayer = (i: number) => taps.slice(2 + i * n, 2 + (i + 1) * n);
      result.sequence = {
        mask: taps[0] as tf.Tensor2D,
        embeddingOutput: taps[1] as tf.Tensor3D,
        hidden: features as tf.Tensor3D[],
        scores: perLayer(0) as tf.Tensor4D[],
        probs: perLayer(1) as tf.Tensor4D[],
        values: perLayer(2) as tf.Tensor4D[],
        cls: perLayer(3) as tf.Tensor2D[],
      };
    }
    return result;
  }

  /** Logits only, in inference mode. */
  predict(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const out = this.net.apply(x, { training: false }) as tf.Tensor[];
      return out[0] as tf.Tensor2D;
    });
  }

  applyHead(embedding: tf.Tensor): tf.Tensor2D {
    return this.head.apply(embedding) as tf.Tensor2D;
  }

  /** The variables an optimizer updates (BN moving statistics excluded). */
  trainableVariables(): tf.Variable[] {
    return this.net.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  }

  /** Every weight, trainable or not (what a checkpoint holds). */
  paramCount(): number {
    return this.net.countParams();
  }

  /** Size of the weights as stored (float32). */
  sizeBytes(): number {
    return this.net.weights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1) * 4, 0);
  }

  featureShapes(): number[][] {
    const n = featureCount(this.info.spec, this.net.outputs.length);
    return this.net.outputs.slice(2, 2 + n).map((o) => o.shape.slice(1).map((d) => d ?? -1));
  }

  dispose(): void {
    this.net.dispose();
  }
}
