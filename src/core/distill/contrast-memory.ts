import * as tf from '@tensorflow/tfjs-core';
import { createRng, deriveSeed } from '../data/rng';

export type MemoryBank = Float32Array | number[][];

export interface ContrastMemoryOptions {
  featDim: number;
  nData: number;
  /** Negatives per sample. */
  k: number;
  temperature: number;
  momentum: number;
  seed: number;
  /** Banks to start from instead of the seeded uniform ±1/√(featDim/3) draw. */
  initial?: { student: MemoryBank; teacher: MemoryBank };
}

/**
 * [B·(K+1)] indices, row-major [B, K+1]: column 0 the sample's own index, then K negatives drawn
 * uniformly (with replacement, as RepDistiller) from [0, nData) excluding it.
 */
export function drawContrastIndices(idx: Int32Array, nData: number, k: number, rng: () => number): Int32Array {
  if (nData < 2) throw new Error(`drawContrastIndices: need at least 2 samples, got ${nData}`);
  const out = new Int32Array(idx.length * (k + 1));
  idx.forEach((pos, b) => {
    const row = b * (k + 1);
    out[row] = pos;
    for (let j = 1; j <= k; j++) {
      const r = Math.floor(rng() * (nData - 1));
      out[row + j] = r >= pos ? r + 1 : r;
    }
  });
  return out;
}

/**
 * CRD's memory banks (RepDistiller `crd/memory.py`): one of student, one of teacher embeddings,
 * nData × featDim each, updated by momentum and never trained.
 */
export class ContrastMemory {
  private student: Float32Array;
  private teacher: Float32Array;
  /** Normalising constants, fixed by the first forward. */
  private zS?: number;
  private zT?: number;
  private readonly rng: () => number;
  private disposed = false;

  constructor(private readonly options: ContrastMemoryOptions) {
    const { featDim, nData, k, seed, initial } = options;
    if (!(k >= 1 && k <= nData - 1)) throw new Error(`ContrastMemory: k must be in [1, ${nData - 1}], got ${k}`);
    if (initial) {
      this.student = this.toBank(initial.student, 'student');
      this.teacher = this.toBank(initial.teacher, 'teacher');
    } else {
      const draw = createRng(deriveSeed(seed, 0));
      const stdv = 1 / Math.sqrt(featDim / 3);
      const uniform = () => Float32Array.from({ length: nData * featDim }, () => (2 * draw() - 1) * stdv);
      this.student = uniform();
      this.teacher = uniform();
    }
    this.rng = createRng(deriveSeed(seed, 1));
  }

  private toBank(bank: MemoryBank, name: string): Float32Array {
    const { featDim, nData } = this.options;
    const flat = bank instanceof Float32Array ? Float32Array.from(bank) : Float32Array.from(bank.flat());
    const rowsOk = bank instanceof Float32Array || (bank.length === nData && bank.every((r) => r.length === featDim));
    if (!rowsOk || flat.length !== nData * featDim) {
      throw new Error(`ContrastMemory: initial ${name} bank must be ${nData}×${featDim}`);
    }
    return flat;
  }

  /** Contrast indices for a batch, from this memory's seeded stream. */
  drawContrastIndices(idx: Int32Array): Int32Array {
    return drawContrastIndices(idx, this.options.nData, this.options.k, this.rng);
  }

  /**
   * scoresS = exp(vS·m_teacher/T)/Z_S and scoresT = exp(vT·m_student/T)/Z_T over the rows in
   * contrastIdx ([B, K+1], column 0 = idx); then both banks' rows idx move towards vS and vT.
   */
  forward(vS: tf.Tensor2D, vT: tf.Tensor2D, idx: Int32Array, contrastIdx: Int32Array): { scoresS: tf.Tensor2D; scoresT: tf.Tensor2D } {
    this.check(vS, vT, idx, contrastIdx);
    const { nData, temperature, momentum } = this.options;
    const rawS = tf.tidy(() => this.scores(vS, this.teacher, contrastIdx, temperature));
    const rawT = tf.tidy(() => this.scores(vT, this.student, contrastIdx, temperature));
    this.zS ??= tf.tidy(() => tf.mean(rawS).dataSync()[0]) * nData;
    this.zT ??= tf.tidy(() => tf.mean(rawT).dataSync()[0]) * nData;
    const scoresS = tf.div(rawS, this.zS) as tf.Tensor2D;
    const scoresT = tf.div(rawT, this.zT) as tf.Tensor2D;
    rawS.dispose();
    rawT.dispose();
    this.update(this.student, vS.dataSync(), idx, momentum);
    this.update(this.teacher, vT.dataSync(), idx, momentum);
    return { scoresS, scoresT };
  }

