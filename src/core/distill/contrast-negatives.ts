// Which memory rows CRD contrasts each sample against: K negatives per sample, drawn as
// RepDistiller draws them, and how often each row is drawn. No TensorFlow here: the negatives
// worker (negatives-worker-main.ts) runs this code on another thread.
import { createRng, deriveSeed } from '../data/rng';

/**
 * [B·(K+1)] indices, row-major [B, K+1]: column 0 the sample's own index, then K negatives drawn
 * uniformly (with replacement, as RepDistiller) from [0, nData) excluding it.
 */
export function drawContrastIndices(idx: Int32Array, nData: number, k: number, rng: () => number, out = new Int32Array(idx.length * (k + 1))): Int32Array {
  if (nData < 2) throw new Error(`drawContrastIndices: need at least 2 samples, got ${nData}`);
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
 * Negatives from the other classes, as RepDistiller's `CIFAR100InstanceSample` draws them: K
 * distinct samples when the other classes hold at least K, else K draws with replacement.
 */
export class ClassNegatives {
  private readonly labels: Int32Array;
  /** Sample indices grouped by class (ascending within a class); permuted only during a draw. */
  private readonly order: Int32Array;
  /** Where each class's block starts in `order`, and its size. */
  private readonly start: Int32Array;
  private readonly count: Int32Array;
  private swaps = new Int32Array(0);

  constructor(labels: Int32Array) {
    this.labels = Int32Array.from(labels);
    const n = labels.length;
    let classes = 0;
    labels.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0) throw new Error(`ClassNegatives: label ${i} must be a class index ≥ 0, got ${c}`);
      classes = Math.max(classes, c + 1);
    });
    this.count = new Int32Array(classes);
    labels.forEach((c) => this.count[c]++);
    if (this.count.some((c) => c === n)) throw new Error('ClassNegatives: every sample has the same class, so none has a negative from another class');
    this.start = new Int32Array(classes);
    for (let c = 1; c < classes; c++) this.start[c] = this.start[c - 1] + this.count[c - 1];
    const next = Int32Array.from(this.start);
    this.order = new Int32Array(n);
    labels.forEach((c, i) => (this.order[next[c]++] = i));
  }

  /** Samples of classes other than `sample`'s. */
  negativesOf(sample: number): number {
    return this.labels.length - this.count[this.labels[sample]];
  }

  /** Writes `k` negatives of `sample` to out[at..at+k). */
  draw(sample: number, k: number, rng: () => number, out: Int32Array, at: number): void {
    const cls = this.labels[sample];
    const pool = this.negativesOf(sample);
    // Position p of the pool (the other classes) is order[p], skipping the block of cls.
    const skipFrom = this.start[cls];
    const skip = this.count[cls];
    const slot = (p: number) => (p < skipFrom ? p : p + skip);
    const order = this.order;
    if (k > pool) {
      for (let j = 0; j < k; j++) out[at + j] = order[slot(Math.floor(rng() * pool))];
      return;
    }
    // Partial Fisher–Yates over the pool, undone afterwards so `order` stays grouped by class.
    if (this.swaps.length < k) this.swaps = new Int32Array(k);
    const swaps = this.swaps;
    for (let j = 0; j < k; j++) {
      const a = slot(j);
      const b = slot(j + Math.floor(rng() * (pool - j)));
      const picked = order[b];
      order[b] = order[a];
      order[a] = picked;
      swaps[j] = b;
      out[at + j] = picked;
    }
    for (let j = k - 1; j >= 0; j--) {
      const a = slot(j);
      const b = swaps[j];
      const tmp = order[b];
      order[b] = order[a];
      order[a] = tmp;
    }
  }
}

/**
 * [B·(K+1)] indices, row-major [B, K+1]: column 0 the sample's own index, then K negatives from
 * the other classes (see ClassNegatives).
 */
export function drawClassContrastIndices(idx: Int32Array, negatives: ClassNegatives, k: number, rng: () => number, out = new Int32Array(idx.length * (k + 1))): Int32Array {
  idx.forEach((pos, b) => {
    out[b * (k + 1)] = pos;
    negatives.draw(pos, k, rng, out, b * (k + 1) + 1);
  });
  return out;
}

export interface NegativeSamplerOptions {
  nData: number;
  /** Negatives per sample. */
  k: number;
  seed: number;
  /** The class of every sample index: negatives from the other classes; absent, uniform over the other samples. */
  labels?: Int32Array;
}

/** A batch's contrast indices ([B, K+1], column 0 the sample) and how often each memory row is among each sample's negatives ([nData, B]). */
export interface DrawnNegatives {
  indices: Int32Array;
  counts: Float32Array;
}

/** The seeded stream of a memory's negatives: draws in the order asked, so a run's draws depend on its seed and batches only. */
export class NegativeSampler {
  private readonly rng: () => number;
  private readonly negatives?: ClassNegatives;

  constructor(private readonly options: NegativeSamplerOptions) {
    const { nData, k, seed, labels } = options;
    if (!(k >= 1 && k <= nData - 1)) throw new Error(`ContrastMemory: k must be in [1, ${nData - 1}], got ${k}`);
    this.rng = createRng(deriveSeed(seed, 1));
    if (labels) {
      if (labels.length !== nData) throw new Error(`ContrastMemory: labels must give the class of each of the ${nData} samples, got ${labels.length}`);
      this.negatives = new ClassNegatives(labels);
    }
  }

  /** Contrast indices for a batch: negatives from the other classes when there are labels, else uniform over the other samples. */
  draw(idx: Int32Array, out = new Int32Array(idx.length * (this.options.k + 1))): Int32Array {
    const { nData, k } = this.options;
    const bad = idx.find((i) => !(Number.isInteger(i) && i >= 0 && i < nData));
    if (bad !== undefined) throw new Error(`ContrastMemory.drawContrastIndices: index ${bad} is outside [0, ${nData})`);
    return this.negatives ? drawClassContrastIndices(idx, this.negatives, k, this.rng, out) : drawContrastIndices(idx, nData, k, this.rng, out);
  }

  /** The draw and its counts. */
  drawWithCounts(idx: Int32Array): DrawnNegatives {
    const indices = this.draw(idx);
    return { indices, counts: countNegatives(indices, idx.length, this.options.nData) };
  }
}

/**
 * P[c, b]: how often memory row c is among sample b's negatives (columns 1..K of the contrast
 * indices), [nData, B] row-major — the layout of ContrastMemory's [N, B] products.
 */
export function countNegatives(contrastIdx: Int32Array, batch: number, nData: number, out = new Float32Array(batch * nData)): Float32Array {
  const cols = contrastIdx.length / batch;
  out.fill(0);
  for (let b = 0; b < batch; b++) {
    const row = b * cols;
    for (let j = 1; j < cols; j++) out[contrastIdx[row + j] * batch + b] += 1;
  }
  return out;
}
