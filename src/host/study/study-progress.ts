// What a user sees of a running study besides the tree: a cancellable progress notification
// (cancelling it stops the study) with the members done, running and failed, and a message when
// it ends; and the `distill.hasActiveStudies` context key for the menus.
import * as vscode from 'vscode';
import { Disposable } from '../lifecycle';
import type { Log } from '../log';
import { readSettings } from '../settings';
import type { ActiveStudy, StudyRunner } from './study-runner';

export function showStudyProgress(runner: StudyRunner, study: ActiveStudy, log: Log): void {
  void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Distill: study ${study.name}`, cancellable: true }, (progress, token) => {
    token.onCancellationRequested(() => runner.stop(study.studyDir));
    let reported = 0;
    let lastReport = 0;
    const report = () => {
      const now = Date.now();
      if (now - lastReport < 1000 / readSettings().uiUpdatesPerSecond) return;
      lastReport = now;
      const percent = Math.round((study.settled.size / Math.max(1, study.members.length)) * 100);
      progress.report({ message: `${study.stopRequested ? 'stopping · ' : ''}${study.describe()}`, increment: Math.max(0, percent - reported) });
      reported = Math.max(reported, percent);
    };
    report();
    const subscription = runner.onDidChange((changed) => changed === study && report());
    return study.done.finally(() => subscription.dispose());
  });
  void study.done.then((outcome) => {
    if (!outcome) return;
    const completed = study.count('completed');
    const text = `Distill: study ${study.name} ${outcome.stopped ? 'stopped' : 'ended'}: ${completed}/${study.members.length} members completed${completed < study.members.length ? `, ${study.members.length - completed} not` : ''}.`;
    const show = completed === study.members.length ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(text, 'Open Study', 'Show Output').then((choice) => {
      if (choice === 'Open Study') void vscode.commands.executeCommand('distill.openStudy', { studyDir: study.studyDir });
      if (choice === 'Show Output') log.show();
    });
  });
}

/** Keeps `distill.hasActiveStudies` true while this window runs a study (Stop Study in the palette). */
export class ActiveStudiesContext extends Disposable {
  private had = false;

  constructor(runner: StudyRunner) {
    super();
    this._register(
      runner.onDidChange(() => {
        const has = runner.studies.length > 0;
        if (has !== this.had) void vscode.commands.executeCommand('setContext', 'distill.hasActiveStudies', has);
        this.had = has;
      }),
    );
  }
}
