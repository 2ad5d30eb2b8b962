// The dashboard: one WebviewPanel (form · live charts · predictions · comparison), its
// serializer, and the routing of messages between it and the extension.
//
// API for the extension (src/extension.ts, src/commands.ts):
//
//   registerDashboardSerializer(context, deps)
//       once in activate(); brings the panel back after a reload. The manifest needs the
//       activation event `onWebviewPanel:distill.dashboard` (DASHBOARD_VIEW_TYPE) for that.
//   DashboardPanel.createOrShow(context.extensionUri, deps, focus?)
//       opens the panel or reveals it; `focus` picks the view:
//       { view: 'form' } · { view: 'run', runDir } (charts and predictions of that run) · { view: 'compare' }
//       · { view: 'study', studyDir } (the study's table, charts and progress, redrawn as its runs change).
//   DashboardPanel.current?.formConfig()
//       the form's current experiment config as typed (Distill: Compare Methods…), asked of the
//       webview; undefined when no dashboard is open or it does not answer in time.
//   DashboardPanel.current?.dispose()
//
// `deps` (DashboardDeps below) is how the panel reaches the rest of the extension; it never
// spawns or stops trainers itself.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as vscode from 'vscode';
import { ConfigError, parseStudy, StudyError, WebviewToHost, type DashboardFocus, type HostToWebview, type TrainerEvent } from '../../shared/protocol';
import type { ListedRun } from '../../shared/run-folder';
import { vscodeDialogs, type DashboardDialogs } from './dialogs';
import { dashboardHtml } from './html';
import { isInside } from '../../shared/paths';
import { isDashboardEvent, listRunItems, readCompareRuns, readRunHistory } from './run-data';
import { readRunKnowledge } from './knowledge-data';
import { AttentionSamples, type ComputeAttention } from './attention-data';
import { listStudies, readStudyView } from './study-data';

/** Registered by the host's study commands (src/host/study); the dashboard only calls it. */
export const START_STUDY_COMMAND = 'distill.startStudy';
/** The study view's buttons, each the host's command on a study folder. */
const STUDY_ACTION_COMMANDS = { export: 'distill.exportStudyTable', stop: 'distill.stopStudy', resume: 'distill.resumeStudy' } as const;

export const DASHBOARD_VIEW_TYPE = 'distill.dashboard';

export interface DashboardDeps {
  /** The runs folder (setting `distill.runsDir`, resolved). The webview may open runs inside it only. */
  runsDir(): string;
  /** Every run of the runs folder, as the tree's store last read it (damaged ones included). */
  runs(): readonly ListedRun[];
  /**
   * Queues a run of the form's config, merged with the settings and checked by the runner;
   * resolves to its run folder, or rejects with a ConfigError naming each bad field.
   */
  startRun(config: unknown): Promise<string>;
  /** Every trainer event of every run the runner owns, with the run's folder. */
  onTrainerEvent(listener: (runDir: string, event: TrainerEvent) => void): vscode.Disposable;
  /** Setting `distill.uiUpdatesPerSecond`: the most chart redraws a second the webview makes. */
  uiUpdatesPerSecond(): number;
  /** Optional: the store read the runs folder again; the run list is re-sent. */
  onRunsChanged?(listener: () => void): vscode.Disposable;
  /**
   * Optional: computes a validation sample's attention maps the run did not store, into `out`
   * (`distill-lab attention` in a child process); without it only the stored samples can be shown.
   */
  computeAttention?: ComputeAttention;
  /** Optional replacements for the file dialogs (tests); the rest use vscode.window. */
  dialogs?: Partial<DashboardDialogs>;
}

