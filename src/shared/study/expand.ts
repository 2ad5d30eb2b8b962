// A study's members (DESIGN §7), paired: the teacher trained once (or loaded from the study's
// checkpoint) and shared through its checkpoint; for each seed — and each value of the swept
// fields outside the method — one scratch baseline, shared by every method of that seed; each
// method's student built from the same seed as its baseline, so from the same initial weights.
import { methodNamed, usesTeacher } from '../methods';
import { createRng } from '../rng';
import { ConfigError, MAX_STUDY_MEMBERS, parseExperimentConfig, StudyError, type StudyConfig } from '../protocol';

type Json = Record<string, unknown>;

export type MemberRole = 'teacher' | 'baseline' | 'method';

export interface StudyMember {
  /** Its folder in the study (attempts after the first add `.rN`). */
  id: string;
  role: MemberRole;
  method: string;
  seed: number;
  /** The swept values (grid and random) this member trains with, by config field path. */
  params: Record<string, unknown>;
  /** The row of the study table it counts in: the method and its swept values, without the seed. */
  group: string;
  /** A method member: its paired baseline, same seed and same swept values outside the method. */
  baseline?: string;
  /** A member that learns from the study's teacher member: its checkpoint is filled in when that member completed. */
  teacher?: string;
  /** The member's experiment config (its `teacher.checkpoint` still to fill when `teacher` is set). */
  config: Json;
}

export interface ExpandedStudy {
  members: StudyMember[];
  /** The id of the teacher member, when the study trains one. */
  teacher?: string;
}

export const TEACHER_MEMBER = 'teacher';

/** The random search's draws, in order: each a value for every field, from its range. */
export function randomDraws(random: NonNullable<StudyConfig['random']>): Record<string, number>[] {
  const next = createRng(random.seed);
  return Array.from({ length: random.budget }, () =>
    Object.fromEntries(
      Object.entries(random.fields).map(([path, range]) => {
        const u = next();
        if (range.integer) return [path, Math.min(range.max, Math.floor(range.min + u * (range.max - range.min + 1)))];
        const value = range.log ? Math.exp(Math.log(range.min) + u * (Math.log(range.max) - Math.log(range.min))) : range.min + u * (range.max - range.min);
        return [path, Number(value.toPrecision(6))];
      }),
    ),
  );
}

/** Every combination of the grid's values, crossed with every random draw: the study's parameter settings. */
export function settingsOf(study: StudyConfig): Record<string, unknown>[] {
  let settings: Record<string, unknown>[] = [{}];
  for (const [path, values] of Object.entries(study.grid)) settings = settings.flatMap((setting) => values.map((value) => ({ ...setting, [path]: value })));
  if (study.random) {
    const draws = randomDraws(study.random);
    settings = settings.flatMap((setting) => draws.map((draw) => ({ ...setting, ...draw })));
  }
  return settings;
}

const isMethodField = (path: string) => path.startsWith('method.');
const methodHas = (method: string, path: string) => methodNamed(method)?.schema.shape[path.split('.')[1] as never] !== undefined;

function setPath(config: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = config;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = node[key] = next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...(next as Json) } : {};
  }
  node[keys[keys.length - 1]] = value;
}

/** `temperature=4`, `learningRate=0.01`: the last key of a path and its value, folder-safe. */
function paramLabel(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([path, value]) => `${path.split('.').pop()}=${typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : JSON.stringify(value)}`)
    .join(',');
}

const folderSafe = (text: string) => text.replace(/[^A-Za-z0-9._=,+-]+/g, '_');

/** The row label of a method with its swept values: `kd`, `kd temperature=2,learningRate=0.01`. */
export function groupLabel(method: string, params: Record<string, unknown>): string {
  const label = paramLabel(params);
  return label ? `${method} ${label}` : method;
}

/**
 * The study's members, in the order they should start: the teacher, the baselines, then the
 * methods. Every member's config is checked here, so a bad value of a grid fails the study before
 * any run, naming the member and the field.
 */
