// What the dashboard's study view shows of a study folder: the study table (the CLI's own rows,
// src/shared/study/table.ts) and each member's state, read from the member run folders. No vscode
// import: tests call it directly.
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { STUDY_FILE, type DashboardMemberStatus, type DashboardStudy, type DashboardStudyItem, type DashboardStudyRow } from '../../shared/protocol';
import { expandStudy, type StudyMember } from '../../shared/study/expand';
import { memberRun, readStudy } from '../../shared/study/folder';
import { headlineModel, studyRows, type MemberResult } from '../../shared/study/table';

/** The lock file a process running the study holds (src/shared/study/folder.ts). */
const LOCK_FILE = '.study-lock';

const FAILED_STATUSES: ReadonlySet<string> = new Set(['failed', 'cancelled', 'interrupted', 'damaged']);

/** A figure as a message carries it: NaN and ±∞ become null. */
const figure = (value: number | undefined): number | null => (value !== undefined && Number.isFinite(value) ? value : null);

/** The study in `studyDir` as the view draws it; throws an error naming the folder when it holds no readable study. */
export function readStudyView(studyDir: string): DashboardStudy {
  const study = readStudy(studyDir);
  const name = basename(studyDir);
  const { members } = expandStudy(study, name);
  const results = new Map<string, MemberResult>();
  const runDirs = new Map<string, string>();
  for (const member of members) {
    const run = memberRun(studyDir, member.id);
    if (run) runDirs.set(member.id, run.dir);
    results.set(member.id, !run ? { status: 'missing' } : run.damage ? { status: 'damaged' } : { status: run.record?.status ?? 'missing', summary: run.summary });
  }
  // A member that has not started and learns from a teacher that failed cannot start: the executor calls it blocked.
  for (const member of members) {
    const teacher = member.teacher && results.get(member.teacher)?.status;
    if (results.get(member.id)?.status === 'missing' && teacher && FAILED_STATUSES.has(teacher)) results.set(member.id, { status: 'blocked' });
  }
  const byGroup = new Map<string, StudyMember>();
  for (const member of members) if (!byGroup.has(member.group)) byGroup.set(member.group, member);
  const rows: DashboardStudyRow[] = studyRows(members, results).map((row) => {
    const first = byGroup.get(row.label);
    return {
      label: row.label,
      role: row.role,
      method: first?.method ?? row.label,
      params: first?.params ?? {},
      members: row.members,
      completed: row.completed,
      failed: row.failed,
      testMean: figure(row.test.mean),
      testSd: figure(row.test.sd),
      ...(row.delta
        ? { delta: { n: row.delta.n, mean: figure(row.delta.mean), sd: figure(row.delta.sd), low: figure(row.delta.low), high: figure(row.delta.high), excludesZero: row.delta.excludesZero } }
        : {}),
      bestVal: figure(row.bestVal),
      lastVal: figure(row.lastVal),
      agreement: figure(row.agreement),
      wallTimeSec: figure(row.wallTimeSec),
      notes: row.notes,
    };
  });
  return {
    studyDir,
    name,
    swept: [...Object.keys(study.grid), ...Object.keys(study.random?.fields ?? {})],
    seeds: study.seeds,
    rows,
    members: members.map((member) => {
      const result = results.get(member.id) ?? { status: 'missing' as const };
      const model = result.status === 'completed' && result.summary ? headlineModel(member, result.summary) : undefined;
      const status: DashboardMemberStatus = result.status === 'missing' ? 'waiting' : result.status;
      const runDir = runDirs.get(member.id);
      return { id: member.id, role: member.role, group: member.group, seed: member.seed, status, ...(runDir ? { runDir } : {}), testAccuracy: figure(model?.testAccuracy) };
    }),
    active: existsSync(join(studyDir, LOCK_FILE)),
  };
}

/** The study folders directly inside the runs folder (those holding a study.json), by name. */
export function listStudies(runsDir: string): DashboardStudyItem[] {
  let entries: string[];
  try {
    entries = readdirSync(runsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
  return entries
    .filter((name) => existsSync(join(runsDir, name, STUDY_FILE)))
    .sort((a, b) => a.localeCompare(b))
    .map((name) => ({ studyDir: join(runsDir, name), name }));
}
