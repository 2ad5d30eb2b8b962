// The study commands: Compare Methods… (methods and seeds picked for the dashboard form's config),
// start a study from a config (the form's Study section), Run Study from File…, Stop and Resume,
// Export Study Table…, Open Study. Each takes its study from the tree node it was invoked on, a
// folder path, or a quick pick.
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { isInside } from '../../shared/paths';
import { METHOD_LIST } from '../../shared/methods';
import { STUDY_FILE } from '../../shared/protocol';
import type { DashboardCommands } from '../commands';
import { workspaceDir } from '../experiments/config-source';
import type { ExperimentStore, StudyFolder } from '../experiments/store';
import type { Log } from '../log';
import { readStudyFile } from '../../shared/study/folder';
import { compareMethodsStudy, formMethod, parseSeeds } from './study-input';
import { showStudyProgress } from './study-progress';
import type { ActiveStudy, StudyRunner } from './study-runner';
import { exportFormatOf, studyTableText } from './study-table';

/** A study folder, a study.json in it, its tree node or `{ studyDir }`. */
export type StudyArg = string | vscode.Uri | { studyDir: string } | undefined;

export class StudyActions {
  constructor(
    private readonly store: ExperimentStore,
    private readonly runner: StudyRunner,
    private readonly log: Log,
    private readonly dashboard: DashboardCommands,
  ) {}

  /** Starts a study from its config (a StudyConfigInput); resolves to its folder. Throws a StudyError naming each bad field. */
  start(input: unknown): string {
    return this.started(this.runner.start(input, workspaceDir() ?? this.store.runsDir), 'from the config given');
  }

  /** Distill: Compare Methods…: methods, then seeds, for the open form's config (the demo's without a dashboard). */
  async compareMethods(): Promise<string | undefined> {
    const formConfig = await this.dashboard.formConfig?.();
    const preselected = formMethod(formConfig) ?? 'kd';
    const picked = await vscode.window.showQuickPick(
      METHOD_LIST.filter((m) => m.name !== 'teacher' && m.name !== 'scratch').map((m) => ({ label: m.label, description: m.name, detail: m.summary, picked: m.name === preselected, name: m.name })),
      {
        title: `Compare Methods (1/2) on ${formConfig ? "the dashboard form's config" : 'the demo config (no dashboard is open)'}`,
        placeHolder: 'The methods to compare; each is paired with the scratch baseline of the same seed',
        canPickMany: true,
      },
    );
    if (!picked || picked.length === 0) return undefined;
    const seedsText = await vscode.window.showInputBox({
      title: 'Compare Methods (2/2)',
      prompt: 'Seeds: each trains its own scratch baseline and every method from the same initial weights',
      value: '1, 2, 3',
      validateInput: (text) => {
        const parsed = parseSeeds(text);
        return 'problem' in parsed ? parsed.problem : undefined;
      },
    });
    if (seedsText === undefined) return undefined;
    const seeds = parseSeeds(seedsText);
    if ('problem' in seeds) throw new Error(seeds.problem);
    const input = compareMethodsStudy(
      formConfig,
      picked.map((p) => p.name),
      seeds.seeds,
    );
    return this.started(this.runner.start(input, workspaceDir() ?? this.store.runsDir), formConfig ? "the dashboard form's config" : 'the demo config');
  }

