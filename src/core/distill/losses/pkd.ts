import * as tf from '@tensorflow/tfjs-core';
import { l2NormalizeRows } from './l2-normalize';
import { meanSquaredError } from './mse';

/**
 * PKD patience loss, as PKD-BERT's `patience_loss` with normalised patience: the MSE between the
 * per-sample L2-normalised student and teacher states stacked over layers, i.e. the mean over the
 * layers of their per-layer MSEs (`F.mse_loss` over [B, L, D]). On transformers the states are each
 * layer's [CLS] vector, as the reference (see pkdTransformerLayers). Layers of different widths, which
 * cannot be stacked, each count once in that mean.
 */
export function pkdLoss(hsList: tf.Tensor2D[], htList: tf.Tensor2D[]): tf.Scalar {
  if (hsList.length !== htList.length || hsList.length === 0) {
    throw new Error(`pkdLoss: need as many student as teacher layers (≥1), got ${hsList.length} and ${htList.length}`);
  }
  return tf.tidy(() => {
    const perLayer = hsList.map((hs, l) => meanSquaredError(l2NormalizeRows(hs), l2NormalizeRows(htList[l])));
    return tf.div(tf.addN(perLayer), perLayer.length) as tf.Scalar;
  });
}

/**
 * PKD's layers on a transformer, 0-based encoder layers (the embedding output is not one), as
 * PKD-BERT: the student's [CLS] of every layer but the last (`NLI_KD_training.py`:
 * `student_patience = stack(full_output[:-1])`, `full_output[i][:, 0]`; the last is left to KD),
 * each matched to the teacher's layer in `--fc_layer_idx` (`run_student_patience.py`): PKD-Skip
 * (l+1)·N/M − 1 (12 → 6 layers: 1, 3, 5, 7, 9), PKD-Last N − M + l (12 → 6: 6 … 10; 12 → 3: 9, 10),
 * both leaving the teacher's last layer out. Where M does not divide N, skip rounds (l+1)·N/M.
 */
export function pkdTransformerLayers(studentLayers: number, teacherLayers: number, strategy: 'skip' | 'last'): { student: number[]; teacher: number[] } {
  if (studentLayers < 2) {
    throw new Error(`PKD on transformers matches every student layer but the last, so it needs a student of at least 2 layers; the student has ${studentLayers}`);
  }
  if (teacherLayers < studentLayers) {
    throw new Error(`PKD on transformers needs a teacher at least as deep as the student: the teacher has ${teacherLayers} layers, the student ${studentLayers}`);
  }
  const student = Array.from({ length: studentLayers - 1 }, (_, l) => l);
  const teacher = student.map((l) => (strategy === 'skip' ? Math.round(((l + 1) * teacherLayers) / studentLayers) - 1 : teacherLayers - studentLayers + l));
  return { student, teacher };
}

/**
 * PKD-BERT's patience loss on a transformer from every layer's [CLS] vector ([B, D] each, shallow to
 * deep): the layers of pkdTransformerLayers, through pkdLoss (normalised, the mean over layers).
 */
export function pkdTransformerLoss(studentCls: tf.Tensor2D[], teacherCls: tf.Tensor2D[], strategy: 'skip' | 'last'): tf.Scalar {
  const { student, teacher } = pkdTransformerLayers(studentCls.length, teacherCls.length, strategy);
  return pkdLoss(
    student.map((l) => studentCls[l]),
    teacher.map((l) => teacherCls[l]),
  );
}
