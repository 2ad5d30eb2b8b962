import * as tf from '@tensorflow/tfjs-core';
import { createRng, deriveSeed } from '../data/rng';
import { countNegatives } from './contrast-negatives';
import { NCE_EPS } from './losses/crd';
import { negativeSource, type NegativeSource } from './negative-source';

export { ClassNegatives, drawClassContrastIndices, drawContrastIndices } from './contrast-negatives';

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
  /**
   * The class of every sample index (nData of them). Given, a sample's negatives are drawn from
   * the other classes (RepDistiller's `CIFAR100InstanceSample`); absent, uniformly from all others.
   */
  labels?: Int32Array;
  /** Draw the negatives on a worker thread, the next batch's while this one computes (CRD's training does; the draws are the same). */
  drawOnWorker?: boolean;
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
  private readonly negatives: NegativeSource;
  /**
   * The last forward's momentum update, applied when the banks are next read (the next forward,
   * memories()): until then its backward may still need the rows it scored against, and the banks
   * go to the backend uncopied (the cpu backend keeps the array it is given).
   */
  private pending?: { idx: Int32Array; student: Float32Array; teacher: Float32Array; step: number };
  /** Forwards so far, and the last of them whose update has been applied. */
  private step = 0;
  private settled = 0;
  private disposed = false;
  /** Each bank transposed, [featDim, nData], kept up to date by settle(): wasm's Transpose of an N×d bank costs more than the matmul that needs it. */
  private readonly transposed = new WeakMap<Float32Array, Float32Array>();
  /** The counts of negatives for contrast indices given to nceLosses(), reused from step to step. */
  private countBuffer = new Float32Array(0);

  constructor(private readonly options: ContrastMemoryOptions) {
    const { featDim, nData, k, seed, initial, labels } = options;
    if (!(k >= 1 && k <= nData - 1)) throw new Error(`ContrastMemory: k must be in [1, ${nData - 1}], got ${k}`);
    if (labels && labels.length !== nData) throw new Error(`ContrastMemory: labels must give the class of each of the ${nData} samples, got ${labels.length}`);
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
    this.negatives = negativeSource({ nData, k, seed, labels }, options.drawOnWorker ?? false);
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

  /**
   * Contrast indices for a batch, from this memory's seeded stream: negatives from the other
   * classes when the memory has labels, else uniform over the other samples.
   */
  drawContrastIndices(idx: Int32Array): Int32Array {
    this.assertLive();
    return Int32Array.from(this.negatives.take(idx).indices);
  }

  /** Announces the batch after the one about to be taken, so a worker can draw its negatives meanwhile. */
  prefetchNegatives(idx: Int32Array): void {
    this.assertLive();
    this.negatives.prefetch(idx);
  }

  /**
   * CRD's two NCE losses, L(vS against the teacher bank) and L(vT against the student bank), the
   * values contrastLoss() gives on forward()'s scores, without forming those [B, K+1] scores:
   * with s = exp(v·m/T)/Z over the whole bank and P[c, b] how often row c is among sample b's negatives,
   *   L = (1/B)·[Σ_bc P_cb·log1p((s_bc + ε)/c) + Σ_b log1p((c + ε)/s_b⁺)],  c = K/N,
   * which is −(1/B)·Σ_b[log(s⁺/(s⁺+c+ε)) + Σ_k log(c/(s⁻_k+c+ε))] term by term. When K is close
   * to N (the default K = min(16384, N−1)), the [N, B] product costs what the picked columns
   * would, and the picking, its scatter in the backward and the [B, K+1] tensors all go. Without
   * `contrastIdx`, the negatives are this memory's next draw (as drawContrastIndices() would give);
   * `next` announces the batch after this one (prefetchNegatives()) once this one's are taken. The
   * banks then move as after forward().
   */
  nceLosses(vS: tf.Tensor2D, vT: tf.Tensor2D, idx: Int32Array, given: { contrastIdx?: Int32Array; next?: Int32Array } = {}): { lossS: tf.Scalar; lossT: tf.Scalar } {
    const { nData, k, featDim, momentum } = this.options;
    const batch = idx.length;
    this.assertLive();
    let drawn: Int32Array;
    let counts: Float32Array;
    if (given.contrastIdx) {
      drawn = given.contrastIdx;
      this.check(vS, vT, idx, drawn);
      if (this.countBuffer.length !== batch * nData) this.countBuffer = new Float32Array(batch * nData);
      counts = countNegatives(drawn, batch, nData, this.countBuffer);
    } else {
      ({ indices: drawn, counts } = this.negatives.take(idx));
      this.check(vS, vT, idx, drawn, true);
    }
    if (given.next) this.negatives.prefetch(given.next);
    this.settle();
    const step = ++this.step;
    const noise = k / nData;
    const side = (v: tf.Tensor2D, bank: Float32Array, z: number | undefined) => {
      const positives = new Float32Array(batch * featDim);
      idx.forEach((row, b) => positives.set(bank.subarray(row * featDim, (row + 1) * featDim), b * featDim));
      const zValue = z ?? this.firstNormalizer(v, bank, idx, drawn);
      const loss = tf.tidy(() => this.nceLoss(v, bank, counts, positives, Math.log(zValue), noise, step));
      return { loss, z: zValue };
    };
    const s = side(vS, this.teacher, this.zS);
    const t = side(vT, this.student, this.zT);
    [this.zS, this.zT] = [s.z, t.z];
    this.pending = {
      idx: Int32Array.from(idx),
      student: this.updatedRows(this.student, vS.dataSync(), idx, momentum),
      teacher: this.updatedRows(this.teacher, vT.dataSync(), idx, momentum),
      step,
    };
    return { lossS: s.loss, lossT: t.loss };
  }

  /** Z = N·mean of exp(v·m/T) over the first batch's K+1 scores per row (RepDistiller sets it once, from the first forward). */
  private firstNormalizer(v: tf.Tensor2D, bank: Float32Array, idx: Int32Array, contrastIdx: Int32Array): number {
    const { featDim, nData, temperature } = this.options;
    const values = v.dataSync();
    const cols = contrastIdx.length / idx.length;
    let sum = 0;
    for (let b = 0; b < idx.length; b++) {
      for (let j = 0; j < cols; j++) {
        const c = contrastIdx[b * cols + j];
        let dot = 0;
        for (let d = 0; d < featDim; d++) dot += values[b * featDim + d] * bank[c * featDim + d];
        sum += Math.exp(dot / temperature);
      }
    }
    return (sum / contrastIdx.length) * nData;
  }

  /**
   * The NCE loss of one side, on the [N, B] product (bank rows by batch samples). The noise
   * term's gradient is written out (dL/d(v·m/T) = P·u/(1+u+ε/c), u = s/c), so the backward is a
   * few elementwise products and one matmul with the bank, which the gradient reaches as a
   * constant. Both matmuls take the bank as the left operand: XNNPACK packs the right one afresh
   * for every new tensor, and packing the bank (N·d floats) each step cost about as much as the
   * products themselves; packed now are v (B·d) and the gradient (N·B).
   */
  private nceLoss(v: tf.Tensor2D, bank: Float32Array, counts: Float32Array, positives: Float32Array, logZ: number, noise: number, step: number): tf.Scalar {
    const { featDim, nData, temperature } = this.options;
    const batch = v.shape[0];
    // Each negative's term log1p((s + ε)/c) = log1p(f) + softplus(y), f = ε/c, y = v·m/T − log Z − log c − log1p(f),
    // and softplus(y) = −log σ(−y): a vectorised sigmoid and a log in place of exp and log1p. Like the
    // reference's log(c/(s + c + ε)), it rounds σ(−y) = c/(s + c + ε) to float32 before the log.
    const floor = NCE_EPS / noise;
    const offset = logZ + Math.log(noise) + Math.log1p(floor);
    const constant = batch * this.options.k * Math.log1p(floor);
    const noiseTerm = tf.customGrad((x, save) => {
      // −y, [N, B]
      const minusY = tf.tidy(() => tf.sub(offset, tf.matMul(tf.tensor2d(bank, [nData, featDim]), tf.mul(x as tf.Tensor2D, 1 / temperature), false, true)));
      const p = tf.tensor2d(counts, [nData, batch]);
      (save as tf.GradSaveFunc)([minusY, p]);
      return {
        value: tf.tidy(() => tf.sub(constant, tf.sum(tf.mul(p, tf.log(tf.sigmoid(minusY)))))),
        gradFunc: (dy, [minusYSaved, pSaved]) => {
          if (this.settled >= step) {
            throw new Error("ContrastMemory: the banks moved (a later forward or memories()) before this forward's gradient was taken");
          }
          // d softplus(y)/dy = σ(y)
          const dDots = tf.mul(tf.mul(pSaved, tf.sigmoid(tf.neg(minusYSaved))), tf.mul(dy, 1 / temperature));
          return tf.transpose(tf.matMul(tf.tensor2d(this.transposedOf(bank), [featDim, nData]), dDots));
        },
      };
    });
    // s⁺ = exp(v·m⁺/T − log Z); log1p((c + ε)/s⁺) = log1p((c + ε)·exp(log Z − v·m⁺/T)).
    const positiveDots = tf.div(tf.sum(tf.mul(v, tf.tensor2d(positives, [batch, featDim])), 1), temperature);
    const positiveTerm = tf.sum(tf.log1p(tf.mul(tf.exp(tf.sub(logZ, positiveDots)), noise + NCE_EPS)));
    return tf.div(tf.add(noiseTerm(v), positiveTerm), batch) as tf.Scalar;
  }

  /**
   * scoresS = exp(vS·m_teacher/T)/Z_S and scoresT = exp(vT·m_student/T)/Z_T over the rows in
   * contrastIdx ([B, K+1], column 0 = idx); then both banks' rows idx move towards vS and vT
   * (applied when the banks are next read, so take this forward's gradient before that).
   */
  forward(vS: tf.Tensor2D, vT: tf.Tensor2D, idx: Int32Array, contrastIdx: Int32Array): { scoresS: tf.Tensor2D; scoresT: tf.Tensor2D } {
    this.check(vS, vT, idx, contrastIdx);
    this.settle();
    const { nData, temperature, momentum } = this.options;
    const step = ++this.step;
    const batch = idx.length;
    const cols = contrastIdx.length / batch;
    // Where each score comes from in the [B, nData] products: row b, column contrastIdx[b][j].
    const positions = new Int32Array(contrastIdx.length);
    for (let b = 0, i = 0; b < batch; b++) {
      for (let j = 0; j < cols; j++, i++) positions[i] = b * nData + contrastIdx[i];
    }
    const at = tf.tensor2d(positions, [positions.length, 1], 'int32');
    const score = (v: tf.Tensor2D, bank: Float32Array, z: number | undefined): { scores: tf.Tensor2D; z: number } => {
      if (z !== undefined) return { scores: tf.tidy(() => this.scores(v, bank, positions, at, temperature, Math.log(z), step)), z };
      // The first call: Z = N·mean of exp(v·m/T) over its scores.
      const raw = tf.tidy(() => this.scores(v, bank, positions, at, temperature, 0, step));
      const first = tf.tidy(() => tf.mean(raw).dataSync()[0]) * nData;
      const scores = tf.div(raw, first) as tf.Tensor2D;
      raw.dispose();
      return { scores, z: first };
    };
    const s = score(vS, this.teacher, this.zS);
    const t = score(vT, this.student, this.zT);
    at.dispose();
    [this.zS, this.zT] = [s.z, t.z];
    const [scoresS, scoresT] = [s.scores, t.scores];
    this.pending = {
      idx: Int32Array.from(idx),
      student: this.updatedRows(this.student, vS.dataSync(), idx, momentum),
      teacher: this.updatedRows(this.teacher, vT.dataSync(), idx, momentum),
      step,
    };
    return { scoresS, scoresT };
  }

  /** Applies the last forward's update to the banks. */
  private settle(): void {
    const pending = this.pending;
    if (!pending) return;
    const { featDim } = this.options;
    const { nData } = this.options;
    pending.idx.forEach((row, b) => {
      for (const [bank, rows] of [
        [this.student, pending.student],
        [this.teacher, pending.teacher],
      ] as const) {
        bank.set(rows.subarray(b * featDim, (b + 1) * featDim), row * featDim);
        const columns = this.transposed.get(bank);
        if (columns) for (let d = 0; d < featDim; d++) columns[d * nData + row] = rows[b * featDim + d];
      }
    });
    this.settled = pending.step;
    this.pending = undefined;
  }

  /** The constants dividing scoresS and scoresT, once the first forward has set them. */
  normalizers(): { scoresS: number; scoresT: number } | undefined {
    return this.zS === undefined || this.zT === undefined ? undefined : { scoresS: this.zS, scoresT: this.zT };
  }

  /** Copies of the banks: student (updated with vS) and teacher (updated with vT), nData × featDim. */
  memories(): { student: number[][]; teacher: number[][] } {
    this.assertLive();
    this.settle();
    return { student: this.rows(this.student), teacher: this.rows(this.teacher) };
  }

  dispose(): void {
    if (!this.disposed) this.negatives.dispose();
    this.disposed = true;
    this.pending = undefined;
    this.student = new Float32Array(0);
    this.teacher = new Float32Array(0);
  }

  /**
   * exp(v_b·m_c/T − logZ) for every c in row b of the contrast indices, without gathering a
   * [B, K+1, featDim] tensor: one matmul of the batch against the whole bank, [B, nData], and the
   * K+1 entries of each row picked on the host (`positions`, flat; wasm's Gather is slower at this
   * size). The gradient reaches v only, the bank being a constant: dv_b = Σ_j g_bj·m_c(b,j)/T,
   * a scatter of g into [B, nData] (`at`, the positions as a tensor) and one matmul.
   */
  private scores(v: tf.Tensor2D, bank: Float32Array, positions: Int32Array, at: tf.Tensor2D, temperature: number, logZ: number, step: number): tf.Tensor2D {
    const { featDim, nData } = this.options;
    const batch = v.shape[0];
    const memory = tf.tensor2d(bank, [nData, featDim]);
    const logits = tf.customGrad((x, save) => {
      (save as tf.GradSaveFunc)([memory, at]);
      // v·mᵀ with mᵀ kept on the host: wasm's matmul is slower when asked to transpose itself, and so is its Transpose.
      const product = tf.tidy(() => tf.matMul(x as tf.Tensor2D, tf.tensor2d(this.transposedOf(bank), [featDim, nData])));
      const dots = product.dataSync();
      product.dispose();
      const picked = new Float32Array(positions.length);
      for (let i = 0; i < picked.length; i++) picked[i] = dots[positions[i]] / temperature - logZ;
      return {
        value: tf.tensor2d(picked, [batch, positions.length / batch]),
        gradFunc: (dy, [m, where]) => {
          if (this.settled >= step) {
            throw new Error("ContrastMemory: the banks moved (a later forward or memories()) before this forward's gradient was taken");
          }
          // dy summed into [B, nData] at the picked entries (a repeated index adds up).
          const dDots = tf.reshape(tf.scatterND(where, tf.reshape(dy, [-1]), [batch * nData]), [batch, nData]);
          return tf.div(tf.matMul(dDots, m), temperature);
        },
      };
    });
    return tf.exp(logits(v)) as tf.Tensor2D;
  }

  private transposedOf(bank: Float32Array): Float32Array {
    let columns = this.transposed.get(bank);
    if (!columns) {
      const { featDim, nData } = this.options;
      columns = new Float32Array(bank.length);
      for (let row = 0; row < nData; row++) for (let d = 0; d < featDim; d++) columns[d * nData + row] = bank[row * featDim + d];
      this.transposed.set(bank, columns);
    }
    return columns;
  }

  /** normalise(momentum·m + (1−momentum)·v) for the rows idx, [B·featDim], all from the current bank. */
  private updatedRows(bank: Float32Array, v: ArrayLike<number>, idx: Int32Array, momentum: number): Float32Array {
    const { featDim } = this.options;
    const out = new Float32Array(idx.length * featDim);
    const next = new Float64Array(featDim);
    idx.forEach((row, b) => {
      let sq = 0;
      for (let d = 0; d < featDim; d++) {
        next[d] = bank[row * featDim + d] * momentum + v[b * featDim + d] * (1 - momentum);
        sq += next[d] * next[d];
      }
      const norm = Math.sqrt(sq);
      for (let d = 0; d < featDim; d++) out[b * featDim + d] = next[d] / norm;
    });
    return out;
  }

  private rows(bank: Float32Array): number[][] {
    const { featDim, nData } = this.options;
    return Array.from({ length: nData }, (_, r) => Array.from(bank.subarray(r * featDim, (r + 1) * featDim)));
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('ContrastMemory: used after dispose()');
  }

  /** `drawnHere`: the indices come from this memory's own draw, in range by construction (a pass over B·(K+1) saved). */
  private check(vS: tf.Tensor2D, vT: tf.Tensor2D, idx: Int32Array, contrastIdx: Int32Array, drawnHere = false): void {
    this.assertLive();
    const { featDim, nData, k } = this.options;
    const batch = idx.length;
    for (const [name, v] of [
      ['vS', vS],
      ['vT', vT],
    ] as const) {
      if (v.shape[0] !== batch || v.shape[1] !== featDim) {
        throw new Error(`ContrastMemory.forward: ${name} must be [${batch}, ${featDim}], got [${v.shape}]`);
      }
    }
    if (contrastIdx.length !== batch * (k + 1)) {
      throw new Error(`ContrastMemory.forward: contrastIdx must hold ${batch}×${k + 1} indices, got ${contrastIdx.length}`);
    }
    for (let i = 0; i < contrastIdx.length && !drawnHere; i++) {
      if (!(contrastIdx[i] >= 0 && contrastIdx[i] < nData)) throw new Error(`ContrastMemory.forward: an index is outside [0, ${nData})`);
    }
    idx.forEach((row, b) => {
      if (contrastIdx[b * (k + 1)] !== row) {
        throw new Error(`ContrastMemory.forward: contrastIdx[${b}][0] must be idx[${b}] (${row}), got ${contrastIdx[b * (k + 1)]}`);
      }
    });
  }
}
