// Reading a run folder's JSON files through their schemas: a file cut short by a crash, edited by
// hand or written by something else is reported as damaged (its path and why), never trusted.
import { existsSync, readFileSync } from 'node:fs';
import type { z } from 'zod';

export interface DamagedFile {
  path: string;
  reason: string;
}

export class DamagedRunFile extends Error {
  constructor(readonly damage: DamagedFile) {
    super(`${damage.path} is damaged: ${damage.reason}`);
    this.name = 'DamagedRunFile';
  }
}

export type FileRead<T> = { state: 'missing' } | { state: 'read'; value: T } | { state: 'damaged'; damage: DamagedFile };

export function readJsonFile<T>(path: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): FileRead<T> {
  if (!existsSync(path)) return { state: 'missing' };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return { state: 'damaged', damage: { path, reason: `not JSON (${(error as Error).message})` } };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { state: 'read', value: parsed.data };
  const reason = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`).join('; ');
  return { state: 'damaged', damage: { path, reason } };
}

/** The value, undefined when the file is missing; throws DamagedRunFile when it is damaged. */
export function valueOf<T>(read: FileRead<T>): T | undefined {
  if (read.state === 'damaged') throw new DamagedRunFile(read.damage);
  return read.state === 'read' ? read.value : undefined;
}
