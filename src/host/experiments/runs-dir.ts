// Where the runs folder is (DESIGN §5): the `distill.runsDir` setting, else `.distill` in the
// first workspace folder, else the extension's global storage when no folder is open.
//
// A runs folder is created, watched and written by the extension, so where a value may point
// depends on who wrote it: the user's own settings may name any folder; a workspace's settings
// (.vscode/settings.json, a .code-workspace file, a folder's settings) only a folder inside that
// workspace folder — anything else (the home folder, `..`, a symbolic link out) is ignored, and
// the user's value or the default applies.
import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { isInside } from '../../shared/paths';

export const DEFAULT_RUNS_FOLDER = '.distill';

export function resolveRunsDir(setting: string, workspaceFolder: string | undefined, globalStorage: string): string {
  const base = workspaceFolder ?? globalStorage;
  if (!setting) return workspaceFolder ? join(workspaceFolder, DEFAULT_RUNS_FOLDER) : join(globalStorage, 'runs');
  const expanded = setting.replace(/^~(?=$|[\\/])/, homedir()).replace(/\$\{workspaceFolder\}/g, base);
  return isAbsolute(expanded) ? expanded : resolve(base, expanded);
}

/** What `WorkspaceConfiguration.inspect('runsDir')` reports, by where the value was set. */
export interface InspectedRunsDir {
  globalValue?: string;
  workspaceValue?: string;
  workspaceFolderValue?: string;
}

export interface ChosenRunsDir {
  /** The setting to resolve (empty: the default). */
  setting: string;
  /** A workspace value that was ignored, and why. */
  ignored?: string;
}

/** True when `dir` lies inside `workspaceFolder` (not the folder itself), also once symbolic links are followed. */
export function isInsideWorkspace(dir: string, workspaceFolder: string): boolean {
  if (!isInside(workspaceFolder, dir)) return false;
  if (!existsSync(dir) || !existsSync(workspaceFolder)) return true;
  return isInside(realpathSync(workspaceFolder), realpathSync(dir));
}

/**
 * The `distill.runsDir` value that applies: the most specific one set (folder, workspace, user)
 * whose source may name that folder — a workspace-level value only inside the workspace folder.
 */
export function chooseRunsDirSetting(inspected: InspectedRunsDir, workspaceFolder: string | undefined): ChosenRunsDir {
  const clean = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
  let ignored: string | undefined;
  for (const [value, where] of [
    [clean(inspected.workspaceFolderValue), 'folder'],
    [clean(inspected.workspaceValue), 'workspace'],
  ] as const) {
    if (!value) continue;
    if (!workspaceFolder) {
      ignored ??= `distill.runsDir "${value}" from the ${where} settings is ignored: no workspace folder is open to keep it inside; a runs folder elsewhere can only be set in your user settings`;
      continue;
    }
    const dir = resolveRunsDir(value, workspaceFolder, workspaceFolder);
    if (isInsideWorkspace(dir, workspaceFolder)) return { setting: value, ...(ignored ? { ignored } : {}) };
    ignored ??= `distill.runsDir "${value}" from the ${where} settings is ignored: it resolves to ${dir}, outside the workspace folder ${workspaceFolder}; a runs folder elsewhere can only be set in your user settings`;
  }
  return { setting: clean(inspected.globalValue), ...(ignored ? { ignored } : {}) };
}
