// Plain-text tables of run summaries (the CLI prints them; no TensorFlow, no vscode).
import { basename } from 'node:path';
import type { ModelSummary, RunSummary } from './protocol';
import type { ListedRun } from './run-folder';

import { formatBytes, formatCount, percent as percentOf } from './format';

const percent = (value: number | undefined) => percentOf(value, 2);

/** Text columns (the first `leftColumns`) align left, numbers right. */
export function renderTable(header: string[], rows: string[][], leftColumns: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function modelRow(model: ModelSummary, run: string | undefined): string[] {
  return [
    ...(run !== undefined ? [run] : []),
    model.role,
    model.arch,
    formatCount(model.params),
    formatBytes(model.bytes),
    percent(model.testAccuracy),
    percent(model.testAccuracyLast),
    // Epoch 0: a loaded teacher or an evaluated ensemble, never trained here. "ep 7/20": best at epoch 7 of the 20 trained.
    model.bestEpoch > 0 ? `${percent(model.bestValAccuracy)} (ep ${model.bestEpoch}${model.epochs !== undefined ? `/${model.epochs}` : ''})` : percent(model.bestValAccuracy),
    percent(model.lastValAccuracy),
    model.agreement === undefined ? '—' : percent(model.agreement),
    model.compression === undefined ? '—' : `${model.compression.toFixed(1)}×`,
    `${model.latencyMs.toFixed(2)} ms`,
    `${model.wallTimeSec.toFixed(1)} s`,
  ];
}

/** Test accuracy of the best-validation checkpoint is the headline; validation chose that checkpoint and is shown beside it. */
const COLUMNS = ['model', 'arch', 'params', 'size', 'test acc', 'test acc (last)', 'best val acc', 'last val acc', 'agreement', 'compression', 'latency', 'wall time'];

const BASELINE_ROLE = 'student-scratch';
const isStudentStage = (role: string) => role === 'student' || (role.startsWith('student-') && role !== BASELINE_ROLE);

/**
 * The student's epochs when it trained in several stages (FitNets' hint pre-training, TinyBERT),
 * beside the baseline's: "student-hint 4 ep + student 16 ep = 20 ep; baseline student-scratch 20 ep".
 * Undefined for a student of one stage, or rows without epochs.
 */
export function studentBudget(models: ModelSummary[]): string | undefined {
  const stages = models.filter((m) => isStudentStage(m.role));
  if (stages.length < 2 || stages.some((m) => m.epochs === undefined)) return undefined;
  const total = stages.reduce((sum, m) => sum + m.epochs!, 0);
  const baseline = models.find((m) => m.role === BASELINE_ROLE)?.epochs;
  return `${stages.map((m) => `${m.role} ${m.epochs} ep`).join(' + ')} = ${total} ep${baseline !== undefined ? `; baseline ${BASELINE_ROLE} ${baseline} ep` : ''}`;
}

/** One run: a row per model it trained. */
export function summaryTable(summary: RunSummary): string {
  const title = `${summary.experiment} · method ${summary.method} · ${summary.dataset} · backend ${summary.backend} · seed ${summary.seed} · ${summary.wallTimeSec.toFixed(1)} s`;
  const budget = studentBudget(summary.models);
  return `${title}\n${renderTable(
    COLUMNS,
    summary.models.map((m) => modelRow(m, undefined)),
    2,
  )}${budget ? `\nstudent budget: ${budget}` : ''}`;
}

/** A listed run as a comparison shows it, labelled `experiment/run-id`. */
export function comparedRun(run: ListedRun): ComparedRun {
  const id = `${run.experiment}/${run.id}`;
  if (run.kind === 'damaged') return { id, status: 'damaged', damage: `${basename(run.damage.path)}: ${run.damage.reason}` };
  return { id, status: run.record.status, summary: run.summary };
}

export interface ComparedRun {
  id: string;
  status: string;
  summary?: RunSummary;
  /** Which file cannot be read, and why. */
  damage?: string;
}

/** Several runs: a row per model, labelled with its run; a damaged run gets one row saying why. */
export function comparisonTable(runs: ComparedRun[]): string {
  const rows = runs.flatMap(({ id, status, summary, damage }) => {
    const label = `${id} [${summary?.method ?? '?'}${status === 'completed' ? '' : `, ${status}`}]`;
    const alone = (text: string) => [[label, text, ...COLUMNS.slice(1).map(() => '')]];
    if (damage) return alone(`(damaged: ${damage})`);
    if (!summary || summary.models.length === 0) return alone('(no models yet)');
    return summary.models.map((m) => modelRow(m, label));
  });
  const budgets = runs.flatMap(({ id, summary }) => {
    const budget = summary && studentBudget(summary.models);
    return budget ? [`student budget of ${id}: ${budget}`] : [];
  });
  return [renderTable(['run', ...COLUMNS], rows, 3), ...budgets].join('\n');
}
