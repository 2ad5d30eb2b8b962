// The "Experiments" view: experiments → runs → models, and studies → members → models, from the
// runs folder alone, with the live progress of this window's runs and studies on top.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES, type DamagedRun } from '../../shared/run-folder';
import { readSettings } from '../settings';
import { Disposable } from '../lifecycle';
import type { ModelSummary, RunStatus } from '../../shared/protocol';
import { formatCount, percent } from '../../shared/format';
import { rateInterval, Throttle } from '../../shared/throttle';
import type { Runner } from '../training/runner';
import { memberViews, studyContext, studyProgress, type MemberStatus, type MemberView } from '../study/member-view';
import type { StudyRunner } from '../study/study-runner';
import type { ExperimentStore, RunEntry, StudyFolder } from './store';

export type ExperimentNode = { readonly kind: 'experiment'; readonly name: string; readonly runs: RunEntry[]; readonly damaged: DamagedRun[] };
export type RunNode = { readonly kind: 'run'; readonly runDir: string; readonly entry: RunEntry };
/** A run whose run.json or summary.json cannot be read: shown, with why, rather than hidden. */
export type DamagedRunNode = { readonly kind: 'damaged'; readonly runDir: string; readonly run: DamagedRun };
export type ModelNode = { readonly kind: 'model'; readonly runDir: string; readonly model: ModelSummary };
/** A study: its members (and, for Compare Runs, their readable runs). */
export type StudyNode = {
  readonly kind: 'study';
  readonly name: string;
  readonly studyDir: string;
  readonly members: MemberView[];
  readonly runs: RunEntry[];
  readonly active: boolean;
  readonly problem?: string;
};
/** A member of a study; `runDir` is the attempt that speaks for it, when it has one. */
export type MemberNode = { readonly kind: 'member'; readonly studyDir: string; readonly view: MemberView; readonly runDir?: string };
export type TreeNode = ExperimentNode | RunNode | DamagedRunNode | ModelNode | StudyNode | MemberNode;

const STATUS_ICONS: Record<RunStatus, vscode.ThemeIcon> = {
  queued: new vscode.ThemeIcon('clock'),
  running: new vscode.ThemeIcon('sync~spin'),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  cancelled: new vscode.ThemeIcon('circle-slash'),
  interrupted: new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('testing.iconQueued')),
};

const MEMBER_ICONS: Record<MemberStatus, vscode.ThemeIcon> = {
  ...STATUS_ICONS,
  damaged: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  blocked: new vscode.ThemeIcon('debug-disconnect'),
  'not started': new vscode.ThemeIcon('circle-outline'),
};

/** The model a run is about: the distilled student, else whatever it trained last. */
export function keyModel(entry: RunEntry): ModelSummary | undefined {
  const models = entry.summary?.models ?? [];
  return models.find((m) => m.role === 'student') ?? models.at(-1);
}

