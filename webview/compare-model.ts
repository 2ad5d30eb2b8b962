// The comparison table's rows: runs of one config that differ only by seed are grouped, each
// model role a row, numbers as mean ± standard deviation over the seeds. Pure.
import type { DashboardCompareRun } from '../src/shared/protocol';
import { methodDescriptor } from './methods';
import type { SortDirection } from './sortable';

export interface Stat {
  mean: number;
  /** Sample standard deviation (n − 1); undefined for a single value. */
  std?: number;
  n: number;
}

export interface CompareRow {
  key: string;
  experiment: string;
  method: string;
  /** The method's parameters, e.g. `T=4, α=0.9`. */
  methodParams: string;
  role: string;
  arch: string;
  params: number;
  bytes: number;
  seeds: number[];
  /** Test accuracy of the best-validation checkpoint (the headline), over the seeds that report it. */
  test?: Stat;
  testLast?: Stat;
  best: Stat;
  last: Stat;
  agreement?: Stat;
  compression?: number;
  latencyMs: Stat;
  wallTimeSec: Stat;
  runDirs: string[];
}

export function meanStd(values: readonly number[]): Stat {
  const n = values.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : NaN;
  if (n < 2) return { mean, n };
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1);
  return { mean, std: Math.sqrt(variance), n };
}

/** JSON with sorted keys: two configs that differ only in key order are the same config. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Runs are seeds of one config when their configs are equal apart from `seed`. */
export function configKey(run: DashboardCompareRun): string {
  if (!run.config || typeof run.config !== 'object') return `run:${run.runDir}`;
  const { seed: _seed, ...rest } = run.config as Record<string, unknown>;
  return stableStringify(rest);
}

export function methodParamsText(config: unknown): string {
  const method = (config as { method?: Record<string, unknown> } | undefined)?.method;
  if (!method || typeof method.name !== 'string') return '';
  const descriptor = methodDescriptor(method.name);
  return Object.entries(method)
    .filter(([key, value]) => key !== 'name' && value !== undefined && typeof value !== 'object')
    .map(([key, value]) => `${descriptor?.params.find((p) => p.key === key)?.symbol ?? key}=${String(value)}`)
    .join(', ');
}

export function compareRows(runs: readonly DashboardCompareRun[]): CompareRow[] {
  const groups = new Map<string, DashboardCompareRun[]>();
  for (const run of runs) {
    const key = configKey(run);
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const rows: CompareRow[] = [];
  for (const [key, members] of groups) {
    const first = members[0];
    const roles = [...new Set(members.flatMap((run) => run.summary.models.map((m) => m.role)))];
    for (const role of roles) {
      const entries = members.flatMap((run) => run.summary.models.filter((m) => m.role === role).map((model) => ({ run, model })));
      const model = entries[0].model;
      const present = (values: (number | undefined)[]) => values.filter((v): v is number => v !== undefined);
      const agreements = present(entries.map((e) => e.model.agreement));
      const tests = present(entries.map((e) => e.model.testAccuracy));
      const testsLast = present(entries.map((e) => e.model.testAccuracyLast));
      rows.push({
        key: `${key}|${role}`,
        experiment: first.summary.experiment || first.experiment,
        method: first.summary.method,
        methodParams: methodParamsText(first.config),
        role,
        arch: model.arch,
        params: model.params,
        bytes: model.bytes,
        seeds: entries.map((e) => e.run.summary.seed),
        ...(tests.length ? { test: meanStd(tests) } : {}),
        ...(testsLast.length ? { testLast: meanStd(testsLast) } : {}),
        best: meanStd(entries.map((e) => e.model.bestValAccuracy)),
        last: meanStd(entries.map((e) => e.model.lastValAccuracy)),
        ...(agreements.length ? { agreement: meanStd(agreements) } : {}),
        ...(model.compression !== undefined ? { compression: model.compression } : {}),
        latencyMs: meanStd(entries.map((e) => e.model.latencyMs)),
        wallTimeSec: meanStd(entries.map((e) => e.model.wallTimeSec)),
        runDirs: entries.map((e) => e.run.runDir),
      });
    }
  }
  return rows;
}

export interface Column {
  key: string;
  label: string;
  title: string;
  numeric: boolean;
  value(row: CompareRow): string | number | undefined;
}

export const COLUMNS: Column[] = [
  { key: 'experiment', label: 'Experiment', title: 'Experiment name', numeric: false, value: (r) => r.experiment },
  { key: 'method', label: 'Method', title: 'Method and its parameters', numeric: false, value: (r) => `${r.method} ${r.methodParams}` },
  { key: 'role', label: 'Model', title: 'Model role in the run, and its architecture', numeric: false, value: (r) => `${r.role} ${r.arch}` },
  { key: 'params', label: 'Params', title: 'Trainable parameters', numeric: true, value: (r) => r.params },
  { key: 'bytes', label: 'Size', title: 'Weights in bytes', numeric: true, value: (r) => r.bytes },
  { key: 'test', label: 'Test acc', title: 'Test accuracy of the best-validation checkpoint, the headline figure (mean ± s.d. over seeds)', numeric: true, value: (r) => r.test?.mean },
  { key: 'testLast', label: 'Test acc (last)', title: 'Test accuracy after the last epoch (mean ± s.d. over seeds)', numeric: true, value: (r) => r.testLast?.mean },
  { key: 'best', label: 'Best val acc', title: 'Best validation accuracy over the epochs (mean ± s.d. over seeds)', numeric: true, value: (r) => r.best.mean },
  { key: 'last', label: 'Last val acc', title: 'Validation accuracy after the last epoch (mean ± s.d. over seeds)', numeric: true, value: (r) => r.last.mean },
  { key: 'seeds', label: 'Seeds', title: 'Runs of this config with different seeds', numeric: true, value: (r) => r.seeds.length },
  { key: 'agreement', label: 'Agreement', title: 'Top-1 agreement with the teacher on validation', numeric: true, value: (r) => r.agreement?.mean },
  { key: 'compression', label: 'Compression', title: 'Teacher parameters / this model’s parameters', numeric: true, value: (r) => r.compression },
  { key: 'latency', label: 'Latency', title: 'Forward pass of one sample, batch 1 (mean over seeds)', numeric: true, value: (r) => r.latencyMs.mean },
  { key: 'wall', label: 'Wall time', title: 'Training time of this model (mean over seeds)', numeric: true, value: (r) => r.wallTimeSec.mean },
];

export type { SortDirection };

/** Stable sort by a column; rows without a value go last in both directions. */
export function sortRows(rows: readonly CompareRow[], columnKey: string, direction: SortDirection): CompareRow[] {
  const column = COLUMNS.find((c) => c.key === columnKey);
  if (!column) return [...rows];
  const sign = direction === 'ascending' ? 1 : -1;
  return rows
    .map((row, i) => ({ row, i, v: column.value(row) }))
    .sort((a, b) => {
      if (a.v === undefined || b.v === undefined) return a.v === b.v ? a.i - b.i : a.v === undefined ? 1 : -1;
      const order = column.numeric ? (a.v as number) - (b.v as number) : String(a.v).localeCompare(String(b.v));
      return sign * order || a.i - b.i;
    })
    .map((x) => x.row);
}

/** What the chart plots: test accuracy where the runs report it, else (runs from before test was kept apart) best validation accuracy. */
export function headlineStat(row: CompareRow): Stat {
  return row.test ?? row.best;
}
