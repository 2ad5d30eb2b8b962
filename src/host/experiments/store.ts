// The runs folder as the extension sees it — the tree and the dashboard both read it from here:
// every run's record and summary (damaged ones listed as such), rescanned when the folder changes
// on disk (runs from the CLI, another window or another machine show up), and runs whose owner
// process died unseen turned into `interrupted`.
import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { isInside } from '../../shared/paths';
import * as vscode from 'vscode';
import { isOwnerGone, isRunStateFile, listRuns, markInterrupted, readRuns, type DamagedRun, type ListedRun, type ReadableRun } from '../../shared/run-folder';
import { Disposable, toDisposable, type IDisposable } from '../lifecycle';
import { Throttle } from '../../shared/throttle';
import { watchTargets } from './watch-targets';
import { StudyFolderReader, type StudyFolder } from '../study/study-folders';

export type RunEntry = ReadableRun;
export type { DamagedRun, ListedRun, StudyFolder };

export interface ExperimentGroup {
  name: string;
  /** Newest first. */
  runs: RunEntry[];
  damaged: DamagedRun[];
}

const RESCAN_DELAY_MS = 150;
/**
 * File watchers miss events (a watcher still starting, inotify limits, network drives), so the
 * folder is also checked this often; only a changed run.json or summary.json triggers a rescan.
 */
const POLL_INTERVAL_MS = 4000;

/** What a listing shows depends on run.json and summary.json only: their times stand for the folder's state. */
function folderSignature(dir: string): string {
  return listRuns(dir)
    .map((folder) => `${folder.dir}:${folder.stateStamp()}`)
    .join('|');
}

