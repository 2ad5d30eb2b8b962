// The study table (DESIGN §6): one row per method and swept value — test accuracy mean ± sd over
// seeds, the difference against the scratch baseline of the same seed with its 95 % interval
// (paired over seeds, Student's t), best and last validation, agreement with the teacher, wall
// time, and the members that failed. Pure: it reads member runs handed to it.
import type { ModelSummary, RunStatus, RunSummary } from '../protocol';
import { renderTable } from '../report-table';
import type { StudyMember } from './expand';
import { mean, pairedDifference, sampleSd, type PairedDifference } from './stats';

/** What the table needs of a member's run: its status and, once completed, its summary. */
export interface MemberResult {
  status: RunStatus | 'missing' | 'damaged' | 'blocked';
  summary?: RunSummary;
}

export interface StudyRow {
  /** `kd`, `kd temperature=2`, `scratch`, `teacher`. */
  label: string;
  role: StudyMember['role'];
  /** Members of the row, and how many completed with a test accuracy. */
  members: number;
  completed: number;
  /** Members that failed, were cancelled, interrupted or cannot be read (a blocked one: its teacher failed). */
  failed: number;
  test: { mean: number; sd: number };
  /** Against the paired baselines (method rows only). */
  delta?: PairedDifference;
  bestVal: number;
  lastVal: number;
  agreement: number;
  wallTimeSec: number;
  /** The model of a member the row reports when it is not the student (`peer-1`, `ensemble`). */
  notes: string[];
}

const TEACHER_ROLES = (role: string) => role === 'teacher' || /^teacher-\d+$/.test(role);

/**
 * The model of a member's summary that its row reports: the teacher for the teacher member; the
 * student (the baseline's too); failing that the first peer (DML: it starts from the student's
 * weights) or the last model trained (born-again's ensemble).
 */
export function headlineModel(member: Pick<StudyMember, 'role'>, summary: RunSummary): ModelSummary | undefined {
  const byRole = (role: string) => summary.models.find((m) => m.role === role);
  if (member.role === 'teacher') return byRole('teacher');
  return byRole('student') ?? byRole('peer-1') ?? summary.models.filter((m) => !TEACHER_ROLES(m.role) && m.role !== 'student-scratch').at(-1);
}

const FAILED: MemberResult['status'][] = ['failed', 'cancelled', 'interrupted', 'damaged', 'blocked'];

