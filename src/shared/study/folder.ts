// A study's folder: `<runs>/<study>/study.json` and one run folder per attempt of each member,
// `<runs>/<study>/<member id>` then `<member id>.r2`, `.r3`… (a run's ending is final, so a
// member run again gets a new folder and keeps the old one). The members are runs of the
// experiment `<study>`, so every listing of the runs folder shows them.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseStudy, STUDY_FILE, type RunRecord, type RunSummary, type StudyConfig } from '../protocol';
import { writeJsonAtomic } from '../fs-atomic';
import { currentOwner, isProcessAlive, RunFolder } from '../run-folder';
import type { ExpandedStudy } from './expand';
import type { MemberResult } from './table';

/**
 * Claims the study's folder, `<runsDir>/<name>`, or the next free `<name>-2`, `<name>-3`…: a
 * non-recursive mkdir fails when the folder exists, so two studies never share one.
 */
export function claimStudyDir(runsDir: string, name: string): string {
  try {
    mkdirSync(runsDir, { recursive: true });
  } catch (error) {
    throw new Error(`cannot create the runs folder ${runsDir}: ${(error as Error).message}`);
  }
  for (let n = 1; ; n++) {
    const dir = join(runsDir, n === 1 ? name : `${name}-${n}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create the study folder ${dir}: ${(error as Error).message}`);
    }
  }
}

export function writeStudy(studyDir: string, study: StudyConfig): void {
  writeJsonAtomic(join(studyDir, STUDY_FILE), study);
}

/**
 * A study file as written, to be checked when it is started: a JSON object (a BOM allowed), its
 * relative paths resolving against the file's own folder unless it names a `baseDir`.
 */
export function readStudyFile(file: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new Error(`study file ${file}: ${(error as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`study file ${file}: expected a JSON object ({ … })`);
  const study = json as Record<string, unknown>;
  return { ...study, baseDir: study.baseDir ?? dirname(resolve(file)) };
}

/** The study saved in a folder, parsed; a missing or bad file is an error naming it. */
export function readStudy(studyDir: string): StudyConfig {
  const file = join(studyDir, STUDY_FILE);
  if (!existsSync(file)) throw new Error(`${studyDir} holds no ${STUDY_FILE}: not a study folder`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  return parseStudy(json);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A member's attempts, oldest first: `<id>`, `<id>.r2`, … (folders with a run.json or not). */
export function memberAttempts(studyDir: string, id: string): { dir: string; attempt: number }[] {
  if (!existsSync(studyDir)) return [];
  const pattern = new RegExp(`^${escapeRegExp(id)}(?:\\.r(\\d+))?$`);
  return readdirSync(studyDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const match = pattern.exec(entry.name);
      return match ? [{ dir: join(studyDir, entry.name), attempt: match[1] ? Number(match[1]) : 1 }] : [];
    })
    .sort((a, b) => a.attempt - b.attempt);
}

/** Claims the folder of a member's next attempt, atomically (a non-recursive mkdir). */
export function claimAttemptDir(studyDir: string, id: string): string {
  const last = memberAttempts(studyDir, id).at(-1)?.attempt ?? 0;
  for (let n = last + 1; ; n++) {
    const dir = join(studyDir, n === 1 ? id : `${id}.r${n}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create the member folder ${dir}: ${(error as Error).message}`);
    }
  }
}

export interface MemberRun {
  dir: string;
  id: string;
  record?: RunRecord;
  summary?: RunSummary;
  /** Why run.json or summary.json could not be read. */
  damage?: string;
}

/** What a member's attempt folder says: its record and summary, or why they cannot be read. */
export function readMemberRun(dir: string): MemberRun {
  const folder = new RunFolder(dir);
  const run: MemberRun = { dir, id: basename(dir) };
  const record = folder.inspectRecord();
  if (record.state === 'damaged') return { ...run, damage: `${basename(record.damage.path)}: ${record.damage.reason}` };
  if (record.state === 'read') run.record = record.value;
  const summary = folder.inspectSummary();
  if (summary.state === 'damaged') return { ...run, damage: `${basename(summary.damage.path)}: ${summary.damage.reason}` };
  if (summary.state === 'read') run.summary = summary.value;
  return run;
}

/**
 * The attempt that speaks for a member: its latest completed one if any (a later attempt can
 * only have been started by hand), else its latest.
 */
export function memberRun(studyDir: string, id: string): MemberRun | undefined {
  const runs = memberAttempts(studyDir, id).map(({ dir }) => readMemberRun(dir));
  return runs.filter((run) => run.record?.status === 'completed').at(-1) ?? runs.at(-1);
}

/** Every member's result as its run folder says now (missing when it has none). */
export function memberResults(studyDir: string, expanded: ExpandedStudy): Map<string, MemberResult> {
  return new Map(
    expanded.members.map((member) => {
      const run = memberRun(studyDir, member.id);
      const result: MemberResult = !run ? { status: 'missing' } : run.damage ? { status: 'damaged' } : { status: run.record?.status ?? 'missing', summary: run.summary };
      return [member.id, result];
    }),
  );
}

const LOCK_FILE = '.study-lock';

/**
 * Takes the study for this process, so two processes never train the same missing member: the
 * lock file is created exclusively (`wx`) with the owner's pid and host. A lock whose owner has
 * ended on this machine is taken over; one held by a live process, or by another machine (a
 * shared filesystem), is an error naming it. Returns the release.
 */
export function lockStudy(studyDir: string, isAlive: (pid: number) => boolean = isProcessAlive): () => void {
  const file = join(studyDir, LOCK_FILE);
  const owner = currentOwner();
  for (let tries = 0; tries < 3; tries++) {
    try {
      writeFileSync(file, JSON.stringify(owner), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot lock the study ${studyDir}: ${(error as Error).message}`);
    }
    let holder: { pid?: unknown; host?: unknown } = {};
    try {
      holder = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      // written half by a process that died: stale
    }
    const gone = typeof holder.pid !== 'number' || (holder.host === owner.host && !isAlive(holder.pid));
    if (!gone) throw new Error(`the study ${studyDir} is being run by process ${String(holder.pid)} on ${String(holder.host)} (${file}); stop it first, or delete the file if that process is gone`);
    rmSync(file, { force: true });
  }
  throw new Error(`cannot lock the study ${studyDir}: ${file} keeps coming back`);
}
