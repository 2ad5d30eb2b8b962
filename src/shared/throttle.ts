// The one throttle of the product (extension host and webview): `flush` runs at most once per
// interval, and always once after the last request (trailing edge), so a burst of trainer events
// becomes a steady, bounded stream of UI updates. The interval is read at each request, so a
// changed setting applies at once.

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout?(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** distill.uiUpdatesPerSecond's sane range: a bad value still updates, and never more than 60 a second. */
export const MIN_RATE = 0.2;
export const MAX_RATE = 60;

/** Milliseconds between updates at `perSecond`, clamped to [MIN_RATE, MAX_RATE] (4 a second when not a number). */
export function rateInterval(perSecond: number): number {
  const rate = Number.isFinite(perSecond) ? Math.min(MAX_RATE, Math.max(MIN_RATE, perSecond)) : 4;
  return 1000 / rate;
}

export class Throttle {
  private lastFlush = -Infinity;
  private timer: unknown;
  private scheduled = false;

  constructor(
    private readonly flush: () => void,
    private readonly intervalMs: () => number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Flushes are at least intervalMs() apart; requests between them coalesce into one. */
  request(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = Math.max(0, this.lastFlush + this.intervalMs() - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.scheduled = false;
      this.lastFlush = this.clock.now();
      this.flush();
    }, wait);
  }

  dispose(): void {
    if (this.scheduled) this.clock.clearTimeout?.(this.timer);
    this.scheduled = false;
  }
}
