// A status-bar item while runs are active: how many, and the backend and place of the first one
// (status-text.ts). Clicking it opens the Distill view. Also sets the `distill.hasActiveRuns`
// context key for menus.
import * as vscode from 'vscode';
import { readSettings } from '../settings';
import { Disposable } from '../lifecycle';
import { rateInterval, Throttle } from '../../shared/throttle';
import type { Runner } from './runner';
import { runsStatusText } from './status-text';

export class RunStatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('distill.runs', vscode.StatusBarAlignment.Left, 10));
  private readonly update = this._register(
    new Throttle(
      () => this.render(),
      () => rateInterval(readSettings().uiUpdatesPerSecond),
    ),
  );
  private hadActive = false;

  constructor(private readonly runner: Runner) {
    super();
    this.item.name = 'Distill runs';
    this.item.command = 'workbench.view.extension.distill';
    this._register(runner.onDidChange(() => this.update.request()));
    this.render();
  }

  private render(): void {
    const jobs = this.runner.jobs;
    const active = jobs.length > 0;
    if (active !== this.hadActive) void vscode.commands.executeCommand('setContext', 'distill.hasActiveRuns', active);
    this.hadActive = active;
    if (!active) {
      this.item.hide();
      return;
    }
    const { text, tooltip } = runsStatusText(jobs);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.show();
  }
}
