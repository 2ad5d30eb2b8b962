// The commands on run folders: delete, reveal, compare, export.
import { isInside } from '../../shared/paths';
import * as vscode from 'vscode';
import { comparedRun, comparisonTable } from '../../shared/report-table';
import { exportStudent } from './export';
import type { ExperimentStore, RunEntry } from './store';
import { resolveTarget, resolveTargets, type RunArg } from './targets';

export class RunFolderActions {
  constructor(
    private readonly store: ExperimentStore,
    private readonly isActive: (runDir: string) => boolean,
  ) {}

  async delete(clicked: RunArg, selected?: readonly RunArg[]): Promise<number> {
    const entries = resolveTargets(this.store, clicked, selected);
    if (entries.length === 0) throw new Error('choose the run to delete in the Distill view');
    const active = entries.filter((entry) => this.isActive(entry.runDir));
    if (active.length > 0) throw new Error(`${label(active[0])} is still active: stop it first`);
    const what = entries.length === 1 ? `run ${label(entries[0])}` : `${entries.length} runs`;
    const answer = await vscode.window.showWarningMessage(`Delete ${what} and its checkpoints?`, { modal: true, detail: 'The run folder is removed from disk.' }, 'Delete');
    if (answer !== 'Delete') return 0;
    for (const entry of entries) this.store.deleteRun(entry.runDir);
    return entries.length;
  }

  /** In the Explorer when the run is in the workspace, else in the OS file manager (desktop) or as run.json. */
  async reveal(clicked: RunArg): Promise<void> {
    const entry = resolveTarget(this.store, clicked, 'reveal');
    const uri = vscode.Uri.file(entry.runDir);
    const inWorkspace = (vscode.workspace.workspaceFolders ?? []).some((folder) => isInside(folder.uri.fsPath, entry.runDir));
    if (inWorkspace) await vscode.commands.executeCommand('revealInExplorer', uri);
    else if (!vscode.env.remoteName) await vscode.commands.executeCommand('revealFileInOS', uri);
    else await vscode.window.showTextDocument(vscode.Uri.file(entry.folder.recordPath));
  }

  /** The selected runs, an experiment's runs, or every run, as a text table (the CLI's). Resolves to the runs compared. */
  async compare(clicked: RunArg, selected?: readonly RunArg[]): Promise<string[]> {
    const chosen = resolveTargets(this.store, clicked, selected);
    // One run: the runs of its experiment; nothing chosen: every run. Damaged ones say so.
    const entries = chosen.length === 1 ? this.store.listing.filter((run) => run.experiment === chosen[0].experiment) : chosen.length > 1 ? chosen : this.store.listing.slice();
    const table = comparisonTable(entries.map(comparedRun));
    const document = await vscode.workspace.openTextDocument({ content: `Runs in ${this.store.runsDir}\n\n${table}\n`, language: 'plaintext' });
    await vscode.window.showTextDocument(document, { preview: true });
    return entries.map((entry) => entry.runDir);
  }

  /** Into `target` (a folder; tests and the dashboard pass one), else a folder the user picks. */
  async exportStudent(clicked: RunArg, target?: string | vscode.Uri): Promise<string | undefined> {
    const entry = resolveTarget(this.store, clicked, 'export');
    let dir = target instanceof vscode.Uri ? target.fsPath : target;
    if (!dir) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        openLabel: 'Export here',
        title: `Export the student of ${label(entry)}`,
      });
      dir = picked?.[0]?.fsPath;
    }
    if (!dir) return undefined;
    const dest = exportStudent(entry, dir);
    void vscode.window.showInformationMessage(`Distill: exported the student of ${label(entry)} to ${dest}`);
    return dest;
  }
}

const label = (entry: RunEntry) => `${entry.experiment}/${entry.id}`;
