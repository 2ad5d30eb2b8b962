// What a run command acts on. From the tree VS Code passes the clicked node and, with several
// selected, all of them; tests and the dashboard pass `{ runDir }` or the run folder's path. A
// study node stands for its members' runs, as an experiment node for its runs.
import * as vscode from 'vscode';
import type { ExperimentStore, RunEntry } from './store';

export type RunArg = string | vscode.Uri | { runDir?: string } | { kind: 'experiment' | 'study'; runs: RunEntry[] } | undefined;

function runDirsOf(arg: RunArg): string[] {
  if (!arg) return [];
  if (typeof arg === 'string') return [arg];
  if (arg instanceof vscode.Uri) return [arg.fsPath];
  if ('runDir' in arg) return arg.runDir ? [arg.runDir] : [];
  if ('runs' in arg) return arg.runs.map((run) => run.runDir);
  return [];
}

/** The selection when the clicked node is part of it, else the clicked node; unknown folders are an error. */
export function resolveTargets(store: ExperimentStore, clicked: RunArg, selected?: readonly RunArg[]): RunEntry[] {
  const clickedDirs = runDirsOf(clicked);
  const selectedDirs = (selected ?? []).flatMap(runDirsOf);
  const dirs = selectedDirs.length > 0 && clickedDirs.every((dir) => selectedDirs.includes(dir)) ? selectedDirs : clickedDirs;
  return [...new Set(dirs)].map((dir) => {
    const entry = store.find(dir);
    if (!entry) throw new Error(`no run at ${dir} in the runs folder ${store.runsDir}`);
    return entry;
  });
}

/** Exactly one run, or an error saying how to choose one. */
export function resolveTarget(store: ExperimentStore, clicked: RunArg, action: string): RunEntry {
  const [entry, ...rest] = resolveTargets(store, clicked);
  if (!entry) throw new Error(`choose the run to ${action} in the Distill view`);
  if (rest.length > 0) throw new Error(`choose one run to ${action}`);
  return entry;
}
