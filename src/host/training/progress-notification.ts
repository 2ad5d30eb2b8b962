// A cancellable progress notification for one run: cancelling it stops the run.
import * as vscode from 'vscode';
import { readSettings } from '../settings';
import type { RunJob } from './run-job';
import type { Runner } from './runner';

export function showRunProgress(runner: Runner, job: RunJob): void {
  void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Distill: ${job.label}`, cancellable: true }, (progress, token) => {
    token.onCancellationRequested(() => runner.stop(job.runDir));
    let reported = 0;
    let lastReport = 0;
    const report = () => {
      const now = Date.now();
      if (job.state !== 'ended' && now - lastReport < 1000 / readSettings().uiUpdatesPerSecond) return;
      lastReport = now;
      const percent = Math.round(job.progress.fraction * 100);
      const message = job.state === 'queued' ? `queued behind ${runner.jobs.indexOf(job)} run(s)` : `${job.progress.describe()} · ${percent}%`;
      progress.report({ message, increment: Math.max(0, percent - reported) });
      reported = Math.max(reported, percent);
    };
    report();
    const subscription = runner.onDidChange((changed) => changed === job && report());
    return job.done.finally(() => subscription.dispose());
  });
}
