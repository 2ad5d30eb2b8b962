import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

function describeFsError(error: unknown, path: string, what: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new Error(`${what} not found: ${path}`);
  if (code === 'EISDIR') return new Error(`${what} ${path}: expected a file, found a directory`);
  if (code === 'ENOTDIR') return new Error(`${what} ${path}: expected a directory, found a file`);
  return new Error(`Cannot read ${what} ${path}: ${(error as Error).message}`);
}

/** The file's bytes, or an Error naming the file and what it should have been. */
export function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw describeFsError(error, path, what);
  }
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads a file, gunzipping it when it starts with the gzip magic bytes (whatever its extension). */
export function readMaybeGzipped(path: string, what: string): Buffer {
  const bytes = readBytes(path, what);
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new Error(`${what} ${path}: expected valid gzip data, found a corrupt or truncated gzip stream (${(error as Error).message})`);
  }
}

export function listDir(path: string, what: string): { name: string; isDir: boolean }[] {
  try {
    if (!statSync(path).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    return readdirSync(path, { withFileTypes: true })
      .map((entry) => ({
        name: entry.name,
        isDir: entry.isDirectory() || (entry.isSymbolicLink() && statSync(join(path, entry.name), { throwIfNoEntry: false })?.isDirectory() === true),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    throw describeFsError(error, path, what);
  }
}

export function hex(value: number, digits = 8): string {
  return `0x${value.toString(16).padStart(digits, '0')}`;
}
