// A 2-D projection of embeddings for the representations view: principal component analysis
// from ml-pca (no DOM here).
import { PCA } from 'ml-pca';

export interface Projection {
  /** [count × 2]: each sample's coordinates on the first two principal axes. */
  points: Float64Array;
  /** The share of the variance each of the two axes explains. */
  explained: [number, number];
}

/** Projects `count` rows of `dim` values (row-major) onto their first two principal components (centred, not scaled). */
export function project2d(values: Float32Array, count: number, dim: number): Projection {
  if (values.length !== count * dim) throw new Error(`expected ${count} × ${dim} values, got ${values.length}`);
  const rows = Array.from({ length: count }, (_, i) => Array.from(values.subarray(i * dim, (i + 1) * dim)));
  const points = new Float64Array(count * 2);
  if (count < 2) return { points, explained: [Number.NaN, Number.NaN] };
  const pca = new PCA(rows, { method: dim <= count ? 'covarianceMatrix' : 'SVD', center: true, scale: false });
  const projected = pca.predict(rows, { nComponents: Math.min(2, dim) }).to2DArray();
  projected.forEach((row, i) => {
    points[i * 2] = row[0] ?? 0;
    points[i * 2 + 1] = row[1] ?? 0;
  });
  const variance = pca.getExplainedVariance();
  return { points, explained: [variance[0] ?? Number.NaN, variance[1] ?? 0] };
}
