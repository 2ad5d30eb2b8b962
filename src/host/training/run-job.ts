// One run in this window, from queued to ended: its folder, its trainer once launched, where it
// is, and a promise of how it ended.
import type { RunFolder } from '../../shared/run-folder';
import type { IDisposable } from '../lifecycle';
import type { ExperimentConfig, RunStatus } from '../../shared/protocol';
import type { TrainerProcess } from './trainer-process';
import { RunProgress } from './run-progress';

export type JobState = 'queued' | 'running' | 'ended';

export class RunJob {
  state: JobState = 'queued';
  trainer: TrainerProcess | undefined;
  readonly progress = new RunProgress();
  stopRequested = false;
  readonly done: Promise<RunStatus>;
  private settle!: (status: RunStatus) => void;

  constructor(
    readonly folder: RunFolder,
    readonly config: ExperimentConfig,
    readonly baseDir: string,
    /** Keeps the store from calling this run abandoned while it is ours. */
    private readonly claim: IDisposable,
  ) {
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  get runDir(): string {
    return this.folder.dir;
  }

  /** "experiment/run-…", how the output channel and messages name the run. */
  get label(): string {
    return `${this.folder.experiment}/${this.folder.id}`;
  }

  end(status: RunStatus): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.claim.dispose();
    this.settle(status);
  }
}
