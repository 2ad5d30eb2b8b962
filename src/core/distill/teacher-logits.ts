import * as tf from '@tensorflow/tfjs-core';
import type { ZooModel } from '../models/zoo-model';

/**
 * A frozen teacher's inference-mode logits per training sample. Without data augmentation a
 * sample's logits never change, so each is computed once and later epochs only read them:
 * the teacher's forward pass stops dominating a KD step. With augmentation every view is new, so
 * the teacher sees the augmented batch, as in RepDistiller, and nothing is kept.
 */
export class TeacherLogits {
  private readonly rows = new Map<number, Float32Array>();

  constructor(private readonly teacher: ZooModel) {}

  /** The teacher's logits for the batch, [B, classes]; a constant for the gradient tape. */
  forBatch(x: tf.Tensor, indices: Int32Array, augmented = false): tf.Tensor2D {
    if (augmented) return this.teacher.predict(x);
    const classes = this.teacher.info.numClasses;
    if (indices.some((i) => !this.rows.has(i))) {
      const logits = this.teacher.predict(x);
      const values = logits.dataSync() as Float32Array;
      indices.forEach((index, row) => this.rows.set(index, values.slice(row * classes, (row + 1) * classes)));
      return logits;
    }
    const packed = new Float32Array(indices.length * classes);
    indices.forEach((index, row) => packed.set(this.rows.get(index)!, row * classes));
    return tf.tensor2d(packed, [indices.length, classes]);
  }
}

/**
 * As TeacherLogits, for methods that also read the teacher's penultimate embedding (CRD): both
 * are kept per training sample when there is no augmentation.
 */
export class TeacherOutputs {
  private readonly rows = new Map<number, { logits: Float32Array; embedding: Float32Array }>();

  constructor(private readonly teacher: ZooModel) {}

  /** The teacher's inference-mode logits [B, classes] and embedding [B, D]; constants for the gradient tape. */
  forBatch(x: tf.Tensor, indices: Int32Array, augmented = false): { logits: tf.Tensor2D; embedding: tf.Tensor2D } {
    if (augmented || indices.some((i) => !this.rows.has(i))) {
      const { logits, embedding, features } = this.teacher.forward(x, false);
      tf.dispose(features);
      if (!augmented) {
        const [classes, width] = [logits.shape[1], embedding.shape[1]];
        const [l, e] = [logits.dataSync() as Float32Array, embedding.dataSync() as Float32Array];
        indices.forEach((index, row) => this.rows.set(index, { logits: l.slice(row * classes, (row + 1) * classes), embedding: e.slice(row * width, (row + 1) * width) }));
      }
      return { logits, embedding };
    }
    const pack = (key: 'logits' | 'embedding') => {
      const width = this.rows.get(indices[0])![key].length;
      const packed = new Float32Array(indices.length * width);
      indices.forEach((index, row) => packed.set(this.rows.get(index)![key], row * width));
      return tf.tensor2d(packed, [indices.length, width]);
    };
    return { logits: pack('logits'), embedding: pack('embedding') };
  }
}
