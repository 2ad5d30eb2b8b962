// The study view's data: the table's columns, how each cell reads and sorts, and the members'
// progress. Pure. Figures are the host's (src/host/dashboard/study-data.ts, from the CLI's own
// table); null is "no figure".
import type { DashboardMemberStatus, DashboardStudyMember, DashboardStudyRow } from '../src/shared/protocol';
import type { SortableColumn, SortDirection } from './sortable';

export interface StudyColumn extends SortableColumn {
  /** What the column sorts by; null sorts last either way. */
  value(row: DashboardStudyRow): number | string | null;
}

export const STUDY_COLUMNS: StudyColumn[] = [
  { key: 'label', label: 'Method', title: 'The method and the swept values of the row', numeric: false, value: (r) => r.label },
  { key: 'seeds', label: 'Seeds', title: 'Members with a test accuracy, of the row’s members', numeric: true, value: (r) => r.completed },
  { key: 'test', label: 'Test acc', title: 'Test accuracy (best-validation checkpoint), mean ± sample s.d. over seeds', numeric: true, value: (r) => r.testMean },
  {
    key: 'delta',
    label: 'Δ vs scratch [95% CI]',
    title: 'Test accuracy minus the scratch baseline of the same seed, in percentage points, with the 95 % interval of the paired difference (Student’s t); * where it excludes 0',
    numeric: true,
    value: (r) => r.delta?.mean ?? null,
  },
  { key: 'best', label: 'Best val', title: 'Best validation accuracy, mean over seeds', numeric: true, value: (r) => r.bestVal },
  { key: 'last', label: 'Last val', title: 'Last-epoch validation accuracy, mean over seeds', numeric: true, value: (r) => r.lastVal },
  { key: 'agreement', label: 'Agreement', title: 'Top-1 agreement with the teacher on validation, mean over seeds', numeric: true, value: (r) => r.agreement },
  { key: 'wall', label: 'Wall time', title: 'Wall time of a member run, mean over seeds', numeric: true, value: (r) => r.wallTimeSec },
  { key: 'failed', label: 'Failed', title: 'Members that failed, were cancelled or interrupted, cannot be read, or are blocked by a failed teacher', numeric: true, value: (r) => r.failed },
];

/**
 * Rows sorted by a column; rows without the figure go last either way. The teacher and the
 * baselines stay on top, as the references the methods are read against (as in the CLI's table).
 */
export function sortStudyRows(rows: readonly DashboardStudyRow[], key: string, direction: SortDirection): DashboardStudyRow[] {
  const column = STUDY_COLUMNS.find((c) => c.key === key);
  const references = rows.filter((r) => r.role !== 'method');
  const methods = rows.filter((r) => r.role === 'method');
  if (!column) return [...references, ...methods];
  const sign = direction === 'ascending' ? 1 : -1;
  const sorted = [...methods].sort((a, b) => {
    const [x, y] = [column.value(a), column.value(b)];
    if (x === null || y === null) return Number(x === null) - Number(y === null);
    return sign * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)));
  });
  return [...references, ...sorted];
}

/** Percentage points with two decimals: 0.8420 → "84.20"; with `sign`, "+1.20". */
export function points(value: number | null, sign = false): string {
  if (value === null) return '—';
  const text = (value * 100).toFixed(2);
  return sign && value >= 0 ? `+${text}` : text;
}

/** `84.20 ± 0.51%`; one seed: `84.20%`; none: `—`. */
export function testText(row: DashboardStudyRow): string {
  if (row.testMean === null) return '—';
  return row.testSd === null ? `${points(row.testMean)}%` : `${points(row.testMean)} ± ${points(row.testSd)}%`;
}

/** `+1.20 [+0.10, +2.30] *` (percentage points); one pair: no interval. */
export function deltaText(row: DashboardStudyRow): string {
  const delta = row.delta;
  if (!delta || delta.n === 0 || delta.mean === null) return '—';
  if (delta.low === null || delta.high === null) return `${points(delta.mean, true)} (${delta.n} seed${delta.n === 1 ? '' : 's'}, no interval)`;
  return `${points(delta.mean, true)} [${points(delta.low, true)}, ${points(delta.high, true)}]${delta.excludesZero ? ' *' : ''}`;
}

export const percentText = (value: number | null) => (value === null ? '—' : `${points(value)}%`);
export const secondsText = (value: number | null) => (value === null ? '—' : `${value.toFixed(1)} s`);

export interface StudyProgress {
  total: number;
  completed: number;
  running: number;
  /** Queued, or without a run folder yet. */
  queued: number;
  /** Failed, cancelled, interrupted, unreadable, or blocked by a failed teacher. */
  failed: number;
}

const FAILED: ReadonlySet<DashboardMemberStatus> = new Set(['failed', 'cancelled', 'interrupted', 'damaged', 'blocked']);

export function studyProgress(members: readonly DashboardStudyMember[]): StudyProgress {
  const count = (test: (status: DashboardMemberStatus) => boolean) => members.filter((m) => test(m.status)).length;
  return {
    total: members.length,
    completed: count((s) => s === 'completed'),
    running: count((s) => s === 'running'),
    queued: count((s) => s === 'queued' || s === 'waiting'),
    failed: count((s) => FAILED.has(s)),
  };
}