  /** Distill: Run Study from File…: a study.json; one saved in a study folder of the runs folder resumes that study. */
  async runFromFile(arg?: vscode.Uri | string): Promise<string | undefined> {
    let file = arg instanceof vscode.Uri ? arg.fsPath : arg;
    if (!file) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri, filters: { Study: ['json'] }, title: 'Run Study from File' });
      file = picked?.[0]?.fsPath;
    }
    if (!file) return undefined;
    if (basename(file) === STUDY_FILE && this.store.studies.some((study) => study.dir === dirname(file))) return this.resume(dirname(file));
    return this.started(this.runner.start(readStudyFile(file), dirname(file)), vscode.workspace.asRelativePath(file));
  }

  async stop(arg?: StudyArg): Promise<boolean> {
    const studyDir =
      this.dirOf(arg) ??
      (await this.pick(
        'Stop Study',
        this.runner.studies.map((s) => this.store.studies.find((f) => f.dir === s.studyDir) ?? { name: s.name, dir: s.studyDir, members: [] }),
      ));
    if (!studyDir) return false;
    if (!this.runner.study(studyDir)) throw new Error(`the study ${basename(studyDir)} is not running in this window`);
    return this.runner.stop(studyDir);
  }

  async resume(arg?: StudyArg): Promise<string | undefined> {
    const studyDir =
      this.dirOf(arg) ??
      (await this.pick(
        'Resume Study',
        this.store.studies.filter((s) => !this.runner.study(s.dir) && !s.problem),
      ));
    if (!studyDir) return undefined;
    return this.started(this.runner.resume(studyDir), 'resumed: only members without a completed run train');
  }

  /** Distill: Export Study Table…: CSV or Markdown by the file's extension; resolves to the file written. */
  async exportTable(arg?: StudyArg, target?: string | vscode.Uri): Promise<string | undefined> {
    const studyDir =
      this.dirOf(arg) ??
      (await this.pick(
        'Export Study Table',
        this.store.studies.filter((s) => !s.problem),
      ));
    if (!studyDir) return undefined;
    let file = target instanceof vscode.Uri ? target.fsPath : target;
    if (!file) {
      const picked = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(join(workspaceDir() ?? studyDir, `${basename(studyDir)}.csv`)),
        filters: { CSV: ['csv'], Markdown: ['md'] },
        title: `Export the table of study ${basename(studyDir)}`,
      });
      file = picked?.fsPath;
    }
    if (!file) return undefined;
    writeFileSync(file, studyTableText(studyDir, exportFormatOf(file)));
    this.log.info(`study ${basename(studyDir)}: table written to ${file}`);
    if (!target) {
      void vscode.window.showInformationMessage(`Distill: the table of study ${basename(studyDir)} is in ${vscode.workspace.asRelativePath(file)}.`, 'Open').then((choice) => {
        if (choice) void vscode.window.showTextDocument(vscode.Uri.file(file));
      });
    }
    return file;
  }

  async open(arg?: StudyArg): Promise<void> {
    const studyDir =
      this.dirOf(arg) ??
      (await this.pick(
        'Open Study',
        this.store.studies.filter((s) => !s.problem),
      ));
    if (studyDir) this.dashboard.open({ view: 'study', studyDir });
  }

  private started(study: ActiveStudy, source: string): string {
    this.log.info(`study ${study.name}: ${source}`);
    showStudyProgress(this.runner, study, this.log);
    return study.studyDir;
  }

  /** The study folder an argument names, checked to be a study of the runs folder. */
  private dirOf(arg: StudyArg): string | undefined {
    if (!arg) return undefined;
    let dir = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : arg.studyDir;
    if (basename(dir) === STUDY_FILE) dir = dirname(dir);
    if (!isInside(this.store.runsDir, dir) || !this.store.studies.some((study) => study.dir === dir)) {
      this.store.refresh();
      if (!this.store.studies.some((study) => study.dir === dir)) throw new Error(`no study at ${dir} in the runs folder ${this.store.runsDir}`);
    }
    return dir;
  }

  private async pick(title: string, studies: readonly StudyFolder[]): Promise<string | undefined> {
    if (studies.length === 0) throw new Error(`no study to choose from in the runs folder ${this.store.runsDir}`);
    const picked = await vscode.window.showQuickPick(
      studies.map((study) => ({ label: study.name, description: `${study.members.length} members`, dir: study.dir })),
      { title, placeHolder: 'Study' },
    );
    return picked?.dir;
  }
}
