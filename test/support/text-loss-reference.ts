// The text methods' losses written out in float64 on nested arrays, from their reference code, for
// the loss tests to compare the engine against — each computed another way than the engine does
// (padding dropped by selecting, not by weights or masked logits).
import { values } from './wasm-tensors';

export type Nested = number | Nested[];
export type T2 = number[][];
export type T3 = number[][][];
export type T4 = number[][][][];

/** Deterministic values in [offset − spread, offset + spread), nested to `shape`. */
export function seededArray(shape: number[], seed: number, spread = 1, offset = 0): Nested[] {
  const flat = Array.from(
    values(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    (v) => v * spread + offset,
  );
  const build = (dims: number[], start: number): Nested[] => {
    const [n, ...rest] = dims;
    const size = rest.reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, i) => (rest.length ? build(rest, start + i * size) : flat[start + i]));
  };
  return build(shape, 0);
}

const flatten = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flatten) : [x]);

function withFlat<T extends Nested>(x: T, flat: number[]): T {
  let i = 0;
  const fill = (y: Nested): Nested => (Array.isArray(y) ? y.map(fill) : flat[i++]);
  return fill(x) as T;
}

/** ∂f/∂x by central differences in float64, for every entry of x, in x's shape. */
export function centralDifferences<T extends Nested>(f: (x: T) => number, x: T, h = 1e-6): T {
  const base = flatten(x);
  const grad = base.map((_, i) => {
    const shifted = (delta: number) =>
      withFlat(
        x,
        base.map((v, j) => (j === i ? v + delta : v)),
      );
    return (f(shifted(h)) - f(shifted(-h))) / (2 * h);
  });
  return withFlat(x, grad);
}

/** Largest |a − b| / max(1, |b|) over two arrays of one shape. */
export function maxRelativeError(a: Nested, b: Nested): number {
  const fa = flatten(a);
  const fb = flatten(b);
  if (fa.length !== fb.length) throw new Error(`shapes differ: ${fa.length} vs ${fb.length} entries`);
  return fa.reduce((m, v, i) => Math.max(m, Math.abs(v - fb[i]) / Math.max(1, Math.abs(fb[i]))), 0);
}

const mean = (xs: number[]) => xs.reduce((a, v) => a + v, 0) / xs.length;
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

/** Hugging Face distiller.py: masked_select the kept tokens, CosineEmbeddingLoss(target 1, mean), ε = 1e-12. */
export function distilBertCosine(hs: T3, ht: T3, mask: T2): number {
  const terms: number[] = [];
  hs.forEach((seq, b) =>
    seq.forEach((s, t) => {
      if (mask[b][t] !== 1) return;
      const u = ht[b][t];
      terms.push(1 - dot(s, u) / Math.sqrt((dot(s, s) + 1e-12) * (dot(u, u) + 1e-12)));
    }),
  );
  return mean(terms);
}

function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}

/** nn.KLDivLoss(reduction='batchmean')(log_softmax(z_s/T), softmax(z_t/T))·T², as distiller.py. */
export function klBatchmean(zs: T2, zt: T2, T: number): number {
  const total = zs.reduce((acc, row, b) => {
    const logQ = logSoftmax(row.map((v) => v / T));
    const logP = logSoftmax(zt[b].map((v) => v / T));
    return acc + logP.reduce((a, lp, c) => a + Math.exp(lp) * (lp - logQ[c]), 0);
  }, 0);
  return (total / zs.length) * T * T;
}

/** Mean over the batch of −log softmax(z)[y]. */
export function crossEntropyRef(z: T2, labels: number[]): number {
  return mean(z.map((row, b) => -logSoftmax(row)[labels[b]]));
}

/** F.mse_loss over every entry. */
export function mseRef(a: Nested, b: Nested): number {
  const fb = flatten(b);
  return mean(flatten(a).map((v, i) => (v - fb[i]) ** 2));
}

/**
 * TinyBERT task_distill.py's att_loss: per layer, entries ≤ −1e2 set to 0 in both, then MSE over
 * every entry; summed over layers. Here the mask is turned into BERT's additive −10000 on the keys
 * first, as the reference's scores carry it.
 */
export function tinyBertAttention(student: T4[], teacher: T4[], mask: T2): number {
  const withAdditiveMask = (scores: T4): T4 => scores.map((heads, b) => heads.map((rows) => rows.map((row) => row.map((v, k) => v + (mask[b][k] === 1 ? 0 : -10000)))));
  const zeroMasked = (scores: T4): T4 => scores.map((heads) => heads.map((rows) => rows.map((row) => row.map((v) => (v <= -1e2 ? 0 : v)))));
  return student.reduce((acc, s, l) => acc + mseRef(zeroMasked(withAdditiveMask(s)), zeroMasked(withAdditiveMask(teacher[l]))), 0);
}

/**
 * MiniLM's KL as the Bloomberg MiniLM-v2 code: per sample, the [kept, kept] block of each head,
 * softmax over kept keys, KL(teacher ‖ student) summed over heads and kept queries, divided by
 * heads × kept tokens; then the mean over the batch. Kept tokens are selected (any 0/1 mask).
 */
export function minilmKl(teacherLogits: T4, studentLogits: T4, mask: T2): number {
  return mean(
    teacherLogits.map((heads, b) => {
      const kept = mask[b].flatMap((m, i) => (m === 1 ? [i] : []));
      let total = 0;
      heads.forEach((rows, a) =>
        kept.forEach((q) => {
          const logP = logSoftmax(kept.map((k) => rows[q][k]));
          const logQ = logSoftmax(kept.map((k) => studentLogits[b][a][q][k]));
          total += logP.reduce((s, lp, i) => s + Math.exp(lp) * (lp - logQ[i]), 0);
        }),
      );
      return total / (heads.length * kept.length);
    }),
  );
}

/**
 * Value relations V·Vᵀ/√d per (relation) head from values [B][heads][L][d_k]; with `relationHeads`
 * R, token t's relation vector r is entries r·w … (r+1)·w − 1 of the heads' values concatenated
 * (w = heads·d_k/R), as MiniLM-v2's concatenate-and-split.
 */
export function valueRelations(values: T4, relationHeads?: number): T4 {
  return values.map((heads) => {
    const tokens = heads[0].length;
    const concat = Array.from({ length: tokens }, (_, t) => heads.flatMap((h) => h[t]));
    const r = relationHeads ?? heads.length;
    const w = concat[0].length / r;
    return Array.from({ length: r }, (_, a) => {
      const vec = concat.map((c) => c.slice(a * w, (a + 1) * w));
      return vec.map((u) => vec.map((v) => dot(u, v) / Math.sqrt(w)));
    });
  });
}