  /** The constants dividing scoresS and scoresT, once the first forward has set them. */
  normalizers(): { scoresS: number; scoresT: number } | undefined {
    return this.zS === undefined || this.zT === undefined ? undefined : { scoresS: this.zS, scoresT: this.zT };
  }

  /** Copies of the banks: student (updated with vS) and teacher (updated with vT), nData × featDim. */
  memories(): { student: number[][]; teacher: number[][] } {
    this.assertLive();
    return { student: this.rows(this.student), teacher: this.rows(this.teacher) };
  }

  dispose(): void {
    this.disposed = true;
    this.student = new Float32Array(0);
    this.teacher = new Float32Array(0);
  }

  private scores(v: tf.Tensor2D, bank: Float32Array, contrastIdx: Int32Array, temperature: number): tf.Tensor2D {
    const { featDim } = this.options;
    const batch = v.shape[0];
    const cols = contrastIdx.length / batch;
    const gathered = new Float32Array(contrastIdx.length * featDim);
    contrastIdx.forEach((row, i) => gathered.set(bank.subarray(row * featDim, (row + 1) * featDim), i * featDim));
    const weights = tf.tensor3d(gathered, [batch, cols, featDim]);
    const dots = tf.matMul(weights, tf.reshape(v, [batch, featDim, 1]));
    return tf.exp(tf.div(tf.reshape(dots, [batch, cols]), temperature)) as tf.Tensor2D;
  }

  /** Rows idx ← normalise(momentum·m + (1−momentum)·v), all computed from the old bank first. */
  private update(bank: Float32Array, v: ArrayLike<number>, idx: Int32Array, momentum: number): void {
    const { featDim } = this.options;
    const fresh = Array.from(idx, (row, b) => {
      const next = new Float64Array(featDim);
      for (let d = 0; d < featDim; d++) next[d] = bank[row * featDim + d] * momentum + v[b * featDim + d] * (1 - momentum);
      const norm = Math.hypot(...next);
      return next.map((x) => x / norm);
    });
    idx.forEach((row, b) => bank.set(fresh[b], row * featDim));
  }

  private rows(bank: Float32Array): number[][] {
    const { featDim, nData } = this.options;
    return Array.from({ length: nData }, (_, r) => Array.from(bank.subarray(r * featDim, (r + 1) * featDim)));
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('ContrastMemory: used after dispose()');
  }

  private check(vS: tf.Tensor2D, vT: tf.Tensor2D, idx: Int32Array, contrastIdx: Int32Array): void {
    this.assertLive();
    const { featDim, nData, k } = this.options;
    const batch = idx.length;
    for (const [name, v] of [['vS', vS], ['vT', vT]] as const) {
      if (v.shape[0] !== batch || v.shape[1] !== featDim) {
        throw new Error(`ContrastMemory.forward: ${name} must be [${batch}, ${featDim}], got [${v.shape}]`);
      }
    }
    if (contrastIdx.length !== batch * (k + 1)) {
      throw new Error(`ContrastMemory.forward: contrastIdx must hold ${batch}×${k + 1} indices, got ${contrastIdx.length}`);
    }
    if (contrastIdx.some((r) => r < 0 || r >= nData)) throw new Error(`ContrastMemory.forward: an index is outside [0, ${nData})`);
    idx.forEach((row, b) => {
      if (contrastIdx[b * (k + 1)] !== row) {
        throw new Error(`ContrastMemory.forward: contrastIdx[${b}][0] must be idx[${b}] (${row}), got ${contrastIdx[b * (k + 1)]}`);
      }
    });
  }
}
