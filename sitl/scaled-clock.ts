/**
 * ScaledClock: a Clock that runs K times faster than a base clock (normally SystemClock), for running the
 * simulated fleet faster than real time (`kongxun sim --speedup K`). now() starts at the base clock's
 * time and advances K ms per base ms; delays and periods are divided by K. The base clock's timers have
 * ~1 ms resolution, so very short simulated periods at large K are coarsened (the physics integrates the
 * real elapsed simulated time, so motion stays right; message rates may fall below the requested ones).
 */
import type { Clock, TimerId } from '../common/clock.js';

export class ScaledClock implements Clock {
  private readonly base0: number;
  private readonly start: number;

  constructor(
    private readonly base: Clock,
    readonly factor: number,
    startMs?: number,
  ) {
    if (!(factor > 0) || !Number.isFinite(factor)) throw new RangeError(`ScaledClock: factor must be a positive number, got ${factor}`);
    this.base0 = base.now();
    this.start = startMs ?? this.base0;
  }

  now(): number {
    return this.start + (this.base.now() - this.base0) * this.factor;
  }

  setTimeout(fn: () => void, delayMs: number): TimerId {
    return this.base.setTimeout(fn, Math.max(0, delayMs) / this.factor);
  }

  clearTimeout(id: TimerId): void {
    this.base.clearTimeout(id);
  }

  setInterval(fn: () => void, periodMs: number): TimerId {
    return this.base.setInterval(fn, Math.max(1, periodMs) / this.factor);
  }

  clearInterval(id: TimerId): void {
    this.base.clearInterval(id);
  }
}
