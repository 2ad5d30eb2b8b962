// How a bad config is reported: each problem names the field's path, what was expected and what was given.
import type { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid experiment config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON would print Infinity and NaN as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

export function describeIssue(issue: z.ZodIssue, input: unknown): string {
  const field = ['config', ...issue.path].join('.');
  const given = describeValue(valueAt(input, issue.path));
  switch (issue.code) {
    case 'invalid_type':
      return `${field}: expected ${issue.expected}, got ${issue.received === 'undefined' ? 'nothing' : `${issue.received} ${given}`}`;
    case 'invalid_union_discriminator':
      return `${field}: expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}, got ${given}`;
    case 'invalid_literal':
      return `${field}: expected ${JSON.stringify(issue.expected)}, got ${given}`;
    case 'invalid_enum_value':
      return `${field}: expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}, got ${given}`;
    case 'unrecognized_keys':
      return `${field}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'too_small':
      return `${field}: expected ${issue.type === 'array' ? 'an array with ' : ''}${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}${issue.type === 'array' ? ' items' : ''}, got ${given}`;
    case 'too_big':
      return `${field}: expected ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}, got ${given}`;
    case 'not_multiple_of':
      return `${field}: expected a multiple of ${issue.multipleOf}, got ${given}`;
    case 'invalid_union':
      return `${field}: expected one of the allowed forms, got ${given}`;
    default:
      return `${field}: ${issue.message}, got ${given}`;
  }
}

/** One problem per number of the input that is not finite (Infinity, NaN), except where the schema already reported the field. */
export function nonFiniteProblems(input: unknown, reported: (string | number)[][] = []): string[] {
  const seen = new Set(reported.map((path) => path.join('.')));
  const problems: string[] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (typeof node === 'number') {
      if (!Number.isFinite(node) && !seen.has(path.join('.'))) problems.push(`${['config', ...path].join('.')}: expected a finite number, got ${String(node)}`);
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, i]));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) walk(value, [...path, key]);
    }
  };
  walk(input, []);
  return problems;
}
