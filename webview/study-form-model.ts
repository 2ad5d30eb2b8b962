// The form's Study section as data: the methods ticked, the seeds and the swept parameters as
// typed, turned into a study (src/shared/protocol/study.ts) around the form's config, and the
// members it will start counted by the same expansion that runs them (src/shared/study/expand.ts).
// Pure.
import { ConfigError, MethodConfig, parseStudy, type StudyConfig, type StudyConfigInput } from '../src/shared/protocol';
import { expandStudy, type StudyMember } from '../src/shared/study/expand';
import type { FormConfig } from './form-model';
import { variantDefaults } from './schema-defaults';

export interface StudyParamDraft {
  /** A config field path, e.g. `method.temperature`. */
  path: string;
  /** Comma-separated values as typed (`2, 4, 8`), or a JSON array (`[[64], [128]]`). */
  values: string;
}

/** What the user typed in the Study section (saved with the webview state). */
export interface StudyDraft {
  /** The study's folder name; empty: the form's name with `-study`. */
  name: string;
  methods: string[];
  seeds: string;
  params: StudyParamDraft[];
}

export const EMPTY_DRAFT: StudyDraft = { name: '', methods: [], seeds: '1, 2, 3', params: [] };

/** `2, 4, 8` → [2, 4, 8]; `true` and `false` are booleans; a JSON array is taken as it is; anything else stays text for the schema to judge. */
export function parseValuesText(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // not JSON: read as a comma-separated list below
    }
  }
  return trimmed
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      if (part === 'true' || part === 'false') return part === 'true';
      const value = Number(part);
      return Number.isFinite(value) ? value : part;
    });
}

/** `1, 2, 3` → [1, 2, 3]; entries that are not numbers stay text for the schema to report. */
export function parseSeedsText(text: string): unknown[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((part) => (Number.isFinite(Number(part)) ? Number(part) : part));
}

/**
 * A method as the study lists it. The form's own method keeps the parameters the user changed
 * from their defaults (`{ name: 'kd', temperature: 8 }`); any other is its name, with defaults.
 */
export function studyMethodEntry(name: string, form: FormConfig): string | Record<string, unknown> {
  const method = form.method as Record<string, unknown> | undefined;
  if (!method || method.name !== name) return name;
  const defaults = variantDefaults(MethodConfig, name);
  const changed = Object.entries(method).filter(([key, value]) => key !== 'name' && value !== undefined && JSON.stringify(value) !== JSON.stringify(defaults[key]));
  return changed.length ? { name, ...Object.fromEntries(changed) } : name;
}

/** The study the section describes around the form's config (its method left to the methods axis). */
export function buildStudy(form: FormConfig, draft: StudyDraft): StudyConfigInput {
  const { method: _method, baseline: _baseline, ...base } = structuredClone(form);
  const formName = typeof form.name === 'string' && form.name ? form.name : 'experiment';
  const grid: Record<string, unknown[]> = {};
  for (const param of draft.params) if (param.path.trim()) grid[param.path.trim()] = parseValuesText(param.values);
  return {
    name: draft.name.trim() || `${formName}-study`,
    base,
    methods: draft.methods.map((name) => studyMethodEntry(name, form)) as StudyConfigInput['methods'],
    seeds: parseSeedsText(draft.seeds) as number[],
    grid,
  };
}

export interface StudyCount {
  total: number;
  teacher: number;
  baselines: number;
  methods: number;
}

export function countMembers(members: readonly Pick<StudyMember, 'role'>[]): StudyCount {
  const of = (role: StudyMember['role']) => members.filter((m) => m.role === role).length;
  return { total: members.length, teacher: of('teacher'), baselines: of('baseline'), methods: of('method') };
}

export type StudyCheck = { ok: true; study: StudyConfig; count: StudyCount } | { ok: false; problems: string[] };

/** The study parsed and expanded as the CLI and the host would: every member's config is checked. */
export function checkStudy(input: StudyConfigInput): StudyCheck {
  try {
    const study = parseStudy(input);
    return { ok: true, study, count: countMembers(expandStudy(study, study.name).members) };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, problems: error.problems };
    throw error;
  }
}

/** `7 runs: 1 teacher, 3 scratch baselines, 3 method runs`. */
export function countText(count: StudyCount): string {
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const parts = [count.teacher ? plural(count.teacher, 'shared teacher') : '', plural(count.baselines, 'scratch baseline'), plural(count.methods, 'method run')].filter(Boolean);
  return `${plural(count.total, 'run')} will start: ${parts.join(', ')}`;
}