const TITLE = 'Distill Dashboard';
const RUNS_DEBOUNCE_MS = 300;
/** How long formConfig() waits for the webview (it may first have to load, when the panel was hidden). */
const FORM_CONFIG_TIMEOUT_MS = 5000;
const RUN_LIST_EVENTS: ReadonlySet<TrainerEvent['type']> = new Set(['started', 'finished', 'failed', 'cancelled']);

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export class DashboardPanel {
  private static currentPanel: DashboardPanel | undefined;

  static get current(): DashboardPanel | undefined {
    return DashboardPanel.currentPanel;
  }

  static createOrShow(extensionUri: vscode.Uri, deps: DashboardDeps, focus?: DashboardFocus): DashboardPanel {
    const existing = DashboardPanel.currentPanel;
    if (existing) {
      existing.panel.reveal();
      if (focus) existing.focus(focus);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, TITLE, vscode.ViewColumn.Active, webviewOptions(extensionUri));
    return (DashboardPanel.currentPanel = new DashboardPanel(panel, extensionUri, deps, focus));
  }

  /** For the serializer: VS Code kept the panel; give it a new page. The webview restores its own view from its state. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, deps: DashboardDeps): DashboardPanel {
    DashboardPanel.currentPanel?.dispose();
    panel.webview.options = webviewOptions(extensionUri);
    return (DashboardPanel.currentPanel = new DashboardPanel(panel, extensionUri, deps));
  }

  private readonly disposables: vscode.Disposable[] = [];
  private readonly dialogs: DashboardDialogs;
  /** Nothing is posted before the webview's `ready` (it would be lost). */
  private ready = false;
  private pendingFocus: DashboardFocus | undefined;
  /** The run whose live events are forwarded. */
  private watchedRun: string | undefined;
  /** The study the view shows: re-read and re-sent when the runs folder or its trainers say something changed. */
  private watchedStudy: string | undefined;
  private studyTimer: ReturnType<typeof setTimeout> | undefined;
  /** formConfig() requests waiting for the webview's answer, by request id. */
  private readonly formRequests = new Map<number, (config: object | undefined) => void>();
  private nextRequestId = 1;
  private readonly readyListeners = new Set<() => void>();
  private readonly attention: AttentionSamples;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly deps: DashboardDeps,
    focus?: DashboardFocus,
  ) {
    this.pendingFocus = focus;
    this.dialogs = { ...vscodeDialogs, ...deps.dialogs };
    this.attention = new AttentionSamples(deps.computeAttention);
    const icon = vscode.Uri.joinPath(extensionUri, 'media', 'distill.svg');
    if (existsSync(icon.fsPath)) panel.iconPath = icon;
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      // A hidden webview loses what is posted to it; it says `ready` again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
      deps.onTrainerEvent((runDir, event) => this.onTrainerEvent(runDir, event)),
    );
    if (deps.onRunsChanged)
      this.disposables.push(
        deps.onRunsChanged(() => {
          this.postRuns();
          this.postStudy();
        }),
      );
    panel.webview.html = this.html();
  }

  focus(focus: DashboardFocus): void {
    if (this.ready) this.post({ type: 'focus', focus });
    else this.pendingFocus = focus;
  }

  /**
   * The form's current experiment config, as the user typed it (not validated). A hidden panel is
   * shown first (its webview is unloaded while hidden). Undefined when the webview does not answer
   * within FORM_CONFIG_TIMEOUT_MS or the panel closes meanwhile.
   */
  formConfig(): Promise<object | undefined> {
    const requestId = this.nextRequestId++;
    return new Promise((resolvePromise) => {
      const finish = (config: object | undefined) => {
        clearTimeout(timer);
        this.formRequests.delete(requestId);
        this.readyListeners.delete(ask);
        resolvePromise(config);
      };
      const timer = setTimeout(() => finish(undefined), FORM_CONFIG_TIMEOUT_MS);
      const ask = () => this.post({ type: 'requestFormConfig', requestId });
      this.formRequests.set(requestId, finish);
      if (this.ready) ask();
      else {
        this.readyListeners.add(ask);
        this.panel.reveal(undefined, true);
      }
    });
  }

  dispose(): void {
    if (DashboardPanel.currentPanel === this) DashboardPanel.currentPanel = undefined;
    for (const finish of [...this.formRequests.values()]) finish(undefined);
    this.ready = false;
    clearTimeout(this.runsTimer);
    clearTimeout(this.studyTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private html(): string {
    const asWebviewUri = (file: string) => this.panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', file)).toString();
    return dashboardHtml({ cspSource: this.panel.webview.cspSource, scriptUri: asWebviewUri('webview.js'), styleUri: asWebviewUri('webview.css') });
  }

  private post(message: HostToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  /** Every message from the webview is input: parsed by the protocol's schema, or dropped. */
  private async receive(raw: unknown): Promise<void> {
    const parsed = WebviewToHost.safeParse(raw);
    if (!parsed.success) {
      console.warn(`Distill dashboard: ignored a malformed message: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return;
    }
    try {
      await this.handle(parsed.data);
    } catch (error) {
      const message = (error as Error).message;
      this.post({ type: 'notice', level: 'error', message });
      void vscode.window.showErrorMessage(`Distill dashboard: ${message}`);
    }
  }

  private async handle(message: WebviewToHost): Promise<void> {
    switch (message.type) {
      case 'ready': {
        this.ready = true;
        const focus = this.pendingFocus;
        this.pendingFocus = undefined;
        this.post({ type: 'init', uiUpdatesPerSecond: this.deps.uiUpdatesPerSecond(), runsDir: this.deps.runsDir(), runs: listRunItems(this.deps.runs()), focus });
        for (const ask of [...this.readyListeners]) ask();
        this.readyListeners.clear();
        return;
      }
      case 'formConfig':
        this.formRequests.get(message.requestId)?.(message.config);
        return;
      case 'startRun': {
        let runDir: string;
        try {
          runDir = await this.deps.startRun(message.config);
        } catch (error) {
          if (error instanceof ConfigError) return this.post({ type: 'configProblems', problems: error.problems });
          throw error;
        }
        this.postRuns();
        this.post({ type: 'focus', focus: { view: 'run', runDir } });
        return;
      }
      case 'saveConfig': {
        const name = nameOf(message.config);
        const file = await this.dialogs.saveConfig(`${JSON.stringify(message.config, null, 2)}\n`, `${name}.distill.json`);
        if (file) this.post({ type: 'notice', level: 'info', message: `Saved ${file}` });
        return;
      }
      case 'loadConfig': {
        const opened = await this.dialogs.openConfig();
        if (!opened) return;
        let config: unknown;
        try {
          config = JSON.parse(opened.text);
        } catch (error) {
          throw new Error(`${opened.file} is not JSON: ${(error as Error).message}`);
        }
        this.post({ type: 'configLoaded', config, file: opened.file });
        return;
      }
      case 'pickPath': {
        const path = await this.dialogs.pickPath(message.kind, message.title);
        if (path) this.post({ type: 'pathPicked', field: message.field, path });
        return;
      }
      case 'openRun': {
        const runsDir = this.deps.runsDir();
        if (!isInside(runsDir, message.runDir) || !existsSync(message.runDir)) {
          this.post({ type: 'notice', level: 'error', message: `${message.runDir} is not a run folder inside the runs folder ${runsDir}` });
          return;
        }
        // Reading the history and starting to forward happen in one synchronous turn, so no event
        // falls between them; one that is in both arrives twice, and the webview's reducer is idempotent.
        this.watchedRun = resolve(message.runDir);
        this.post({ type: 'runHistory', history: readRunHistory(message.runDir) });
        return;
      }
      case 'requestKnowledge': {
        const runsDir = this.deps.runsDir();
        if (!isInside(runsDir, message.runDir) || !existsSync(message.runDir)) {
          this.post({ type: 'knowledge', runDir: message.runDir, problem: `${message.runDir} is not a run folder inside the runs folder ${runsDir}` });
          return;
        }
        this.post({ type: 'knowledge', runDir: message.runDir, ...readRunKnowledge(message.runDir) });
        return;
      }
      case 'requestAttention': {
        const runsDir = this.deps.runsDir();
        const { runDir, sample } = message;
        if (!isInside(runsDir, runDir) || !existsSync(runDir)) {
          this.post({ type: 'attention', runDir, sample, problem: `${runDir} is not a run folder inside the runs folder ${runsDir}` });
          return;
        }
        this.post({ type: 'attention', runDir, sample, ...(await this.attention.read(runDir, sample)) });
        return;
      }
      case 'openStudy': {
        const runsDir = this.deps.runsDir();
        if (!isInside(runsDir, message.studyDir) || !existsSync(message.studyDir)) {
          this.post({ type: 'studyData', studyDir: message.studyDir, problem: `${message.studyDir} is not a study folder inside the runs folder ${runsDir}` });
          return;
        }
        this.watchedStudy = resolve(message.studyDir);
        this.sendStudy(message.studyDir);
        return;
      }
      case 'studyAction': {
        const runsDir = this.deps.runsDir();
        if (!isInside(runsDir, message.studyDir) || !existsSync(message.studyDir)) {
          this.post({ type: 'notice', level: 'error', message: `${message.studyDir} is not a study folder inside the runs folder ${runsDir}` });
          return;
        }
        await vscode.commands.executeCommand(STUDY_ACTION_COMMANDS[message.action], message.studyDir);
        this.sendStudy(message.studyDir);
        return;
      }
      case 'requestStudies':
        this.post({ type: 'studies', studies: listStudies(this.deps.runsDir()) });
        return;
      case 'startStudy': {
        let study;
        try {
          study = parseStudy(message.study);
        } catch (error) {
          if (error instanceof StudyError) return this.post({ type: 'studyProblems', problems: error.problems });
          throw error;
        }
        const studyDir: unknown = await vscode.commands.executeCommand(START_STUDY_COMMAND, study);
        if (typeof studyDir === 'string' && studyDir) this.post({ type: 'focus', focus: { view: 'study', studyDir } });
        return;
      }
      case 'requestCompare':
        this.post({ type: 'compareData', runs: readCompareRuns(this.deps.runs()) });
        return;
      case 'refreshRuns':
        this.postRuns();
        return;
    }
  }

  private onTrainerEvent(runDir: string, event: TrainerEvent): void {
    if (this.watchedRun && resolve(runDir) === this.watchedRun && isDashboardEvent(event)) this.post({ type: 'runEvent', runDir, event });
    if (RUN_LIST_EVENTS.has(event.type)) {
      this.postRuns();
      if (this.watchedStudy && isInside(this.watchedStudy, runDir)) this.postStudy();
    }
  }

  private sendStudy(studyDir: string): void {
    try {
      this.post({ type: 'studyData', studyDir, study: readStudyView(studyDir) });
    } catch (error) {
      this.post({ type: 'studyData', studyDir, problem: (error as Error).message });
    }
  }

  /** The watched study is re-read at most every RUNS_DEBOUNCE_MS. */
  private postStudy(): void {
    if (!this.watchedStudy || this.studyTimer) return;
    this.studyTimer = setTimeout(() => {
      this.studyTimer = undefined;
      if (this.watchedStudy) this.sendStudy(this.watchedStudy);
    }, RUNS_DEBOUNCE_MS);
  }

  private runsTimer: ReturnType<typeof setTimeout> | undefined;

  /** The run list is re-read at most every RUNS_DEBOUNCE_MS, however often the runs folder changes. */
  private postRuns(): void {
    if (this.runsTimer) return;
    this.runsTimer = setTimeout(() => {
      this.runsTimer = undefined;
      this.post({ type: 'runs', runs: listRunItems(this.deps.runs()) });
    }, RUNS_DEBOUNCE_MS);
  }
}

function nameOf(config: unknown): string {
  const name = (config as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name ? name.replace(/[^A-Za-z0-9._-]+/g, '-') : 'experiment';
}

/** Call once in activate(): brings the dashboard back after a window reload. Pushed to `context.subscriptions`. */
export function registerDashboardSerializer(context: vscode.ExtensionContext, deps: DashboardDeps): vscode.Disposable {
  const registration = vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
      DashboardPanel.revive(panel, context.extensionUri, deps);
    },
  });
  context.subscriptions.push(registration);
  return registration;
}
