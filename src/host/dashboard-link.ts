// The dashboard (src/dashboard/, built by its own part) joined to the extension's parts: it
// starts runs through the runner, hears every trainer event (a study member's too), and follows
// the runs folder.
import * as vscode from 'vscode';
import type { DashboardCommands } from './commands';
import { readSettings } from './settings';
import { runAttentionProcess } from './attention-process';
import { resolveNodePath } from './training/node-path';
import { DashboardPanel, registerDashboardSerializer, type DashboardDeps } from './dashboard';
import type { ExperimentStore } from './experiments/store';
import type { RunActions } from './training/start-stop';
import type { Runner } from './training/runner';
import type { StudyRunner } from './study/study-runner';

export function linkDashboard(
  context: vscode.ExtensionContext,
  store: ExperimentStore,
  runner: Runner,
  runs: RunActions,
  studies: StudyRunner,
): DashboardCommands & { formConfig(): Promise<object | undefined> } {
  const deps: DashboardDeps = {
    runsDir: () => store.runsDir,
    runs: () => store.listing,
    startRun: async (config) => runs.startConfig(config),
    onTrainerEvent: (listener) =>
      vscode.Disposable.from(
        runner.onTrainerEvent(({ runDir, event }) => listener(runDir, event)),
        studies.onTrainerEvent(({ runDir, event }) => listener(runDir, event)),
      ),
    uiUpdatesPerSecond: () => readSettings().uiUpdatesPerSecond,
    onRunsChanged: (listener) => store.onDidChange(listener),
    // Relative data paths of a run's config resolve against the workspace folder, as when it was started.
    computeAttention: (runDir, sample, out) =>
      runAttentionProcess(
        { nodePath: resolveNodePath(readSettings().nodePath), cliScript: context.asAbsolutePath('dist/cli.js'), baseDir: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? store.runsDir },
        runDir,
        sample,
        out,
      ),
  };
  registerDashboardSerializer(context, deps);
  context.subscriptions.push({ dispose: () => DashboardPanel.current?.dispose() });
  return {
    open: (focus) => void DashboardPanel.createOrShow(context.extensionUri, deps, focus),
    formConfig: async () => DashboardPanel.current?.formConfig(),
  };
}
