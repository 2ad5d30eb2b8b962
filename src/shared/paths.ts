import { isAbsolute, relative, resolve } from 'node:path';

/** True when `path` is `folder` itself (only with `orSame`) or lies inside it — checked on resolved paths, so `..` cannot escape. */
export function isInside(folder: string, path: string, { orSame = false } = {}): boolean {
  const rel = relative(resolve(folder), resolve(path));
  if (rel === '') return orSame;
  return !rel.startsWith('..') && !isAbsolute(rel);
}
