// A plain float64 BERT encoder, written from the paper and Hugging Face's modeling_bert.py (not
// from the model under test), to check the zoo's transformer against: embeddings, post-LN blocks
// of masked multi-head attention and erf-GELU feed-forward, the tanh pooler and a linear head.

export type Matrix = number[][];

/** A weight as [rows][cols] (a dense kernel is [in][out]) or a vector. */
export interface BertWeights {
  word: Matrix;
  position: Matrix;
  embLn: { gamma: number[]; beta: number[] };
  layers: {
    query: Dense;
    key: Dense;
    value: Dense;
    attnOut: Dense;
    attnLn: { gamma: number[]; beta: number[] };
    inter: Dense;
    out: Dense;
    outLn: { gamma: number[]; beta: number[] };
  }[];
  pooler: Dense;
  head: Dense;
}

export interface Dense {
  kernel: Matrix;
  bias: number[];
}

export interface BertTrace {
  mask: number[];
  embeddingOutput: Matrix;
  hidden: Matrix[];
  /** [layer][head][i][j]: q_i·k_j/√d + (1 − mask_j)·(−10000). */
  scores: number[][][][];
  probs: number[][][][];
  /** [layer][head][j][c]. */
  values: number[][][][];
  pooled: number[];
  logits: number[];
}

/** erf by its Maclaurin series (float64-exact well beyond float32 for |x| < 4), ±1 beyond. */
export function erf(x: number): number {
  if (Math.abs(x) >= 4) return Math.sign(x) * (1 - 1.541725790028002e-8);
  let sum = 0;
  let term = x;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

export const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

function dense(x: Matrix, w: Dense): Matrix {
  return x.map((row) => w.bias.map((b, o) => row.reduce((s, v, i) => s + v * w.kernel[i][o], b)));
}

function layerNorm(x: Matrix, ln: { gamma: number[]; beta: number[] }, eps: number): Matrix {
  return x.map((row) => {
    const mean = row.reduce((a, b) => a + b, 0) / row.length;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length;
    return row.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * ln.gamma[i] + ln.beta[i]);
  });
}

const add = (a: Matrix, b: Matrix) => a.map((row, i) => row.map((v, j) => v + b[i][j]));

/** One sequence of token ids through the encoder, inference mode (no dropout). */
export function bertForward(ids: number[], w: BertWeights, heads: number, eps = 1e-12): BertTrace {
  const length = ids.length;
  const mask = ids.map((id) => (id !== 0 ? 1 : 0));
  const embeddingOutput = layerNorm(
    ids.map((id, p) => w.word[id].map((v, c) => v + w.position[p][c])),
    w.embLn,
    eps,
  );
  const trace: BertTrace = { mask, embeddingOutput, hidden: [], scores: [], probs: [], values: [], pooled: [], logits: [] };
  let h = embeddingOutput;
  for (const layer of w.layers) {
    const hidden = h[0].length;
    const d = hidden / heads;
    const [q, k, v] = [layer.query, layer.key, layer.value].map((p) => dense(h, p));
    const context: Matrix = Array.from({ length }, () => new Array(hidden).fill(0));
    const layerScores: number[][][] = [];
    const layerProbs: number[][][] = [];
    const layerValues: number[][][] = [];
    for (let head = 0; head < heads; head++) {
      const cols = Array.from({ length: d }, (_, c) => head * d + c);
      const scores = q.map((qi) => k.map((kj, j) => cols.reduce((s, c) => s + qi[c] * kj[c], 0) / Math.sqrt(d) + (1 - mask[j]) * -10000));
      const probs = scores.map((row) => {
        const max = Math.max(...row);
        const e = row.map((s) => Math.exp(s - max));
        const z = e.reduce((a, b) => a + b, 0);
        return e.map((x) => x / z);
      });
      probs.forEach((row, i) => cols.forEach((c) => (context[i][c] = row.reduce((s, p, j) => s + p * v[j][c], 0))));
      layerScores.push(scores);
      layerProbs.push(probs);
      layerValues.push(v.map((row) => cols.map((c) => row[c])));
    }
    const attended = layerNorm(add(dense(context, layer.attnOut), h), layer.attnLn, eps);
    const inner = dense(attended, layer.inter).map((row) => row.map(gelu));
    h = layerNorm(add(dense(inner, layer.out), attended), layer.outLn, eps);
    trace.hidden.push(h);
    trace.scores.push(layerScores);
    trace.probs.push(layerProbs);
    trace.values.push(layerValues);
  }
  trace.pooled = dense([h[0]], w.pooler)[0].map(Math.tanh);
  trace.logits = dense([trace.pooled], w.head)[0];
  return trace;
}
