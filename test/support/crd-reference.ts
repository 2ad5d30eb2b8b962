// CRD's NCE objective written out in float64 from RepDistiller (`crd/criterion.py`, `crd/memory.py`),
// for the tests to compare the engine against: h = exp(v·m/τ)/Z, noise c = K/N, ε = 1e-7.

const EPS = 1e-7;
const dot = (a: number[], b: number[]) => a.reduce((s, x, d) => s + x * b[d], 0);

export interface CrdSetting {
  nData: number;
  k: number;
  tau: number;
}

/** −(1/B)·Σ_b[log(h⁺/(h⁺+c+ε)) + Σ_k log(c/(h⁻_k+c+ε))] over rows [pos, ...negatives], with Z fixed. */
export function nceReferenceLoss(v: number[][], bank: number[][], rows: number[][], z: number, { nData, k, tau }: CrdSetting): number {
  const c = k / nData;
  return (
    -rows.reduce((acc, [pos, ...neg], b) => {
      const h = (m: number) => Math.exp(dot(v[b], bank[m]) / tau) / z;
      return acc + Math.log(h(pos) / (h(pos) + c + EPS)) + neg.reduce((a, m) => a + Math.log(c / (h(m) + c + EPS)), 0);
    }, 0) / rows.length
  );
}

/** Z = N·mean of exp(v·m/τ) over the first batch's K+1 scores per row (RepDistiller sets it once). */
export function firstNormalizer(v: number[][], bank: number[][], rows: number[][], { nData, tau }: Pick<CrdSetting, 'nData' | 'tau'>): number {
  return (rows.reduce((s, r, b) => s + r.reduce((a, m) => a + Math.exp(dot(v[b], bank[m]) / tau), 0), 0) / rows.flat().length) * nData;
}

/** ∂f/∂v[b][d] by central differences in float64. */
export function centralDifference(f: (v: number[][]) => number, v: number[][], b: number, d: number, h = 1e-6): number {
  const shifted = (delta: number) => v.map((r, i) => r.map((x, e) => (i === b && e === d ? x + delta : x)));
  return (f(shifted(h)) - f(shifted(-h))) / (2 * h);
}
