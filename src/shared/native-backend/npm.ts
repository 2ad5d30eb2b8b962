// Finding npm for a given Node binary: the npm that ships beside it, so the native addon is
// installed for the Node that will load it; else `npm` on PATH.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface NpmCommand {
  /** What to spawn, and the arguments before npm's own. */
  command: string;
  args: string[];
  /** `npm.cmd` on Windows needs a shell. */
  shell: boolean;
  /** Said in messages: which npm ran. */
  description: string;
}

/** npm-cli.js where Node's installers put it: <prefix>/lib/node_modules/npm (Unix), <prefix>/node_modules/npm (Windows). */
export function npmCliCandidates(nodePath: string): string[] {
  let node = nodePath;
  try {
    node = realpathSync(nodePath);
  } catch {
    // a path that does not resolve: the candidates simply do not exist
  }
  const bin = dirname(node);
  return [join(bin, '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), join(bin, 'node_modules', 'npm', 'bin', 'npm-cli.js')];
}

export function findNpm(nodePath: string): NpmCommand {
  const cli = npmCliCandidates(nodePath).find((candidate) => existsSync(candidate));
  if (cli) return { command: nodePath, args: [cli], shell: false, description: `${nodePath} ${cli}` };
  const windows = process.platform === 'win32';
  return { command: windows ? 'npm.cmd' : 'npm', args: [], shell: windows, description: 'npm on PATH' };
}
