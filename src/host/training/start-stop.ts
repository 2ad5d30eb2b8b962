// Starting, stopping and resuming runs for the commands and the dashboard: where the config comes
// from, which method a command imposes, and what the user sees once a run is queued.
import * as vscode from 'vscode';
import { demoWithMethod } from '../../cli/demo-name';
import { demoChoice, loadConfigFile, pickConfig, type ConfigChoice } from '../experiments/config-source';
import type { ExperimentStore } from '../experiments/store';
import { resolveTarget, resolveTargets, type RunArg } from '../experiments/targets';
import type { Log } from '../log';
import type { MethodName } from '../../shared/protocol';
import { showRunProgress } from './progress-notification';
import { planResume } from './resume';
import type { Runner } from './runner';

/** A config object, or a JSON file (a Uri, e.g. from the explorer). */
export type ConfigArg = object | vscode.Uri | undefined;

export class RunActions {
  constructor(
    private readonly store: ExperimentStore,
    private readonly runner: Runner,
    private readonly log: Log,
  ) {}

  /**
   * Starts `method` on the given config, or on one the user picks. A config written for another
   * method gets this one, with its defaults. Resolves to the new run's folder.
   */
  async runMethod(method: MethodName, title: string, arg: ConfigArg): Promise<string | undefined> {
    const choice = arg ? this.fromArg(arg) : await pickConfig(this.store.runsDir, title);
    if (!choice) return undefined;
    return this.start(withMethod(choice, method));
  }

  /**
   * Runs a config as it is (New Experiment with a config, the dashboard's form); relative paths
   * resolve against the workspace. Throws ConfigError naming each bad field.
   */
  startConfig(config: unknown): string {
    return this.start(this.fromArg(config));
  }

  runDemo(): string {
    return this.start(demoChoice(this.store.runsDir));
  }

  stop(clicked: RunArg, selected?: readonly RunArg[]): Promise<number> | number {
    if (!clicked && this.runner.jobs.length > 0) return this.pickAndStop();
    const entries = resolveTargets(this.store, clicked, selected);
    if (entries.length === 0) throw new Error('choose the run to stop in the Distill view');
    const stopped = entries.filter((entry) => this.runner.stop(entry.runDir));
    const foreign = entries.filter((entry) => entry.record.status === 'running' && !this.runner.job(entry.runDir));
    if (foreign.length > 0)
      void vscode.window.showWarningMessage(`Distill: ${foreign.map((e) => `${e.experiment}/${e.id}`).join(', ')} was started elsewhere (pid ${foreign[0].record.pid}); stop it there.`);
    return stopped.length;
  }

  resume(clicked: RunArg): string {
    const entry = resolveTarget(this.store, clicked, 'resume');
    const plan = planResume(entry);
    const runDir = this.start({ config: plan.config, baseDir: this.baseDirFor(entry.runDir), source: `${entry.experiment}/${entry.id}` });
    const message = `Distill: resuming ${entry.experiment}/${entry.id} as a new run. ${plan.note}`;
    this.log.info(message);
    void vscode.window.showInformationMessage(message);
    return runDir;
  }

  private start(choice: ConfigChoice): string {
    const job = this.runner.start(choice.config, choice.baseDir);
    this.log.info(`${job.label}: from ${choice.source}`);
    showRunProgress(this.runner, job);
    return job.runDir;
  }

  private fromArg(arg: unknown): ConfigChoice {
    if (arg instanceof vscode.Uri) return loadConfigFile(arg.fsPath);
    return { config: arg, baseDir: this.baseDirFor(this.store.runsDir), source: 'the config given' };
  }

  private baseDirFor(fallback: string): string {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? fallback;
  }

  private async pickAndStop(): Promise<number> {
    const picked = await vscode.window.showQuickPick(
      this.runner.jobs.map((job) => ({ label: job.label, description: job.state === 'queued' ? 'queued' : job.progress.describe(), runDir: job.runDir })),
      { title: 'Stop run', canPickMany: true },
    );
    return (picked ?? []).filter((item) => this.runner.stop(item.runDir)).length;
  }
}

function withMethod(choice: ConfigChoice, method: MethodName): ConfigChoice {
  if (choice.demo) return { ...choice, config: demoWithMethod(choice.demo, method) };
  const config = (choice.config ?? {}) as { method?: { name?: string } };
  if (config.method?.name === method) return choice;
  return { ...choice, config: { ...config, method: { name: method } } };
}
