import * as tf from '@tensorflow/tfjs-core';
import { nonzeroRows, weightedRowSum, type RowGradient } from './rows';

/**
 * One replica's gradients, in the order of its variables, and which variables the loss reached.
 * Without `rows`, `values` holds every variable's gradient end to end; with `rows`, it holds only
 * the dense variables', and `rows` the row-sparse ones' (rows.ts), in variable order.
 */
export interface FlatGradients {
  values: Float32Array;
  present: boolean[];
  rows?: RowGradient[];
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

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