/** Short enough to leave the description room in a sidebar: "14:03:12" today, "01-10 11:00" before. */
export function formatRunTime(iso: string | undefined, fallback: string, now = new Date()): string {
  const date = iso ? new Date(iso) : undefined;
  if (!date || Number.isNaN(date.getTime())) return fallback;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (date.toDateString() === now.toDateString()) return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const day = `${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${date.getFullYear() === now.getFullYear() ? '' : `${date.getFullYear()}-`}${day} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export class ExperimentsTree extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this._register(new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  // Progress redraws only the active runs' rows: redrawing the whole tree several times a second
  // invalidates every row's handle, and a click on a row's action in that moment loses its target.
  private readonly redraw = this._register(
    new Throttle(
      () => this.changed.fire(this.activeRunNodes()),
      () => rateInterval(readSettings().uiUpdatesPerSecond),
    ),
  );

  /** The study nodes last handed out, by folder: VS Code refreshes an element it was given, by identity. */
  private studyNodes = new Map<string, StudyNode>();
  /** Studies that moved since the last redraw (one that just ended among them). */
  private readonly movedStudies = new Set<string>();
  private readonly redrawStudies = this._register(
    new Throttle(
      () => {
        const nodes = [...this.movedStudies].flatMap((dir) => this.studyNodes.get(dir) ?? []);
        this.movedStudies.clear();
        if (nodes.length > 0) this.changed.fire(nodes);
      },
      () => rateInterval(readSettings().uiUpdatesPerSecond),
    ),
  );

  constructor(
    private readonly store: ExperimentStore,
    private readonly runner: Runner,
    private readonly studies: StudyRunner,
  ) {
    super();
    this._register(store.onDidChange(() => this.changed.fire(undefined)));
    this._register(runner.onDidChange(() => this.redraw.request()));
    // A study's node (and so its members) redraws as its members start, train and end.
    this._register(
      studies.onDidChange((study) => {
        this.movedStudies.add(study.studyDir);
        this.redrawStudies.request();
      }),
    );
  }

  /** The study's node as its folder and this window's runner say now. */
  studyNode(folder: StudyFolder): StudyNode {
    const active = this.studies.study(folder.dir);
    const listed = this.store.listing.filter((run) => dirname(run.runDir) === folder.dir);
    const members = memberViews(folder.dir, folder.members, listed, active);
    const runs = members.flatMap((view) => (view.run?.kind === 'run' ? [view.run] : []));
    return { kind: 'study', name: folder.name, studyDir: folder.dir, members, runs, active: active !== undefined, problem: folder.problem };
  }

  /** The node again from the store: a node VS Code hands back may be older than its last redraw. */
  private fresh(node: StudyNode): StudyNode {
    const folder = this.store.studies.find((study) => study.dir === node.studyDir);
    return folder ? this.studyNode(folder) : node;
  }

  private activeRunNodes(): TreeNode[] | undefined {
    const nodes = this.runner.jobs.flatMap((job): TreeNode[] => {
      const entry = this.store.find(job.runDir);
      return entry ? [{ kind: 'run', runDir: entry.runDir, entry }] : [];
    });
    return nodes.length > 0 ? nodes : undefined;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) {
      const experiments = this.store.experiments().map((group): TreeNode => ({ kind: 'experiment', ...group }));
      const studies = this.store.studies.map((folder) => this.studyNode(folder));
      this.studyNodes = new Map(studies.map((study) => [study.studyDir, study]));
      return [...experiments, ...studies].sort((a, b) => (a as { name: string }).name.localeCompare((b as { name: string }).name));
    }
    if (node.kind === 'study') {
      // Built afresh: VS Code asks for a node's children when it was told the node changed.
      return this.fresh(node).members.map((view): MemberNode => ({ kind: 'member', studyDir: node.studyDir, view, runDir: view.run?.runDir }));
    }
    if (node.kind === 'member') return node.view.run?.kind === 'run' ? (node.view.run.summary?.models ?? []).map((model) => ({ kind: 'model', runDir: node.view.run!.runDir, model })) : [];
    if (node.kind === 'experiment') {
      const runs: (RunNode | DamagedRunNode)[] = [
        ...node.runs.map((entry): RunNode => ({ kind: 'run', runDir: entry.runDir, entry })),
        ...node.damaged.map((run): DamagedRunNode => ({ kind: 'damaged', runDir: run.runDir, run })),
      ];
      return runs.sort((a, b) => b.runDir.localeCompare(a.runDir));
    }
    if (node.kind === 'run') return (node.entry.summary?.models ?? []).map((model) => ({ kind: 'model', runDir: node.runDir, model }));
    return [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'experiment' || node.kind === 'study') return undefined;
    const studyNodeOf = (studyDir: string) => {
      const folder = this.store.studies.find((study) => study.dir === studyDir);
      return folder && this.studyNode(folder);
    };
    if (node.kind === 'member') return studyNodeOf(node.studyDir);
    const study = this.store.studyOf(node.runDir);
    if (study) {
      const view = studyNodeOf(study.dir)?.members.find((m) => m.run?.runDir === node.runDir);
      return view && { kind: 'member', studyDir: study.dir, view, runDir: node.runDir };
    }
    const experimentOf = (name: string): ExperimentNode | undefined => {
      const group = this.store.experiments().find((e) => e.name === name);
      return group && { kind: 'experiment', ...group };
    };
    if (node.kind === 'damaged') return experimentOf(node.run.experiment);
    const entry = this.store.find(node.runDir);
    if (!entry) return undefined;
    if (node.kind === 'model') return { kind: 'run', runDir: entry.runDir, entry };
    return experimentOf(entry.experiment);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node.kind === 'experiment') return this.experimentItem(node);
    if (node.kind === 'run') return this.runItem(node.entry);
    if (node.kind === 'damaged') return this.damagedItem(node.run);
    if (node.kind === 'study') return this.studyItem(node);
    if (node.kind === 'member') return this.memberItem(node);
    return this.modelItem(node);
  }

  /** The config is read only when the tooltip is wanted. */
  resolveTreeItem(item: vscode.TreeItem, node: TreeNode): vscode.TreeItem {
    if (node.kind === 'run') item.tooltip = this.runTooltip(node.entry);
    if (node.kind === 'member' && node.view.run?.kind === 'run') item.tooltip = this.runTooltip(node.view.run);
    return item;
  }

  private studyItem(given: StudyNode): vscode.TreeItem {
    const node = this.fresh(given);
    const item = new vscode.TreeItem(node.name, node.members.length > 24 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
    item.id = `study:${node.studyDir}`;
    item.resourceUri = vscode.Uri.file(node.studyDir);
    if (node.problem) {
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      item.description = `study.json: ${node.problem.split('\n')[0]}`;
      item.tooltip = node.problem;
      item.contextValue = 'studyDamaged';
      return item;
    }
    item.iconPath = new vscode.ThemeIcon(node.active ? 'loading~spin' : 'layers');
    item.description = studyProgress(node.members);
    item.tooltip = `Study ${node.name}: ${node.members.length} members (${[...new Set(node.members.map((m) => m.member.method))].join(', ')}; seeds ${[...new Set(node.members.filter((m) => m.member.role !== 'teacher').map((m) => m.member.seed))].join(', ')})\n${node.studyDir}`;
    item.contextValue = studyContext(node.members, node.active);
    return item;
  }

  private memberItem(node: MemberNode): vscode.TreeItem {
    const { view } = node;
    const run = view.run?.kind === 'run' ? view.run : undefined;
    const hasModels = (run?.summary?.models.length ?? 0) > 0 && view.status === 'completed';
    const item = new vscode.TreeItem(view.member.id, hasModels ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `member:${node.studyDir}:${view.member.id}`;
    item.iconPath = MEMBER_ICONS[view.status];
    item.description = this.memberDescription(node);
    // With a run folder, the run actions apply (open, reveal, compare, export, delete); without one, none do.
    item.contextValue = node.runDir ? `member.${view.status === 'not started' ? 'missing' : view.status}` : 'memberPending';
    if (node.runDir) item.resourceUri = vscode.Uri.file(node.runDir);
    return item;
  }

  /** "kd · seed 1 · student 81.2% test", "kd · seed 1 · student · epoch 1/1 · 40%", "kd · seed 2 · queued". */
  memberDescription(node: MemberNode): string {
    const { view } = node;
    const parts = [view.member.method, `seed ${view.member.seed}`];
    const live = node.runDir && view.status === 'running' ? this.studies.study(node.studyDir)?.progress.get(node.runDir) : undefined;
    const run = view.run?.kind === 'run' ? view.run : undefined;
    if (live) parts.push(`${live.describe()} · ${Math.round(live.fraction * 100)}%`);
    else if (view.status === 'failed' && run?.record.error) parts.push(`failed: ${run.record.error.message.split('\n')[0]}`);
    else if (view.status === 'blocked') parts.push(`blocked: its teacher (${view.member.teacher}) did not complete`);
    else if (view.status !== 'completed') parts.push(view.status);
    const model = run && view.status === 'completed' ? keyModel(run) : undefined;
    if (model) parts.push(headline(model));
    if (view.attempts > 1) parts.push(`${view.attempts} attempts`);
    return parts.join(' · ');
  }

  private experimentItem(node: ExperimentNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `experiment:${node.name}`;
    item.iconPath = new vscode.ThemeIcon('beaker');
    const count = node.runs.length + node.damaged.length;
    item.description = `${count} run${count === 1 ? '' : 's'}`;
    item.contextValue = 'experiment';
    return item;
  }

  private runItem(entry: RunEntry): vscode.TreeItem {
    const { record } = entry;
    const hasModels = (entry.summary?.models.length ?? 0) > 0;
    const item = new vscode.TreeItem(formatRunTime(record.startedAt ?? record.createdAt, entry.id), hasModels ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `run:${entry.runDir}`;
    item.iconPath = STATUS_ICONS[record.status] ?? new vscode.ThemeIcon('question');
    item.description = this.runDescription(entry);
    item.contextValue = `run.${record.status}`;
    item.resourceUri = vscode.Uri.file(entry.runDir);
    return item;
  }

  /** "kd · student 81.2% test", "kd · teacher · epoch 2/4 · 35%", "kd · failed: …". */
  runDescription(entry: RunEntry): string {
    const { record } = entry;
    // Live progress until the run folder records an ending (the trainer writes it just before it exits).
    const job = this.runner.job(entry.runDir);
    const live = job?.state === 'running' && (record.status === 'running' || record.status === 'queued');
    const parts: string[] = [record.method ?? '?'];
    if (live) parts.push(`${job.progress.describe()} · ${Math.round(job.progress.fraction * 100)}%`);
    else if (record.status !== 'completed') parts.push(record.status === 'failed' && record.error ? `failed: ${record.error.message.split('\n')[0]}` : record.status);
    const model = keyModel(entry);
    if (model && !live) parts.push(headline(model));
    return parts.join(' · ');
  }

  private runTooltip(entry: RunEntry): vscode.MarkdownString {
    const { record } = entry;
    const lines = [`**${entry.experiment}** · \`${entry.id}\``, '', `status: ${record.status}${record.backend ? ` · backend ${record.backend}` : ''}`];
    if (record.startedAt) lines.push('', `started ${record.startedAt}${record.endedAt ? `, ended ${record.endedAt}` : ''}`);
    if (record.error) lines.push('', `error: ${record.error.message}`);
    for (const model of entry.summary?.models ?? []) lines.push('', `${model.role} (${model.arch}): ${accuracyLine(model)}`);
    let config = '';
    try {
      config = JSON.stringify(JSON.parse(readFileSync(entry.folder.path(RUN_FILES.config), 'utf8')), null, 2);
    } catch {
      config = '(no config.json)';
    }
    const markdown = new vscode.MarkdownString(lines.join('\n'));
    markdown.appendCodeblock(config, 'json');
    return markdown;
  }

  private damagedItem(run: DamagedRun): vscode.TreeItem {
    const item = new vscode.TreeItem(run.id, vscode.TreeItemCollapsibleState.None);
    item.id = `damaged:${run.runDir}`;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    item.description = `damaged: ${basename(run.damage.path)}: ${run.damage.reason.split('\n')[0]}`;
    item.tooltip = `${run.damage.path} cannot be read: ${run.damage.reason}`;
    item.contextValue = 'damagedRun';
    item.resourceUri = vscode.Uri.file(run.runDir);
    return item;
  }

  private modelItem(node: ModelNode): vscode.TreeItem {
    const { model } = node;
    const item = new vscode.TreeItem(model.role, vscode.TreeItemCollapsibleState.None);
    item.id = `model:${node.runDir}:${model.role}`;
    item.iconPath = new vscode.ThemeIcon(model.role === 'teacher' ? 'mortar-board' : 'person');
    item.description = `${model.arch} · ${formatCount(model.params)} params · ${accuracyLine(model)}`;
    item.tooltip = [
      `${model.role}: ${model.arch}`,
      `${model.params} parameters, ${model.bytes} bytes`,
      ...(model.testAccuracy !== undefined ? [`test accuracy ${percent(model.testAccuracy)} at the best-validation checkpoint, ${percent(model.testAccuracyLast)} after the last epoch`] : []),
      `best validation accuracy ${percent(model.bestValAccuracy)} (epoch ${model.bestEpoch}), last ${percent(model.lastValAccuracy)}`,
      ...(model.agreement !== undefined ? [`agreement with the teacher ${percent(model.agreement)}`] : []),
      ...(model.compression !== undefined ? [`compression ${model.compression.toFixed(1)}×`] : []),
      `latency ${model.latencyMs.toFixed(2)} ms · wall time ${model.wallTimeSec.toFixed(1)} s`,
    ].join('\n');
    item.contextValue = `model.${model.role === 'teacher' ? 'teacher' : 'student'}`;
    return item;
  }
}

/** The key figure: test accuracy of the best-validation checkpoint; runs made before test was kept apart show their best validation accuracy, labelled so. */
function headline(model: ModelSummary): string {
  return model.testAccuracy !== undefined ? `${model.role} ${percent(model.testAccuracy)} test` : `${model.role} ${percent(model.bestValAccuracy)} best val`;
}

function accuracyLine(model: ModelSummary): string {
  const validation = `val ${percent(model.bestValAccuracy)} best · ${percent(model.lastValAccuracy)} last`;
  return model.testAccuracy !== undefined ? `test ${percent(model.testAccuracy)} · ${validation}` : validation;
}
