import * as tf from '@tensorflow/tfjs-core';
import type { TeacherOutput } from '../../distill/distiller';

/** Tensors laid end to end in one array (one transferable buffer), each with its shape, rows first. */
export interface PackedTensors {
  values: Float32Array;
  shapes: number[][];
}

/** Teachers' outputs as one PackedTensors: per teacher its logits, its embedding, then its feature maps (`counts[k]` blocks in all). */
export interface PackedOutputs extends PackedTensors {
  counts: number[];
}

/** Rows [start, start + n) of every tensor (its first axis), packed. */
export function packRows(tensors: tf.Tensor[], start: number, n: number): PackedTensors {
  const shapes = tensors.map((t) => [n, ...t.shape.slice(1)]);
  const rowSizes = tensors.map((t) => t.size / t.shape[0]);
  const values = new Float32Array(rowSizes.reduce((sum, size) => sum + size * n, 0));
  let offset = 0;
  tensors.forEach((t, i) => {
    const rows = (t.dataSync() as Float32Array).subarray(start * rowSizes[i], (start + n) * rowSizes[i]);
    values.set(rows, offset);
    offset += rows.length;
  });
  return { values, shapes };
}

export function unpack({ values, shapes }: PackedTensors): tf.Tensor[] {
  let offset = 0;
  return shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(values.subarray(offset, offset + size), shape, 'float32');
    offset += size;
    return t;
  });
}

/** Rows [start, start + n) of teachers' outputs, packed (a shard's share, or, from 0, the whole batch). */
export function packOutputs(outputs: TeacherOutput[], start: number, n: number): PackedOutputs {
  return { ...packRows(outputs.flatMap(blocksOf), start, n), counts: outputs.map((o) => 2 + o.features.length) };
}

export function unpackOutputs(packed: PackedOutputs): TeacherOutput[] {
  const tensors = unpack(packed);
  let at = 0;
  return packed.counts.map((count) => {
    const [logits, embedding, ...features] = tensors.slice(at, (at += count));
    return { logits: logits as tf.Tensor2D, embedding: embedding as tf.Tensor2D, features };
  });
}

/** Every tensor of teachers' outputs, to dispose them. */
export function blocksOf(output: TeacherOutput): tf.Tensor[] {
  return [output.logits, output.embedding, ...output.features];
}
