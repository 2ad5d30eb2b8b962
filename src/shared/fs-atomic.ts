import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

let counter = 0;
function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${counter++}`;
}

/** Writes a file so that a reader (or a crash) sees the old content or the new, never half. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  writeFileSync(temp, data);
  renameSync(temp, path);
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Fills a fresh folder beside `dir`, then swaps it in, so `dir` is never half written. */
export function replaceDirAtomic(dir: string, fill: (tempDir: string) => void): void {
  const temp = tempPathFor(dir);
  mkdirSync(temp, { recursive: true });
  fill(temp);
  const old = `${temp}.old`;
  let hadOld = true;
  try {
    renameSync(dir, old);
  } catch {
    hadOld = false;
  }
  renameSync(temp, dir);
  if (hadOld) rmSync(old, { recursive: true, force: true });
}
