// Finding the Node binary the trainer runs under (setting distill.nodePath) before spawning it,
// so a missing one is a clear error with a way to fix it rather than a failed run.
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export class NodeNotFoundError extends Error {
  constructor(readonly nodePath: string) {
    super(`The Node.js binary "${nodePath}" (setting distill.nodePath) was not found or is not executable. The trainer needs a real Node.js 20 or later.`);
    this.name = 'NodeNotFoundError';
  }
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path of `nodePath`: a path as given (`~` expanded), or a bare name looked up on PATH. */
export function findExecutable(nodePath: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const expanded = nodePath.replace(/^~(?=$|[\\/])/, homedir());
  if (isAbsolute(expanded) || /[\\/]/.test(expanded)) {
    const path = resolve(expanded);
    return isExecutableFile(path) ? path : undefined;
  }
  const extensions = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const ext of extensions) {
      const candidate = join(dir, expanded + ext);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * The binary to spawn. The default "node" not on PATH is still fine where the extension host is
 * itself a real Node (code-server, remote servers): that binary is used. Electron never is.
 */
export function resolveNodePath(nodePath: string, env: NodeJS.ProcessEnv = process.env): string {
  const found = findExecutable(nodePath, env);
  if (found) return found;
  if (nodePath === 'node' && !process.versions.electron) return process.execPath;
  throw new NodeNotFoundError(nodePath);
}
