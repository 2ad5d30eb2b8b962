// Soft targets at a temperature, as KD computes them: p = softmax(z / T).

/** softmax(z / T), shifted by max(z) so large logits do not overflow. */
export function softmax(logits: readonly number[], temperature = 1): number[] {
  if (logits.length === 0) return [];
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp((z - max) / temperature));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** The k largest probabilities with their class index, largest first (ties: lower index first). */
export function topK(probabilities: readonly number[], k: number): { index: number; p: number }[] {
  return probabilities
    .map((p, index) => ({ index, p }))
    .sort((a, b) => b.p - a.p || a.index - b.index)
    .slice(0, Math.max(0, k));
}
