// Every command of the extension, one line each, wired to the parts that do the work. Each id
// here is in package.json's contributes.commands and the other way round (the integration
// suite checks both directions).
import * as vscode from 'vscode';
import { openSetting } from './settings';
import type { RunFolderActions } from './experiments/run-folder-actions';
import type { ExperimentStore } from './experiments/store';
import type { Log } from './log';
import { ConfigError, StudyError, type DashboardFocus } from '../shared/protocol';
import { METHODS } from '../shared/methods';
import { NodeNotFoundError } from './training/node-path';
import type { RunActions } from './training/start-stop';
import type { NativeBackendCommand } from './native-backend/command';
import type { StudyActions, StudyArg } from './study/study-actions';

/** The dashboard as the commands need it. */
export interface DashboardCommands {
  open(focus?: DashboardFocus): void;
  /** The open dashboard form's experiment config; undefined when no dashboard is open (Compare Methods then uses the demo's). */
  formConfig?(): Promise<object | undefined>;
}

export interface CommandParts {
  store: ExperimentStore;
  runs: RunActions;
  folders: RunFolderActions;
  log: Log;
  dashboard: DashboardCommands;
  nativeBackend: Pick<NativeBackendCommand, 'run'>;
  studies: StudyActions;
}

/** A target file given to a command by a caller (not the selection VS Code passes from a tree). */
const fileArg = (arg: unknown): string | vscode.Uri | undefined => (typeof arg === 'string' || arg instanceof vscode.Uri ? arg : undefined);

export function registerCommands({ store, runs, folders, log, dashboard, nativeBackend, studies }: CommandParts): vscode.Disposable[] {
  // A handler declares the arguments its command gets (a tree node, a config); VS Code passes them untyped.
  const register = (id: string, handler: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, (...args: unknown[]) => guarded(log, () => handler(...(args as never[]))));
  return [
    register('distill.newExperiment', (config?: object) => (config ? runs.startConfig(config) : dashboard.open({ view: 'form' }))),
    register('distill.openDashboard', (run?: { runDir?: string }) => dashboard.open(run?.runDir ? { view: 'run', runDir: run.runDir } : activeRunFocus(store))),
    ...METHODS.map(({ name, command }) => register(command.id, (config?: object) => runs.runMethod(name, command.title, config))),
    register('distill.runDemo', () => runs.runDemo()),
    register('distill.stopRun', (run, selected) => runs.stop(run, selected)),
    register('distill.resumeRun', (run) => runs.resume(run)),
    register('distill.deleteRun', (run, selected) => folders.delete(run, selected)),
    register('distill.revealRun', (run) => folders.reveal(run)),
    register('distill.compareRuns', (run, selected) => folders.compare(run, selected)),
    register('distill.exportStudent', (run, target) => folders.exportStudent(run, target)),
    register('distill.refreshExperiments', () => store.refresh()),
    register('distill.installNativeBackend', (variant?: unknown) => nativeBackend.run(variant)),
    register('distill.compareMethods', () => studies.compareMethods()),
    // The dashboard form's Study section calls it with a StudyConfigInput; resolves to the study's folder.
    register('distill.startStudy', (input: unknown) => studies.start(input)),
    register('distill.runStudyFromFile', (file?: unknown) => studies.runFromFile(fileArg(file))),
    register('distill.stopStudy', (study?: StudyArg) => studies.stop(study)),
    register('distill.resumeStudy', (study?: StudyArg) => studies.resume(study)),
    register('distill.exportStudyTable', (study?: StudyArg, target?: unknown) => studies.exportTable(study, fileArg(target))),
    register('distill.openStudy', (study?: StudyArg) => studies.open(study)),
  ];
}

/**
 * Open Dashboard without a target (the palette, or a tree action whose row was redrawn under the
 * click) shows the newest active run, if any: that is what a user opening it mid-run wants.
 */
function activeRunFocus(store: ExperimentStore): DashboardFocus | undefined {
  const active = store.runs.filter((entry) => entry.record.status === 'running' || entry.record.status === 'queued');
  const newest = active.sort((a, b) => b.id.localeCompare(a.id))[0];
  return newest && { view: 'run', runDir: newest.runDir };
}

/** A command's failure is shown to the user (with a way to fix it where there is one), never thrown at VS Code. */
async function guarded<T>(log: Log, action: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    reportError(log, error);
    return undefined;
  }
}

function reportError(log: Log, error: unknown): void {
  if (error instanceof NodeNotFoundError) {
    log.info(error.message);
    void vscode.window.showErrorMessage(`Distill: ${error.message}`, 'Configure').then((choice) => choice && openSetting('nodePath'));
  } else if (error instanceof StudyError) {
    log.info(error.message);
    const more = error.problems.length > 1 ? ` (and ${error.problems.length - 1} more)` : '';
    void vscode.window.showErrorMessage(`Distill: invalid study: ${error.problems[0]}${more}`, 'Show Output').then((choice) => choice && log.show());
  } else if (error instanceof ConfigError) {
    log.info(error.message);
    const more = error.problems.length > 1 ? ` (and ${error.problems.length - 1} more)` : '';
    void vscode.window.showErrorMessage(`Distill: invalid experiment config: ${error.problems[0]}${more}`, 'Show Output').then((choice) => choice && log.show());
  } else {
    const message = error instanceof Error ? error.message : String(error);
    log.info(`error: ${error instanceof Error && error.stack ? error.stack : message}`);
    void vscode.window.showErrorMessage(`Distill: ${message}`);
  }
}
