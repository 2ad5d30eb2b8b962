// One trainer child process seen from the host: started, observed, cancellable, and turned into
// a failed run if it dies without saying how it ended. No vscode import: the CLI tests use it too.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { isFinal, markCancelled, markFailed, RunFolder } from '../shared/run-folder';
import { parseTrainerEvent, type HostToTrainer, type TrainerEvent } from '../shared/protocol';

export interface TrainerProcessOptions {
  /** A real Node binary (setting distill.nodePath), never Electron. */
  nodePath: string;
  trainerScript: string;
  config: unknown;
  runDir: string;
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * In a process group of its own (POSIX), so a terminal's Ctrl-C reaches only the parent, which
   * cancels the run through the channel and lets it record the ending (the study pool does).
   */
  detached?: boolean;
}

const STDERR_KEPT = 16 * 1024;
const TERMINAL: TrainerEvent['type'][] = ['finished', 'failed', 'cancelled'];

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last event that ended the run, or undefined if the process died without one. */
  ending?: TrainerEvent;
  stderr: string;
}

export class TrainerProcess extends EventEmitter<{ event: [TrainerEvent]; stderr: [string]; exit: [TrainerExit] }> {
  private child?: ChildProcess;
  private stderr = '';
  private cancelRequested = false;
  private ending?: TrainerEvent;
  readonly done: Promise<TrainerExit>;
  private resolveDone!: (exit: TrainerExit) => void;

  constructor(private readonly options: TrainerProcessOptions) {
    super();
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const { nodePath, trainerScript, runDir, config, baseDir } = this.options;
    const child = spawn(nodePath, [trainerScript], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: this.options.env ?? process.env, detached: this.options.detached ?? false });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.emit('stderr', chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      this.stderr = (this.stderr + text).slice(-STDERR_KEPT);
      this.emit('stderr', text);
    });
    child.on('message', (raw: unknown) => {
      const received = parseTrainerEvent(raw);
      if (!received.ok) {
        // Kept where the trainer's own output goes: the run's log shows the broken contract.
        this.emit('stderr', `distill-lab host: dropped a ${received.problem}\n`);
        return;
      }
      const event = received.message;
      if (TERMINAL.includes(event.type)) this.ending = event;
      this.emit('event', event);
    });
    child.on('error', (error) => this.finish(null, null, error.message));
    child.on('exit', (code, signal) => this.finish(code, signal));
    this.post({ type: 'start', config, runDir, baseDir });
  }

  cancel(): void {
    this.cancelRequested = true;
    this.post({ type: 'cancel' });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child?.kill(signal);
  }

  private post(message: HostToTrainer): void {
    if (this.child?.connected) this.child.send(message);
  }

  private finished = false;
  private finish(code: number | null, signal: NodeJS.Signals | null, spawnError?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.ending) this.markDead(code, signal, spawnError);
    const exit: TrainerExit = { code, signal, ending: this.ending, stderr: this.stderr };
    this.emit('exit', exit);
    this.resolveDone(exit);
  }

  /**
   * The trainer died without saying how the run ended: the host records it, keeping everything
   * written — cancelled when it was told to stop (and killed after the grace period), else failed.
   */
  private markDead(code: number | null, signal: NodeJS.Signals | null, spawnError?: string): void {
    const folder = new RunFolder(this.options.runDir);
    folder.ensure();
    let event: TrainerEvent;
    try {
      const recorded = folder.readRecord()?.status;
      // It recorded its ending before it died; that word stands.
      if (recorded && isFinal(recorded)) return;
      if (this.cancelRequested) {
        event = { type: 'cancelled' };
        markCancelled(folder);
      } else {
        const how = spawnError ? `could not start: ${spawnError}` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
        event = { type: 'failed', message: `trainer process ${how}`, stack: this.stderr.trim() || undefined };
        markFailed(folder, event);
      }
    } catch (error) {
      this.emit('stderr', `distill-lab host: could not record how ${this.options.runDir} ended: ${(error as Error).message}\n`);
      return;
    }
    folder.appendEvent(event);
    this.ending = event;
    this.emit('event', event);
  }
}
