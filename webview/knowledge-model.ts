// What the knowledge views compute from a run's stored validation logits (no DOM here):
// soft targets per true class, entropy against temperature, calibration, confusions, and the
// samples distillation moved towards (or away from) the teacher.

/** A model's validation logits, row-major [count × classes]. */
export interface Logits {
  values: Float32Array;
  classes: number;
}

export const rowCount = (logits: Logits) => logits.values.length / logits.classes;

/** softmax(z / T) of row `i` into `out` (shifted by the row's max, so large logits cannot overflow). */
function softRow(logits: Logits, i: number, temperature: number, out: Float64Array): Float64Array {
  const { values, classes } = logits;
  const offset = i * classes;
  let max = -Infinity;
  for (let c = 0; c < classes; c++) max = Math.max(max, values[offset + c]);
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += out[c] = Math.exp((values[offset + c] - max) / temperature);
  for (let c = 0; c < classes; c++) out[c] /= sum;
  return out;
}

/** Predicted class of every row (argmax; independent of T). */
export function predictions(logits: Logits): Int32Array {
  const { values, classes } = logits;
  const out = new Int32Array(rowCount(logits));
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (values[i * classes + c] > values[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}

/**
 * The mean soft target per true class at temperature T, [classes × classes] row-major: row c is
 * the mean of softmax(z / T) over the samples labelled c (NaN where a class has no samples).
 */
export function softTargetMatrix(logits: Logits, labels: Int32Array, temperature: number): Float64Array {
  const C = logits.classes;
  const sums = new Float64Array(C * C);
  const counts = new Float64Array(C);
  const p = new Float64Array(C);
  for (let i = 0; i < labels.length; i++) {
    softRow(logits, i, temperature, p);
    const y = labels[i];
    counts[y]++;
    for (let c = 0; c < C; c++) sums[y * C + c] += p[c];
  }
  return sums.map((s, k) => (counts[Math.floor(k / C)] ? s / counts[Math.floor(k / C)] : Number.NaN));
}

/** a − b, element by element. */
export function difference(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, k) => v - b[k]);
}

/** Shannon entropy of a distribution, in bits (0 · log 0 = 0). */
export function entropyBits(p: ArrayLike<number>): number {
  let h = 0;
  for (let c = 0; c < p.length; c++) if (p[c] > 0) h -= p[c] * Math.log2(p[c]);
  return h;
}

/** The mean entropy (bits) of softmax(z / T) over every row, at each temperature. */
export function entropyCurve(logits: Logits, temperatures: readonly number[]): number[] {
  const n = rowCount(logits);
  const p = new Float64Array(logits.classes);
  return temperatures.map((T) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += entropyBits(softRow(logits, i, T, p));
    return n ? sum / n : Number.NaN;
  });
}

/** T = 1, 2, …, 20: the range the entropy view draws. */
export const ENTROPY_TEMPERATURES = Array.from({ length: 20 }, (_, i) => i + 1);

export interface ReliabilityBin {
  /** (lower, upper]: the bin's confidence interval (the first bin includes 0). */
  lower: number;
  upper: number;
  count: number;
  /** Mean top-1 probability and accuracy of its samples (NaN when empty). */
  confidence: number;
  accuracy: number;
}

export interface Calibration {
  bins: ReliabilityBin[];
  /** Expected calibration error: Σ_b (n_b / N) · |accuracy_b − confidence_b|. */
  ece: number;
  accuracy: number;
}

/** Reliability diagram and ECE (Guo et al. 2017) of the top-1 probability at T = 1, in `bins` equal bins. */
export function calibration(logits: Logits, labels: Int32Array, bins = 15): Calibration {
  const count = new Float64Array(bins);
  const confidence = new Float64Array(bins);
  const correct = new Float64Array(bins);
  const p = new Float64Array(logits.classes);
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    softRow(logits, i, 1, p);
    let top = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[top]) top = c;
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(p[top] * bins) - 1));
    count[b]++;
    confidence[b] += p[top];
    if (top === labels[i]) {
      correct[b]++;
      right++;
    }
  }
  const n = labels.length;
  let ece = 0;
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const meanConfidence = count[b] ? confidence[b] / count[b] : Number.NaN;
    const accuracy = count[b] ? correct[b] / count[b] : Number.NaN;
    if (count[b]) ece += (count[b] / n) * Math.abs(accuracy - meanConfidence);
    out.push({ lower: b / bins, upper: (b + 1) / bins, count: count[b], confidence: meanConfidence, accuracy });
  }
  return { bins: out, ece, accuracy: n ? right / n : Number.NaN };
}

/** Counts [true class × predicted class], row-major. */
export function confusionMatrix(predicted: Int32Array, labels: Int32Array, classes: number): Float64Array {
  const out = new Float64Array(classes * classes);
  for (let i = 0; i < labels.length; i++) out[labels[i] * classes + predicted[i]]++;
  return out;
}

/** Each row divided by its sum (NaN for an empty row): the fraction of class c predicted as each class. */
export function rowNormalised(matrix: Float64Array, classes: number): Float64Array {
  const out = new Float64Array(matrix.length);
  for (let r = 0; r < classes; r++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += matrix[r * classes + c];
    for (let c = 0; c < classes; c++) out[r * classes + c] = sum ? matrix[r * classes + c] / sum : Number.NaN;
  }
  return out;
}

export interface AgreementFlips {
  /** The distilled student predicts the teacher's class; the scratch student did not. */
  gained: number[];
  /** The scratch student predicted the teacher's class; the distilled student does not. */
  lost: number[];
}

/** Sample indices where agreement with the teacher differs between the distilled and the scratch student. */
export function agreementFlips(teacher: Int32Array, scratch: Int32Array, distilled: Int32Array): AgreementFlips {
  const gained: number[] = [];
  const lost: number[] = [];
  for (let i = 0; i < teacher.length; i++) {
    const now = distilled[i] === teacher[i];
    const before = scratch[i] === teacher[i];
    if (now && !before) gained.push(i);
    else if (before && !now) lost.push(i);
  }
  return { gained, lost };
}
