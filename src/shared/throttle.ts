// Calls `fn` at most once per interval, always once more after the last request (trailing edge),
// so a burst of trainer events becomes a steady, bounded stream of UI updates.
import type { IDisposable } from '../host/lifecycle';

export class Throttle implements IDisposable {
  private timer: NodeJS.Timeout | undefined;
  private lastRun = 0;

  constructor(
    private readonly fn: () => void,
    private readonly intervalMs: () => number,
  ) {}

  schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastRun + this.intervalMs() - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastRun = Date.now();
      this.fn();
    }, wait);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
