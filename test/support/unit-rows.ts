import { createRng } from '../../src/core/data/rng';

/** `rows` seeded random unit vectors of `dim` entries, as embeddings and memory rows are. */
export function unitRows(rows: number, dim: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: rows }, () => {
    const row = Array.from({ length: dim }, () => 2 * rng() - 1);
    const norm = Math.hypot(...row);
    return row.map((x) => x / norm);
  });
}
