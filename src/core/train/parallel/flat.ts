import * as tf from '@tensorflow/tfjs-core';

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
 * One replica's gradients, in the order of its variables, and which variables the loss reached.
 * Without `rows`, `values` holds every variable's gradient end to end; with `rows`, it holds only
 * the dense variables', and `rows` the row-sparse ones' (rowSparseVariables), in variable order.
 */
export interface FlatGradients {
  values: Float32Array;
  present: boolean[];
  rows?: RowGradient[];
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

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
 * Every gradient read back once (a variable the loss did not reach counts as zeros and is marked
 * absent): the dense ones end to end in one array, the `rowSparse` ones (default none) as their
 * nonzero rows. The arrays own their buffers, so they can be handed to another thread.
 */
export function flattenGradients(variables: tf.Variable[], grads: tf.NamedTensorMap, rowSparse?: boolean[]): FlatGradients {
  const present = variables.map((v) => grads[v.name] !== undefined);
  const sparse = rowSparse ?? variables.map(() => false);
  const values = new Float32Array(variables.reduce((sum, v, i) => sum + (sparse[i] ? 0 : v.size), 0));
  const rows: RowGradient[] = [];
  let offset = 0;
  variables.forEach((v, i) => {
    const g = grads[v.name];
    if (sparse[i]) {
      const [, width = 0] = v.shape;
      rows.push(g ? nonzeroRows(g.dataSync() as Float32Array, width) : { rows: new Int32Array(0), width, values: new Float32Array(0) });
      return;
    }
    if (g) values.set(g.dataSync() as Float32Array, offset);
    offset += v.size;
  });
  return rowSparse ? { values, present, rows } : { values, present };
}

/** Σ_r weight_r · values_r, summed in the order given, so every caller gets the same bits. */
export function weightedSum(parts: { values: Float32Array; weight: number }[]): Float32Array {
  const sum = new Float32Array(parts[0]?.values.length ?? 0);
  for (const { values, weight } of parts) addWeighted(sum, values, weight);
  return sum;
}

/** sum += weight · values, value by value: one term of weightedSum. */
function addWeighted(sum: Float32Array, values: Float32Array, weight: number): void {
  const length = sum.length;
  if (values.length !== length) throw new Error(`weightedSum: expected ${length} values from every replica, got ${values.length}`);
  for (let i = 0; i < length; i++) sum[i] += weight * values[i];
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

/**
 * The replicas' gradients weighted and summed, in the order added (weightedSum, weightedRowSum),
 * with a variable present where any replica's loss reached it. The dense values are summed as each
 * replica's are added — while later replicas may still be computing theirs — the rows at the end.
 */
export class GradientSum {
  private readonly parts: { gradients: FlatGradients; weight: number }[] = [];
  private values: Float32Array | undefined;

  add(gradients: FlatGradients, weight: number): void {
    const first = this.parts[0]?.gradients;
    if (first && !first.rows !== !gradients.rows) throw new Error('averageGradients: some replicas sent rows, others not');
    if (first?.rows && gradients.rows?.length !== first.rows.length) {
      throw new Error(`averageGradients: expected ${first.rows.length} row gradients from every replica, got ${gradients.rows?.length}`);
    }
    this.values ??= new Float32Array(gradients.values.length);
    addWeighted(this.values, gradients.values, weight);
    this.parts.push({ gradients, weight });
  }

  result(): FlatGradients {
    const { parts, values } = this;
    const first = parts[0]?.gradients;
    if (!first || !values) throw new Error('averageGradients: expected at least one replica');
    const present = first.present.map((_, v) => parts.some((p) => p.gradients.present[v]));
    if (!first.rows) return { values, present };
    const rows = first.rows.map((_, k) => weightedRowSum(parts.map((p) => ({ rows: p.gradients.rows![k], weight: p.weight }))));
    return { values, present, rows };
  }
}

/** GradientSum of `parts`, in their order. */
export function averageGradients(parts: { gradients: FlatGradients; weight: number }[]): FlatGradients {
  const sum = new GradientSum();
  for (const { gradients, weight } of parts) sum.add(gradients, weight);
  return sum.result();
}

/** Every variable's gradient end to end (flattenGradients without row-sparse variables): rows written into zeroed tables. */
export function denseGradients(variables: readonly { shape: readonly number[] }[], gradients: FlatGradients, rowSparse: boolean[]): Float32Array {
  const { values, rows } = gradients;
  if (!rows) return values;
  const sizes = variables.map((v) => sizeOf(v.shape));
  const out = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  let from = 0;
  let to = 0;
  let k = 0;
  variables.forEach((v, i) => {
    if (rowSparse[i]) {
      const g = rows[k++];
      if (!g) throw new Error(`denseGradients: expected row gradients for variable ${i}, got ${rows.length} in all`);
      g.rows.forEach((r, j) => out.set(g.values.subarray(j * g.width, (j + 1) * g.width), to + r * g.width));
    } else {
      out.set(values.subarray(from, from + sizes[i]), to);
      from += sizes[i];
    }
    to += sizes[i];
  });
  if (from !== values.length || k !== rows.length) throw new Error(`denseGradients: expected ${from} dense values and ${k} row gradients, got ${values.length} and ${rows.length}`);
  return out;
}

/** Which variables `gradients` holds as rows: the `rowSparse` ones where it has rows, none where it is dense. */
export function rowsIn(gradients: FlatGradients, rowSparse: boolean[]): boolean[] {
  return gradients.rows ? rowSparse : rowSparse.map(() => false);
}

/**
 * Applies flat gradients (as flattenGradients lays them out, with `rowSparse` the variables that
 * travel as rows) with `optimizer`; absent variables get no update. A table's rows are scattered
 * into zeros on the backend: +0 + v is v, as an average (weightedRowSum) holds no −0.
 */
export function applyFlatGradients(optimizer: tf.Optimizer, variables: tf.Variable[], gradients: FlatGradients, rowSparse: boolean[]): void {
  const { values, present, rows = [] } = gradients;
  const sparse = rowsIn(gradients, rowSparse);
  const expected = variables.reduce((sum, v, i) => sum + (sparse[i] ? 0 : v.size), 0);
  const tables = sparse.filter(Boolean).length;
  if (values.length !== expected || rows.length !== tables) {
    throw new Error(`applyFlatGradients: expected ${expected} gradient values and ${tables} row gradients for ${variables.length} variables, got ${values.length} and ${rows.length}`);
  }
  tf.tidy(() => {
    const grads: tf.NamedTensorMap = {};
    let offset = 0;
    let k = 0;
    variables.forEach((v, i) => {
      if (sparse[i]) {
        const { rows: at, width, values: table } = rows[k++];
        if (!present[i]) return;
        if (width !== v.shape[1]) throw new Error(`applyFlatGradients: variable ${v.name} has rows of ${v.shape[1]} values, its gradient ${width}`);
        grads[v.name] = at.length === 0 ? tf.zeros(v.shape) : tf.scatterND(tf.tensor2d(at, [at.length, 1], 'int32'), tf.tensor2d(table, [at.length, width], 'float32'), v.shape);
        return;
      }
      if (present[i]) grads[v.name] = tf.tensor(values.subarray(offset, offset + v.size), v.shape, 'float32');
      offset += v.size;
    });
    optimizer.applyGradients(grads);
  });
}

/** Tensors' values, concatenated into one array that owns its buffer. */
export function packTensors(tensors: tf.Tensor[]): Float32Array {
  const out = new Float32Array(tensors.reduce((sum, t) => sum + t.size, 0));
  let offset = 0;
  for (const t of tensors) {
    out.set(t.dataSync() as Float32Array, offset);
    offset += t.size;
  }
  return out;
}
