import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rateInterval, Throttle, type Clock } from '../../src/shared/throttle';

/** A clock that moves only when told, with its timers. */
function manualClock() {
  let now = 0;
  let timers: { at: number; callback: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    setTimeout: (callback, ms) => timers.push({ at: now + ms, callback }),
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers = timers.filter((t) => t !== due);
      now = due.at;
      due.callback();
    }
    now = end;
  };
  return { clock, advance };
}

/** A throttle at a rate that a test can change, as the webview and the host use it. */
function atRate(perSecond: number, flush: () => void, clock: Clock) {
  let rate = perSecond;
  const throttle = new Throttle(flush, () => rateInterval(rate), clock);
  return Object.assign(throttle, { setRate: (next: number) => (rate = next) });
}

describe('redraw throttle (distill.uiUpdatesPerSecond)', () => {
  test('a burst of requests is one flush', () => {
    const { clock, advance } = manualClock();
    let flushes = 0;
    const throttle = atRate(4, () => flushes++, clock);
    for (let i = 0; i < 1000; i++) throttle.request();
    advance(5000);
    assert.equal(flushes, 1);
  });

  test('40 requests a second for 10 s at 4/s: flushes at least 250 ms apart, and one after the last request', () => {
    const { clock, advance } = manualClock();
    const times: number[] = [];
    const throttle = atRate(4, () => times.push(clock.now()), clock);
    for (let i = 0; i < 400; i++) {
      throttle.request();
      advance(25);
    }
    const lastRequest = 399 * 25;
    advance(1000);
    assert.ok(times.length <= 41, `${times.length} flushes`);
    assert.ok(times.length >= 39, `${times.length} flushes`);
    times.slice(1).forEach((t, i) => assert.ok(t - times[i] >= 250, `gap ${t - times[i]}`));
    assert.ok(times.at(-1)! >= lastRequest, 'the last request is flushed, not dropped');
  });

  test('the rate is clamped to something sane and can change', () => {
    const { clock, advance } = manualClock();
    const times: number[] = [];
    const throttle = atRate(0, () => times.push(clock.now()), clock);
    throttle.request();
    advance(1);
    throttle.request();
    advance(6000);
    assert.deepEqual(times, [0, 5000], 'rate 0 → 0.2/s, not never');
    throttle.setRate(1000);
    throttle.request();
    advance(100);
    throttle.request();
    advance(100);
    assert.equal(times.length, 4);
    assert.ok(times[3] - times[2] >= 1000 / 60, 'at most 60 a second');
  });
});
