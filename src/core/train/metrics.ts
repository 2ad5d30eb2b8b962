// Metrics on logits held as plain arrays ([n × classes], row-major): no tensors, no backend.

function topIndices(row: Float32Array, k: number): number[] {
  return Array.from(row.keys())
    .sort((a, b) => row[b] - row[a])
    .slice(0, k);
}

function rows(logits: Float32Array, classes: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < logits.length; i += classes) out.push(logits.subarray(i, i + classes));
  return out;
}

/** Fraction of samples whose label is among the k largest logits. */
export function topKAccuracy(logits: Float32Array, labels: Int32Array, classes: number, k: number): number {
  const all = rows(logits, classes);
  let hits = 0;
  all.forEach((row, i) => {
    if (topIndices(row, k).includes(labels[i])) hits++;
  });
  return all.length ? hits / all.length : 0;
}

export function argmaxRows(logits: Float32Array, classes: number): Int32Array {
  return Int32Array.from(rows(logits, classes), (row) => topIndices(row, 1)[0]);
}

/** Fraction of samples on which two models predict the same class. */
export function agreement(a: Float32Array, b: Float32Array, classes: number): number {
  const pa = argmaxRows(a, classes);
  const pb = argmaxRows(b, classes);
  let same = 0;
  pa.forEach((c, i) => (same += c === pb[i] ? 1 : 0));
  return pa.length ? same / pa.length : 0;
}

export function softmax(row: ArrayLike<number>, temperature = 1): number[] {
  const scaled = Array.from(row, (v) => v / temperature);
  const max = Math.max(...scaled);
  const exps = scaled.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Mean over samples of KL(softmax(target) ‖ softmax(logits)) at T = 1. */
export function meanKl(target: Float32Array, logits: Float32Array, classes: number): number {
  const t = rows(target, classes);
  const s = rows(logits, classes);
  let total = 0;
  t.forEach((row, i) => {
    const p = softmax(row);
    const q = softmax(s[i]);
    p.forEach((pi, c) => (total += pi > 0 ? pi * (Math.log(pi) - Math.log(q[c])) : 0));
  });
  return t.length ? total / t.length : 0;
}
