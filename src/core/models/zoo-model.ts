import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelSpec } from '../../shared/protocol';

export interface ForwardResult {
  logits: tf.Tensor2D;
  /** Pooled penultimate representation, [B, D]. */
  embedding: tf.Tensor2D;
  /** Block outputs, shallow to deep. */
  features: tf.Tensor[];
}

export interface ModelInfo {
  spec: ModelSpec;
  inputShape: number[];
  numClasses: number;
  role: string;
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
    const [logits, embedding, ...features] = this.net.apply(x, { training }) as tf.Tensor[];
    return { logits: logits as tf.Tensor2D, embedding: embedding as tf.Tensor2D, features };
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
    return this.net.outputs.slice(2).map((o) => o.shape.slice(1).map((d) => d ?? -1));
  }

  dispose(): void {
    this.net.dispose();
  }
}