/** One row per group of members (method and swept values), in the members' order: teacher, baselines, methods. */
export function studyRows(members: readonly StudyMember[], results: ReadonlyMap<string, MemberResult>): StudyRow[] {
  const groups = new Map<string, StudyMember[]>();
  for (const member of members) groups.set(member.group, [...(groups.get(member.group) ?? []), member]);
  const testOf = (member: StudyMember | undefined): number => {
    const result = member && results.get(member.id);
    const model = member && result?.status === 'completed' && result.summary ? headlineModel(member, result.summary) : undefined;
    return model?.testAccuracy ?? Number.NaN;
  };
  const byId = new Map(members.map((m) => [m.id, m]));
  return [...groups.entries()].map(([label, group]) => {
    const done = group.flatMap((member) => {
      const result = results.get(member.id);
      const model = result?.status === 'completed' && result.summary ? headlineModel(member, result.summary) : undefined;
      return model && result?.summary ? [{ member, model, summary: result.summary }] : [];
    });
    const tests = done.map((d) => d.model.testAccuracy ?? Number.NaN).filter(Number.isFinite);
    const notes = [...new Set(done.filter((d) => d.model.role !== 'student' && d.model.role !== 'teacher').map((d) => `reports ${d.model.role}`))];
    const role = group[0].role;
    if (role === 'method' && group.some((m) => m.method === 'multi-teacher')) notes.push('trains its further teachers itself');
    const finite = (values: (number | undefined)[]) => mean(values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
    return {
      label,
      role,
      members: group.length,
      completed: tests.length,
      failed: group.filter((member) => FAILED.includes(results.get(member.id)?.status ?? 'missing')).length,
      test: { mean: mean(tests), sd: sampleSd(tests) },
      ...(role === 'method'
        ? {
            delta: pairedDifference(
              group.map((member) => testOf(member)),
              group.map((member) => testOf(member.baseline ? byId.get(member.baseline) : undefined)),
            ),
          }
        : {}),
      bestVal: finite(done.map((d) => d.model.bestValAccuracy)),
      lastVal: finite(done.map((d) => d.model.lastValAccuracy)),
      agreement: finite(done.map((d) => d.model.agreement)),
      wallTimeSec: finite(done.map((d) => d.summary.wallTimeSec)),
      notes,
    };
  });
}

export const STUDY_SORT_KEYS = ['order', 'delta', 'test', 'method'] as const;
export type StudySortKey = (typeof STUDY_SORT_KEYS)[number];

/**
 * The rows sorted by a column: `delta` and `test` best first (rows without the figure last),
 * `method` by name, `order` as listed. The teacher and the baselines stay first, as references.
 */
export function sortStudyRows(rows: readonly StudyRow[], by: StudySortKey): StudyRow[] {
  const references = rows.filter((r) => r.role !== 'method');
  const methods = rows.filter((r) => r.role === 'method');
  const descending = (value: (r: StudyRow) => number) => (a: StudyRow, b: StudyRow) => {
    const [x, y] = [value(a), value(b)];
    if (!Number.isFinite(x) || !Number.isFinite(y)) return Number(!Number.isFinite(x)) - Number(!Number.isFinite(y));
    return y - x;
  };
  const compare: Record<StudySortKey, ((a: StudyRow, b: StudyRow) => number) | undefined> = {
    order: undefined,
    delta: descending((r) => r.delta?.mean ?? Number.NaN),
    test: descending((r) => r.test.mean),
    method: (a, b) => a.label.localeCompare(b.label),
  };
  const sorter = compare[by];
  return [...references, ...(sorter ? [...methods].sort(sorter) : methods)];
}

export type StudyTableFormat = 'table' | 'md' | 'csv';
export const STUDY_TABLE_FORMATS: readonly StudyTableFormat[] = ['table', 'md', 'csv'];

const points = (value: number, sign = false) => (Number.isFinite(value) ? `${sign && value >= 0 ? '+' : ''}${(value * 100).toFixed(2)}` : '—');

/** `84.20 ± 0.51 %`; one seed: `84.20 %`; none: `—`. */
function testCell(row: StudyRow): string {
  if (!Number.isFinite(row.test.mean)) return '—';
  return Number.isFinite(row.test.sd) ? `${points(row.test.mean)} ± ${points(row.test.sd)}%` : `${points(row.test.mean)}%`;
}

/** `+1.20 [+0.10, +2.30] *`: percentage points, the interval, and `*` where it excludes 0. */
function deltaCell(delta: PairedDifference | undefined): string {
  if (!delta || delta.n === 0) return '—';
  if (delta.n < 2) return `${points(delta.mean, true)} (1 seed, no interval)`;
  return `${points(delta.mean, true)} [${points(delta.low, true)}, ${points(delta.high, true)}]${delta.excludesZero ? ' *' : ''}`;
}

const percentCell = (value: number) => (Number.isFinite(value) ? `${points(value)}%` : '—');
const secondsCell = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} s` : '—');

const HEADER = ['method', 'seeds', 'test acc (mean ± sd)', 'Δ vs scratch, pp [95% CI]', 'best val', 'last val', 'agreement', 'wall time', 'failed'];
const CSV_HEADER = [
  'method',
  'role',
  'members',
  'completed',
  'failed',
  'test_mean',
  'test_sd',
  'delta_mean',
  'delta_low',
  'delta_high',
  'delta_excludes_zero',
  'best_val_mean',
  'last_val_mean',
  'agreement_mean',
  'wall_time_mean_s',
  'notes',
];

const csvValue = (value: number | string | boolean | undefined) => {
  if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The table as text for a terminal, Markdown, or CSV (raw fractions, empty where a figure does not exist). */
export function formatStudyTable(rows: readonly StudyRow[], format: StudyTableFormat): string {
  if (format === 'csv') {
    const lines = rows.map((r) =>
      [
        r.label,
        r.role,
        r.members,
        r.completed,
        r.failed,
        r.test.mean,
        r.test.sd,
        r.delta?.mean,
        r.delta?.low,
        r.delta?.high,
        r.delta ? r.delta.excludesZero : undefined,
        r.bestVal,
        r.lastVal,
        r.agreement,
        r.wallTimeSec,
        r.notes.join('; '),
      ]
        .map(csvValue)
        .join(','),
    );
    return [CSV_HEADER.join(','), ...lines].join('\n');
  }
  const cells = rows.map((r) => [
    r.label + (r.notes.length ? ` (${r.notes.join('; ')})` : ''),
    `${r.completed}/${r.members}`,
    testCell(r),
    deltaCell(r.delta),
    percentCell(r.bestVal),
    percentCell(r.lastVal),
    percentCell(r.agreement),
    secondsCell(r.wallTimeSec),
    String(r.failed),
  ]);
  // The mark is explained only where some row has an interval (two or more paired seeds).
  const intervals = rows.some((r) => r.delta !== undefined && Number.isFinite(r.delta.low));
  const footnote = intervals ? ["* the 95% interval of the paired difference (over seeds, Student's t) excludes 0"] : [];
  if (format === 'md') {
    const escape = (text: string) => text.replace(/\|/g, '\\|');
    const line = (row: string[]) => `| ${row.map(escape).join(' | ')} |`;
    return [line(HEADER), `|${HEADER.map((_, i) => (i < 1 ? '---' : '---:')).join('|')}|`, ...cells.map(line), ...(intervals ? ['', ...footnote] : [])].join('\n');
  }
  return [renderTable(HEADER, cells, 1), ...footnote].join('\n');
}
