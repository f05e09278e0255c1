/**
 * Exponential backoff for transports that reconnect (TCP client, serial): 250 ms doubling to 5 s by
 * default, reset after a successful connection. Timers run on the injected Clock, so a FakeClock drives
 * them in tests exactly as the SystemClock does in the station.
 */
import type { Clock, TimerId } from '../../common/clock.js';
import type { TransportStatus } from './types.js';

export interface BackoffOptions {
  /** First retry delay. Default 250 ms. */
  initialMs?: number;
  /** Ceiling for the delay. Default 5000 ms. */
  maxMs?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialMs: 250, maxMs: 5000, factor: 2 };

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private failures = 0;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = Math.max(1, opts.initialMs ?? DEFAULT_BACKOFF.initialMs);
    this.maxMs = Math.max(this.initialMs, opts.maxMs ?? DEFAULT_BACKOFF.maxMs);
    this.factor = Math.max(1, opts.factor ?? DEFAULT_BACKOFF.factor);
  }

  /** The delay before the next attempt and that attempt's number (1 for the first retry). */
  next(): { delayMs: number; attempt: number } {
    const delayMs = Math.min(this.maxMs, this.initialMs * this.factor ** this.failures);
    this.failures += 1;
    return { delayMs: Math.round(delayMs), attempt: this.failures };
  }

  reset(): void {
    this.failures = 0;
  }
}

/** Schedules one reconnect attempt at a time on the clock and reports it as a `reconnecting` status. */
export class Reconnector {
  private readonly backoff: Backoff;
  private timer: TimerId | undefined;

  constructor(
    private readonly clock: Clock,
    opts: BackoffOptions | undefined,
    private readonly attempt: () => void,
    private readonly report: (status: TransportStatus) => void,
  ) {
    this.backoff = new Backoff(opts);
  }

  /** Arm the next attempt unless one is already armed. */
  schedule(reason: string): void {
    if (this.timer !== undefined) return;
    const { delayMs, attempt } = this.backoff.next();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.attempt();
    }, delayMs);
    this.report({ state: 'reconnecting', inMs: delayMs, attempt, reason });
  }

  /** A connection came up: the next failure starts again from the initial delay. */
  succeeded(): void {
    this.backoff.reset();
  }

  /** Disarm any pending attempt and start the next series from the initial delay. */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.backoff.reset();
  }
}
