// An embedding table's gradient as the rows a shard touched: which variables travel so, the rows
// a gradient holds, and their weighted sum over the replicas (flat.ts lays out the rest).

/**
 * A 2-D variable's gradient as the rows that can be nonzero: `rows` ascending, each row's `width`
 * values laid end to end in `values`. Every other row of the table is zero.
 */
export interface RowGradient {
  rows: Int32Array;
  width: number;
  values: Float32Array;
}

/**
 * Which variables travel as rows: tall 2-D tables — an embedding table, vocabulary × width — whose
 * gradient from a batch is nonzero only on the rows of the ids it contains (a scatter of the
 * output's gradient into them). Any 2-D gradient gives the same sums as rows (averageGradients),
 * so the shape only picks where sending rows pays; a dense kernel this tall is exact, just not faster.
 */
export function rowSparseVariables(variables: readonly { shape: readonly number[] }[]): boolean[] {
  return variables.map(({ shape }) => shape.length === 2 && shape[0] >= 256 && shape[0] >= 8 * shape[1]);
}

/** The rows of a [height, width] array with any value ≠ 0 (NaN included), and their values. */
export function nonzeroRows(data: Float32Array, width: number): RowGradient {
  const height = width === 0 ? 0 : data.length / width;
  // The bits: a row is zero when every value is +0 or −0, all bits but the sign's clear (NaN has its exponent's set).
  const bits = new Int32Array(data.buffer, data.byteOffset, data.length);
  const rows: number[] = [];
  for (let r = 0; r < height; r++) {
    let any = 0;
    for (let i = r * width, end = i + width; i < end; i++) any |= bits[i];
    if ((any & 0x7fffffff) !== 0) rows.push(r);
  }
  const values = new Float32Array(rows.length * width);
  rows.forEach((r, k) => values.set(data.subarray(r * width, (r + 1) * width), k * width));
  return { rows: Int32Array.from(rows), width, values };
}

/**
 * weightedSum of row gradients: for each row any part sends, Σ_r weight_r · row_r over the parts
 * that send it, in the order given. The same bits as weightedSum of the dense tables: a dense
 * sum starts at +0 and only ever adds, so it never holds −0 (x + y is −0 only when both are); a
 * part that does not send a row holds ±0 there, and adding weight · ±0 (±0) to a value that is
 * not −0 leaves it as it is. So leaving those parts out changes no bit, and the rows that no
 * part sends stay +0, as the dense sum leaves them. Nor does this sum hold −0, for the same reason.
 */
export function weightedRowSum(parts: { rows: RowGradient; weight: number }[]): RowGradient {
  const width = parts[0]?.rows.width ?? 0;
  let height = 0;
  for (const { rows } of parts) {
    if (rows.width !== width) throw new Error(`weightedRowSum: expected rows of ${width} values from every replica, got ${rows.width}`);
    if (rows.values.length !== rows.rows.length * width) throw new Error(`weightedRowSum: ${rows.rows.length} rows of ${width} need ${rows.rows.length * width} values, got ${rows.values.length}`);
    if (rows.rows.length > 0) height = Math.max(height, rows.rows[rows.rows.length - 1] + 1);
  }
  // at[row]: the row's place in the sum, −1 where no part sends it.
  const at = new Int32Array(height).fill(-1);
  for (const { rows } of parts) for (const r of rows.rows) at[r] = 0;
  const union: number[] = [];
  for (let r = 0; r < height; r++) if (at[r] === 0) at[r] = union.push(r) - 1;
  const values = new Float32Array(union.length * width);
  for (const { rows, weight } of parts) {
    rows.rows.forEach((r, k) => {
      const to = at[r] * width;
      const from = k * width;
      for (let j = 0; j < width; j++) values[to + j] += weight * rows.values[from + j];
    });
  }
  return { rows: Int32Array.from(union), width, values };
}
