// activate() builds the parts and gives every disposable to one owner. It stays cheap: nothing
// here imports TensorFlow (training happens in the trainer process), and the runs folder is read
// once.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { onDidChangeSetting, readSettings } from './settings';
import { linkDashboard } from './dashboard-link';
import { RunFolderActions } from './experiments/run-folder-actions';
import { resolveRunsDir } from './experiments/runs-dir';
import { ExperimentStore } from './experiments/store';
import { ExperimentsTree } from './experiments/tree';
import { Disposable } from './lifecycle';
import { Log } from './log';
import { NativeBackendCommand } from './native-backend/command';
import { RunActions } from './training/start-stop';
import { Runner } from './training/runner';
import { RunStatusBar } from './training/status-bar';
import { StudyActions } from './study/study-actions';
import { ActiveStudiesContext } from './study/study-progress';
import { StudyRunner } from './study/study-runner';

export const EXPERIMENTS_VIEW = 'distillExperiments';

/** What activate() returns: the parts, for the integration tests and for other extensions. */
export interface DistillApi {
  readonly store: ExperimentStore;
  readonly runner: Runner;
  /** The studies this window runs. */
  readonly studies: StudyRunner;
  readonly tree: ExperimentsTree;
  readonly log: Log;
  /** Where Distill: Install Native Backend installs tfjs-node (in global storage). */
  readonly nativeBackendsDir: string;
  /** Milliseconds activate() took. */
  readonly activationMs: number;
}

class DistillExtension extends Disposable {
  readonly log = this._register(new Log());
  readonly store: ExperimentStore;
  readonly runner: Runner;
  readonly studies: StudyRunner;
  readonly tree: ExperimentsTree;
  readonly nativeBackend: NativeBackendCommand;

  constructor(context: vscode.ExtensionContext) {
    super();
    const locateRuns = () => resolveRunsDir(readSettings().runsDir, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, context.globalStorageUri.fsPath);
    this.store = this._register(new ExperimentStore(locateRuns));
    this._register(onDidChangeSetting('runsDir', () => this.store.relocate()));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.store.relocate()));
    // The native backend lives in global storage, which extension updates keep; each trainer is told where.
    this.nativeBackend = this._register(new NativeBackendCommand(this.log, join(context.globalStorageUri.fsPath, 'backends'), context.asAbsolutePath('dist/cli.js')));
    this.runner = this._register(new Runner(this.store, this.log, context.asAbsolutePath('dist/trainer.js'), this.nativeBackend.dir));
    this.studies = this._register(new StudyRunner(this.store, this.log, context.asAbsolutePath('dist/trainer.js'), context.asAbsolutePath('dist/cli.js'), this.nativeBackend.dir));
    this._register(new ActiveStudiesContext(this.studies));
    this.tree = this._register(new ExperimentsTree(this.store, this.runner, this.studies));
    this._register(vscode.window.createTreeView(EXPERIMENTS_VIEW, { treeDataProvider: this.tree, canSelectMany: true, showCollapseAll: true }));
    this._register(new RunStatusBar(this.runner));
    const runs = new RunActions(this.store, this.runner, this.log);
    const folders = new RunFolderActions(this.store, (runDir) => this.runner.job(runDir) !== undefined);
    const dashboard = linkDashboard(context, this.store, this.runner, runs, this.studies);
    const studies = new StudyActions(this.store, this.studies, this.log, dashboard);
    for (const command of registerCommands({ store: this.store, runs, folders, log: this.log, dashboard, nativeBackend: this.nativeBackend, studies })) this._register(command);
    // First read after the runner exists: runs it owns are never mistaken for abandoned ones.
    this.store.refresh();
  }
}

export function activate(context: vscode.ExtensionContext): DistillApi {
  const started = performance.now();
  const extension = new DistillExtension(context);
  context.subscriptions.push(extension);
  const activationMs = performance.now() - started;
  extension.log.info(`activated in ${activationMs.toFixed(1)} ms; runs folder ${extension.store.runsDir}`);
  return { store: extension.store, runner: extension.runner, studies: extension.studies, tree: extension.tree, log: extension.log, nativeBackendsDir: extension.nativeBackend.dir, activationMs };
}

export function deactivate(): void {}
