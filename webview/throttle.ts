// Redraws batched to the setting distill.uiUpdatesPerSecond: however many events arrive, the
// flush runs at most that many times a second, and the last request is never dropped.

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
}

export const browserClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
};

export const MIN_RATE = 0.5;
export const MAX_RATE = 60;

export function clampRate(perSecond: number): number {
  return Number.isFinite(perSecond) ? Math.min(MAX_RATE, Math.max(MIN_RATE, perSecond)) : 4;
}

export class Throttle {
  private lastFlush = -Infinity;
  private scheduled = false;
  private interval: number;

  constructor(
    perSecond: number,
    private readonly flush: () => void,
    private readonly clock: Clock = browserClock,
  ) {
    this.interval = 1000 / clampRate(perSecond);
  }

  setRate(perSecond: number): void {
    this.interval = 1000 / clampRate(perSecond);
  }

  /** Flushes are at least 1000/rate ms apart; requests between them coalesce into one. */
  request(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = Math.max(0, this.lastFlush + this.interval - this.clock.now());
    this.clock.setTimeout(() => {
      this.scheduled = false;
      this.lastFlush = this.clock.now();
      this.flush();
    }, wait);
  }
}
