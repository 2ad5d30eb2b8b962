// What the tree shows of a study's members (no vscode here): each member's status — from its run
// folders, and, while this window runs the study, from the study runner: members not started yet
// are queued, a member whose teacher member ended without completing is blocked — and the
// study's progress line ("7/12 done, 2 running, 1 failed").
import { basename, dirname } from 'node:path';
import type { RunStatus } from '../../shared/protocol';
import type { ListedRun } from '../../shared/run-folder';
import type { StudyMember } from '../../shared/study/expand';

export type MemberStatus = RunStatus | 'damaged' | 'blocked' | 'not started';

export interface MemberView {
  member: StudyMember;
  status: MemberStatus;
  /** The attempt that speaks for it: the latest completed one, else the latest (as src/shared/study/folder.ts' memberRun). */
  run?: ListedRun;
  /** Run folders the member has (`<id>`, `<id>.r2`, …). */
  attempts: number;
}

/** What the study runner knows of a study it runs now. */
export interface StudyActivity {
  /** Members started in this call: their run folder. */
  started: ReadonlyMap<string, string>;
}

const ATTEMPT = /^(.*)\.r(\d+)$/;

/** A study folder's runs, by member id, oldest attempt first. */
function attemptsByMember(studyDir: string, ids: ReadonlySet<string>, listed: readonly ListedRun[]): Map<string, { run: ListedRun; attempt: number }[]> {
  const byMember = new Map<string, { run: ListedRun; attempt: number }[]>();
  for (const run of listed) {
    if (dirname(run.runDir) !== studyDir) continue;
    const name = basename(run.runDir);
    const match = ATTEMPT.exec(name);
    const [id, attempt] = ids.has(name) ? [name, 1] : match && ids.has(match[1]) ? [match[1], Number(match[2])] : [undefined, 0];
    if (id === undefined) continue;
    byMember.set(id, [...(byMember.get(id) ?? []), { run, attempt }]);
  }
  for (const attempts of byMember.values()) attempts.sort((a, b) => a.attempt - b.attempt);
  return byMember;
}

const statusOf = (run: ListedRun): MemberStatus => (run.kind === 'run' ? run.record.status : 'damaged');
const ENDED_BADLY: readonly MemberStatus[] = ['failed', 'cancelled', 'interrupted', 'damaged', 'blocked'];

/** Each member of the study in the members' order (teacher, baselines, methods), with its status. */
export function memberViews(studyDir: string, members: readonly StudyMember[], listed: readonly ListedRun[], activity?: StudyActivity): MemberView[] {
  const attempts = attemptsByMember(studyDir, new Set(members.map((m) => m.id)), listed);
  const views = new Map<string, MemberView>();
  for (const member of members) {
    const own = attempts.get(member.id) ?? [];
    const speaking = own.filter(({ run }) => run.kind === 'run' && run.record.status === 'completed').at(-1) ?? own.at(-1);
    const teacher = member.teacher ? views.get(member.teacher) : undefined;
    const blocked = teacher !== undefined && ENDED_BADLY.includes(teacher.status);
    let view: MemberView;
    const startedDir = activity?.started.get(member.id);
    if (startedDir !== undefined) {
      // Started in this call: its new folder speaks, running until its trainer has written it.
      const run = own.find((a) => a.run.runDir === startedDir)?.run;
      view = { member, status: run ? statusOf(run) : 'running', run, attempts: own.length };
    } else if (speaking && statusOf(speaking.run) === 'completed') {
      view = { member, status: 'completed', run: speaking.run, attempts: own.length };
    } else if (blocked) {
      view = { member, status: 'blocked', run: speaking?.run, attempts: own.length };
    } else if (activity) {
      // The study runs and this member has not started: it waits for a trainer (or its teacher).
      view = { member, status: 'queued', run: speaking?.run, attempts: own.length };
    } else {
      view = { member, status: speaking ? statusOf(speaking.run) : 'not started', run: speaking?.run, attempts: own.length };
    }
    views.set(member.id, view);
  }
  return [...views.values()];
}

const ORDER: readonly MemberStatus[] = ['running', 'queued', 'failed', 'blocked', 'cancelled', 'interrupted', 'damaged', 'not started'];

/** "7/12 done, 2 running, 1 failed": completed of all, then every other status that some member has. */
export function studyProgress(views: readonly MemberView[]): string {
  const count = (status: MemberStatus) => views.filter((v) => v.status === status).length;
  const others = ORDER.filter((status) => count(status) > 0).map((status) => `${count(status)} ${status}`);
  return [`${count('completed')}/${views.length} done`, ...others].join(', ');
}

/** The study node's contextValue, for its menus: running (Stop), complete, or incomplete (Resume). */
export function studyContext(views: readonly MemberView[], active: boolean): 'study.running' | 'study.complete' | 'study.incomplete' {
  if (active) return 'study.running';
  return views.every((v) => v.status === 'completed') ? 'study.complete' : 'study.incomplete';
}
