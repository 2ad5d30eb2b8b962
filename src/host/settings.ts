// The `distill.*` settings, read fresh each time (a changed setting applies to the next run).
import * as vscode from 'vscode';
import type { BackendName } from '../shared/protocol';
import { chooseRunsDirSetting } from './experiments/runs-dir';
import { parallelRuns } from './training/run-config';

export const SECTION = 'distill';

export interface Settings {
  /** A real Node binary for the trainer process (never Electron). */
  nodePath: string;
  /** For the runs whose config leaves the backend open (none, or `auto`): training/run-config.ts. */
  backend: BackendName;
  /**
   * As written in the settings; empty means the default (see runs-dir.ts). A value from the
   * workspace's settings counts only inside the workspace folder; the user's settings may name any folder.
   */
  runsDir: string;
  /** Trainer processes at once (single runs, and a study's members): the setting, its default 0 resolved to the cores (training/run-config.ts). */
  maxParallelRuns: number;
  /** Threads per run for configs that leave train.threads open; 0: the machine's cores shared out over maxParallelRuns (training/run-config.ts). */
  threadsPerRun: number;
  uiUpdatesPerSecond: number;
  /** Where a study's members train: `local`, a pool of trainer processes here, or `slurm`, an sbatch array (study/executions.ts). */
  studyExecutor: 'local' | 'slurm';
}

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration(SECTION);
  return {
    nodePath: config.get<string>('nodePath', 'node').trim() || 'node',
    backend: config.get<BackendName>('backend', 'auto'),
    runsDir: readRunsDir(config),
    maxParallelRuns: parallelRuns(config.get<number>('maxParallelRuns', 0)),
    threadsPerRun: Math.max(0, Math.floor(config.get<number>('threadsPerRun', 0))),
    uiUpdatesPerSecond: Math.min(60, Math.max(0.2, config.get<number>('uiUpdatesPerSecond', 4))),
    studyExecutor: config.get<string>('studyExecutor', 'local') === 'slurm' ? 'slurm' : 'local',
  };
}

const warnedRunsDirs = new Set<string>();

/** `distill.runsDir` by where it was set (chooseRunsDirSetting); an ignored workspace value is reported once. */
function readRunsDir(config: vscode.WorkspaceConfiguration): string {
  const inspected = config.inspect<string>('runsDir') ?? {};
  const { setting, ignored } = chooseRunsDirSetting(inspected, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
  if (ignored && !warnedRunsDirs.has(ignored)) {
    warnedRunsDirs.add(ignored);
    void vscode.window.showWarningMessage(ignored);
  }
  return setting;
}

/** Calls `listener` when `distill.<key>` changes. */
export function onDidChangeSetting(key: keyof Settings, listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration(`${SECTION}.${key}`)) listener();
  });
}

export function openSetting(key: keyof Settings): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.${key}`);
}
