// The form's data: the config as the user typed it (an ExperimentConfigInput that may be
// invalid), edited by dotted paths. Validation is the engine's own parseExperimentConfig; its
// problems name fields as `config.<path>: …` and are mapped back to the inputs here. Pure.
import { ConfigError, parseExperimentConfig, type ExperimentConfig } from '../src/shared/protocol';

export type FormConfig = Record<string, unknown>;

export function getAt(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Sets a value, creating objects on the way; `undefined` removes the key (the schema's default applies). */
export function setAt(root: FormConfig, path: string, value: unknown): void {
  const keys = path.split('.');
  let node: Record<string, unknown> = root;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
}

/**
 * Text of a number field: empty is "not set"; a number is a number; anything else stays text,
 * so the schema itself says what is wrong with it ("expected number, got string …").
 */
export function parseNumberText(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

/** "256, 128" → [256, 128]; entries that are not numbers stay text for the schema to report. */
export function parseListText(text: string): (number | string)[] | undefined {
  if (text.trim() === '') return undefined;
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((part) => parseNumberText(part) as number | string);
}

export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

export type Validation = { ok: true; config: ExperimentConfig } | { ok: false; problems: string[] };

export function validate(input: FormConfig): Validation {
  try {
    return { ok: true, config: parseExperimentConfig(input) };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, problems: error.problems };
    throw error;
  }
}

export interface MappedProblems {
  /** Field path → the messages shown under that input. */
  fields: Map<string, string[]>;
  /** Problems with no input of their own (shown above the form). */
  general: string[];
}

const PROBLEM = /^config((?:\.[^.:\s]+)*): (.*)$/s;

/**
 * Each problem goes to the nearest field that has an input: `teacher.model.hidden.1` lands on
 * `teacher.model.hidden`. The message is the schema's, without the path prefix.
 */
export function mapProblems(problems: readonly string[], fields: ReadonlySet<string>): MappedProblems {
  const mapped: MappedProblems = { fields: new Map(), general: [] };
  for (const problem of problems) {
    const match = PROBLEM.exec(problem);
    const keys = match?.[1] ? match[1].slice(1).split('.') : [];
    let target: string | undefined;
    for (let n = keys.length; n > 0 && !target; n--) {
      const candidate = keys.slice(0, n).join('.');
      if (fields.has(candidate)) target = candidate;
    }
    if (target && match) {
      const detail = keys.length > target.split('.').length ? `${keys.slice(target.split('.').length).join('.')}: ${match[2]}` : match[2];
      mapped.fields.set(target, [...(mapped.fields.get(target) ?? []), detail]);
    } else {
      mapped.general.push(problem);
    }
  }
  return mapped;
}
