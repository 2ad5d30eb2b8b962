// Where the runs folder is (DESIGN §5): the `distill.runsDir` setting, else `.distill` in the
// first workspace folder, else the extension's global storage when no folder is open.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export const DEFAULT_RUNS_FOLDER = '.distill';

export function resolveRunsDir(setting: string, workspaceFolder: string | undefined, globalStorage: string): string {
  const base = workspaceFolder ?? globalStorage;
  if (!setting) return workspaceFolder ? join(workspaceFolder, DEFAULT_RUNS_FOLDER) : join(globalStorage, 'runs');
  const expanded = setting.replace(/^~(?=$|[\\/])/, homedir()).replace(/\$\{workspaceFolder\}/g, base);
  return isAbsolute(expanded) ? expanded : resolve(base, expanded);
}