export class ExperimentStore extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires after a rescan. */
  readonly onDidChange = this.changed.event;
  private listed: ListedRun[] = [];
  private entries: RunEntry[] = [];
  private studyFolders: StudyFolder[] = [];
  private readonly studyReader = new StudyFolderReader();
  private dir: string;
  /** One non-recursive watcher per watched folder (see watch), by folder and pattern. */
  private readonly watchers = new Map<string, IDisposable>();
  private readonly claimed = new Set<string>();
  private readonly rescan = this._register(
    new Throttle(
      () => this.refresh(),
      () => RESCAN_DELAY_MS,
    ),
  );

  /** `locate` gives the runs folder; it is asked again on `relocate()` (the setting changed). */
  private signature = '';

  constructor(private readonly locate: () => string) {
    super();
    this.dir = locate();
    this.watch();
    this._register(toDisposable(() => this.unwatchAll()));
    const poll = setInterval(() => {
      if (folderSignature(this.dir) !== this.signature) this.scheduleRefresh();
    }, POLL_INTERVAL_MS);
    this._register(toDisposable(() => clearInterval(poll)));
  }

  get runsDir(): string {
    return this.dir;
  }

  /** The readable runs. */
  get runs(): readonly RunEntry[] {
    return this.entries;
  }

  /** Every run folder, readable or damaged, in path order. */
  get listing(): readonly ListedRun[] {
    return this.listed;
  }

  find(runDir: string): RunEntry | undefined {
    return this.entries.find((entry) => entry.runDir === runDir);
  }

  /** The study folders (a study.json inside), by name; their member runs are in `runs` and `listing` too. */
  get studies(): readonly StudyFolder[] {
    return this.studyFolders;
  }

  /** The study whose folder holds this run, if any. */
  studyOf(runDir: string): StudyFolder | undefined {
    return this.studyFolders.find((study) => dirname(runDir) === study.dir);
  }

  /** Runs grouped by experiment, experiments by name, newest run first; a study's members are its study's, not an experiment's. */
  experiments(): ExperimentGroup[] {
    const groups = new Map<string, ExperimentGroup>();
    const studyDirs = new Set(this.studyFolders.map((study) => study.dir));
    for (const run of [...this.listed].sort((a, b) => b.id.localeCompare(a.id))) {
      if (studyDirs.has(dirname(run.runDir))) continue;
      const group = groups.get(run.experiment) ?? { name: run.experiment, runs: [], damaged: [] };
      if (run.kind === 'run') group.runs.push(run);
      else group.damaged.push(run);
      groups.set(run.experiment, group);
    }
    return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A run this window is responsible for: never marked interrupted while claimed. */
  claim(runDir: string): IDisposable {
    this.claimed.add(runDir);
    return toDisposable(() => this.claimed.delete(runDir));
  }

  /** Reads the folder again now. */
  refresh(): void {
    if (this.isDisposed) return;
    this.syncWatchers();
    this.signature = folderSignature(this.dir);
    this.listed = readRuns(this.dir).map((run) => (run.kind === 'run' ? this.interruptIfAbandoned(run) : run));
    this.entries = this.listed.filter((run): run is RunEntry => run.kind === 'run');
    this.studyFolders = this.studyReader.read(this.dir).sort((a, b) => a.name.localeCompare(b.name));
    this.changed.fire();
  }

  /** Reads the folder again soon; bursts of calls collapse into one rescan. */
  scheduleRefresh(): void {
    this.rescan.request();
  }

  relocate(): void {
    const dir = this.locate();
    if (dir === this.dir) return;
    this.dir = dir;
    this.unwatchAll();
    this.watch();
    this.refresh();
  }

  deleteRun(runDir: string): void {
    if (this.claimed.has(runDir)) throw new Error('the run is active: stop it first');
    if (!isInside(this.dir, runDir)) throw new Error(`${runDir} is not inside the runs folder ${this.dir}`);
    rmSync(runDir, { recursive: true, force: true });
    // The experiment goes with its last run.
    const experimentDir = dirname(runDir);
    if (readdirSync(experimentDir).length === 0) rmdirSync(experimentDir);
    this.refresh();
  }

  /**
   * A run left queued or running by a process that is gone (VS Code closed, the machine
   * restarted, a CLI killed) will never record an ending: it becomes `interrupted`, resumable.
   */
  private interruptIfAbandoned(entry: RunEntry): RunEntry {
    const { record } = entry;
    if (this.claimed.has(entry.runDir) || !isOwnerGone(record)) return entry;
    try {
      const updated = markInterrupted(entry.folder, `the process that ${record.status === 'queued' ? 'queued' : 'ran'} it (pid ${record.pid}) ended without recording an outcome`);
      return { ...entry, record: updated };
    } catch {
      // Its owner wrote an ending meanwhile, or the folder went: the next rescan shows which.
      return entry;
    }
  }

  private parentIsWorkspaceFolder(): boolean {
    return (vscode.workspace.workspaceFolders ?? []).some((folder) => folder.uri.fsPath === dirname(this.dir));
  }

  private unwatchAll(): void {
    for (const watcher of this.watchers.values()) watcher.dispose();
    this.watchers.clear();
  }

  /**
   * Only what changes the tree triggers a rescan: run.json, summary.json, and run or experiment
   * folders appearing or going. metrics.jsonl and checkpoints change constantly during training.
   * Nothing is watched recursively — the runs folder may be any folder the user chose — only its
   * own levels, each folder non-recursively: the runs folder (experiments appearing or going), each
   * experiment folder (its runs), and each run folder (its run.json and summary.json; never its
   * checkpoints). syncWatchers runs again on every rescan, so new folders are watched and gone ones dropped.
   */
  private watch(): void {
    // The default runs folder (.distill in the workspace) may not exist yet: it is watched from
    // the workspace folder, for its own name only, until the first run creates it, maybe from the
    // CLI. Any other runs folder is created.
    if (!existsSync(this.dir) && !this.parentIsWorkspaceFolder()) mkdirSync(this.dir, { recursive: true });
    this.syncWatchers();
  }

  private syncWatchers(): void {
    const wanted = new Map(watchTargets(this.dir).map((target) => [`${target.folder}\0${target.pattern}`, target]));
    for (const [key, watcher] of this.watchers) {
      if (wanted.has(key)) continue;
      watcher.dispose();
      this.watchers.delete(key);
    }
    for (const [key, { folder, pattern }] of wanted) {
      if (!this.watchers.has(key)) this.watchers.set(key, this.watchFolder(folder, pattern));
    }
  }

  private watchFolder(folder: string, pattern: string): IDisposable {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(folder), pattern));
    const onEvent = (uri: vscode.Uri) => {
      const parts = relative(this.dir, uri.fsPath).split(sep);
      if (parts[0] === '..' || parts.length > 3) return;
      if (parts.length <= 2 || isRunStateFile(parts[2])) this.scheduleRefresh();
    };
    const subscriptions = [watcher, watcher.onDidCreate(onEvent), watcher.onDidChange(onEvent), watcher.onDidDelete(onEvent)];
    return toDisposable(() => subscriptions.forEach((s) => s.dispose()));
  }
}

/** The folders directly inside `dir` (none when it cannot be read). */