export function expandStudy(study: StudyConfig, experiment: string): ExpandedStudy {
  const base: Json = { ...structuredClone(study.base), name: experiment, baseline: false };
  const methods = study.methods.map((m) => (typeof m === 'string' ? { name: m } : (m as Json & { name: string })));
  const settings = settingsOf(study);
  // Whether a member learns from the teacher can depend on a swept parameter (SAD's kdWeight): asked of each member's own method.
  const learnsFromTeacher = (method: Json, params: Record<string, unknown>) =>
    usesTeacher({ ...method, ...Object.fromEntries(Object.entries(params).flatMap(([path, value]) => (isMethodField(path) ? [[path.slice('method.'.length), value]] : []))) } as Json & {
      name: string;
    });
  const needsTeacher = methods.some((method) => settings.some((setting) => learnsFromTeacher(method, setting)));
  const loadsTeacher = typeof (study.base.teacher as Json | undefined)?.checkpoint === 'string';
  const teacherId = needsTeacher && !loadsTeacher ? TEACHER_MEMBER : undefined;
  const members: StudyMember[] = [];
  const ids = new Set<string>();
  const unique = (wanted: string) => {
    let id = folderSafe(wanted);
    for (let n = 2; ids.has(id); n++) id = `${folderSafe(wanted)}-v${n}`;
    ids.add(id);
    return id;
  };
  const configWith = (params: Record<string, unknown>, method: Json, seed: number) => {
    const config: Json = { ...structuredClone(base), method: structuredClone(method), seed };
    for (const [path, value] of Object.entries(params)) setPath(config, path, structuredClone(value));
    return config;
  };

  if (teacherId) {
    unique(teacherId);
    // The base config's own seed, so the teacher does not change when the seeds axis does.
    const seed = typeof study.base.seed === 'number' ? study.base.seed : (parseExperimentConfig({}).seed as number);
    members.push({ id: teacherId, role: 'teacher', method: 'teacher', seed, params: {}, group: 'teacher', config: configWith({}, { name: 'teacher' }, seed) });
  }

  // The swept fields outside the method change what the baseline trains; those inside do not.
  const baselineSettings = dedupe(settings.map((setting) => pick(setting, (path) => !isMethodField(path))));
  const baselineIds = new Map<string, string>();
  for (const seed of study.seeds) {
    for (const params of baselineSettings) {
      const label = paramLabel(params);
      const id = unique(`scratch${label ? `-${label}` : ''}-s${seed}`);
      baselineIds.set(key(seed, params), id);
      members.push({ id, role: 'baseline', method: 'scratch', seed, params, group: groupLabel('scratch', params), config: configWith(params, { name: 'scratch' }, seed) });
    }
  }

  const entryLabels = new Set<string>();
  for (const [entry, method] of methods.entries()) {
    // A method field only reaches the methods that have that parameter.
    const methodSettings = dedupe(settings.map((setting) => pick(setting, (path) => !isMethodField(path) || methodHas(method.name, path))));
    // A method listed with parameters ({ "name": "kd", "temperature": 2 }) says them in its row and folder names, as swept values do.
    // A value that is not a number, string or boolean (a transfer data set) is named, not spelled out.
    const own: Record<string, unknown> = Object.fromEntries(Object.entries(method).flatMap(([k, v]) => (k === 'name' ? [] : [[`method.${k}`, v !== null && typeof v === 'object' ? '…' : v]])));
    // Two entries that would read the same (different data sets, say) are told apart by their place in the list.
    if (entryLabels.has(groupLabel(method.name, own))) own['methods.entry'] = entry;
    entryLabels.add(groupLabel(method.name, own));
    for (const params of methodSettings) {
      const group = groupLabel(method.name, { ...own, ...params });
      for (const seed of study.seeds) {
        const label = paramLabel({ ...own, ...params });
        const id = unique(`${method.name}${label ? `-${label}` : ''}-s${seed}`);
        const baselineParams = pick(params, (path) => !isMethodField(path));
        members.push({
          id,
          role: 'method',
          method: method.name,
          seed,
          params,
          group,
          baseline: baselineIds.get(key(seed, baselineParams)),
          ...(teacherId && learnsFromTeacher(method, params) ? { teacher: teacherId } : {}),
          config: configWith(params, method, seed),
        });
      }
    }
  }
  if (members.length > MAX_STUDY_MEMBERS) throw new StudyError([`study: expands to ${members.length} runs, more than the ${MAX_STUDY_MEMBERS} a study may have; fewer grid values, seeds or methods`]);
  checkMembers(members);
  return { members, teacher: teacherId };
}

/** Parses every member's config (a placeholder teacher checkpoint where one is still to come); the first few problems are reported, each naming the member. */
function checkMembers(members: StudyMember[]): void {
  const problems: string[] = [];
  for (const member of members) {
    const config = member.teacher ? withTeacherCheckpoint(member.config, 'teacher-checkpoint') : member.config;
    try {
      parseExperimentConfig(config);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const swept = paramLabel(member.params);
      const where = `study member ${member.id} (method ${member.method}${swept ? `, ${swept}` : ''}, seed ${member.seed})`;
      problems.push(...error.problems.map((problem) => `${where}: ${problem}`));
    }
    if (problems.length >= 10) break;
  }
  if (problems.length) throw new StudyError(problems);
}

/** A member's config learning from the teacher at `checkpoint`. */
export function withTeacherCheckpoint(config: Json, checkpoint: string): Json {
  return { ...config, teacher: { ...((config.teacher as Json | undefined) ?? {}), checkpoint } };
}

function pick(params: Record<string, unknown>, keep: (path: string) => boolean): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([path]) => keep(path)));
}

const key = (seed: number, params: Record<string, unknown>) => `${seed}|${JSON.stringify(Object.entries(params))}`;

function dedupe(settings: Record<string, unknown>[]): Record<string, unknown>[] {
  const seen = new Set<string>();
  return settings.filter((setting) => {
    const k = JSON.stringify(Object.entries(setting));
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
