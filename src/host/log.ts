// The "Distill" output channel. It also keeps a bounded tail in memory, so a failure can be
// reported with what the trainer last said, and the integration tests can read it.
import * as vscode from 'vscode';
import { Disposable } from './lifecycle';

const TAIL_CHARS = 64 * 1024;

export class Log extends Disposable {
  private readonly channel = this._register(vscode.window.createOutputChannel('Distill'));
  private kept = '';
  /** Per run, the trainer's last line when it has not ended yet. */
  private readonly partial = new Map<string, string>();

  /** A line, stamped with the time. */
  info(message: string): void {
    this.write(`[${new Date().toLocaleTimeString()}] ${message}\n`);
  }

  /** Raw output of a trainer (or of npm installing the native backend), a whole line at a time, each prefixed with the run (or `npm`) it came from. */
  trainerOutput(run: string, text: string): void {
    const lines = ((this.partial.get(run) ?? '') + text).split('\n');
    this.partial.set(run, lines.pop() ?? '');
    if (lines.length > 0) this.write(lines.map((line) => `[${run}] ${line}\n`).join(''));
  }

  /** The trainer has exited: its unfinished last line is written as it is. */
  endTrainerOutput(run: string): void {
    const rest = this.partial.get(run);
    this.partial.delete(run);
    if (rest) this.write(`[${run}] ${rest}\n`);
  }

  show(): void {
    this.channel.show(true);
  }

  tail(): string {
    return this.kept;
  }

  private write(text: string): void {
    this.channel.append(text);
    this.kept = (this.kept + text).slice(-TAIL_CHARS);
  }
}
