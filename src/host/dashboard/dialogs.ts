// The host's file dialogs behind the dashboard's Browse…, Save and Load buttons.
import { basename, relative, sep } from 'node:path';
import { isInside } from '../../shared/paths';
import * as vscode from 'vscode';

export interface DashboardDialogs {
  /** A dataset file or folder; inside the workspace the path comes back relative to it (configs stay portable). */
  pickPath(kind: 'file' | 'folder', title?: string): Promise<string | undefined>;
  /** Asks where to save, writes `text`, and returns the file written. */
  saveConfig(text: string, suggestedName: string): Promise<string | undefined>;
  /** Asks for a config file and returns its text. */
  openConfig(): Promise<{ file: string; text: string } | undefined>;
}

const JSON_FILTER = { 'Experiment config': ['json'] };

function workspaceRoot(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

export function workspaceRelative(root: string | undefined, file: string): string {
  if (!root) return file;
  return isInside(root, file) ? relative(root, file).split(sep).join('/') : file;
}

export const vscodeDialogs: DashboardDialogs = {
  async pickPath(kind, title) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: kind === 'file',
      canSelectFolders: kind === 'folder',
      canSelectMany: false,
      defaultUri: workspaceRoot(),
      title,
    });
    return picked?.[0] ? workspaceRelative(workspaceRoot()?.fsPath, picked[0].fsPath) : undefined;
  },
  async saveConfig(text, suggestedName) {
    const root = workspaceRoot();
    const target = await vscode.window.showSaveDialog({
      defaultUri: root ? vscode.Uri.joinPath(root, suggestedName) : undefined,
      filters: JSON_FILTER,
      title: 'Save experiment config',
    });
    if (!target) return undefined;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    return target.fsPath;
  },
  async openConfig() {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, defaultUri: workspaceRoot(), filters: JSON_FILTER, title: 'Load experiment config' });
    if (!picked?.[0]) return undefined;
    const bytes = await vscode.workspace.fs.readFile(picked[0]);
    return { file: basename(picked[0].fsPath), text: new TextDecoder().decode(bytes) };
  },
};
