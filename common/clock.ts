/**
 * Time, injected. Nothing in common/, mavlink/, missions/ or sitl/ reads the wall clock or arms a timer
 * directly: it asks a Clock. The station uses SystemClock; tests and the simulator share a FakeClock so a
 * 20-minute sortie runs in milliseconds.
 */
export type TimerId = number;

export interface Clock {
  /** Milliseconds since the Unix epoch (may be fractional on a fake clock). */
  now(): number;
  setTimeout(fn: () => void, delayMs: number): TimerId;
  clearTimeout(id: TimerId): void;
  setInterval(fn: () => void, periodMs: number): TimerId;
  clearInterval(id: TimerId): void;
}

/** The host's timers (Node and browsers both have them); typed here so common/ needs neither Node nor DOM types. */
interface HostTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}
const host = globalThis as unknown as HostTimers;

/** The real clock, for the running station and real-socket tests. */
export class SystemClock implements Clock {
  private readonly handles = new Map<TimerId, unknown>();
  private next = 1;
  now(): number {
    return Date.now();
  }
  setTimeout(fn: () => void, delayMs: number): TimerId {
    const id = this.next++;
    this.handles.set(
      id,
      host.setTimeout(() => {
        this.handles.delete(id);
        fn();
      }, Math.max(0, delayMs)),
    );
    return id;
  }
  clearTimeout(id: TimerId): void {
    const h = this.handles.get(id);
    if (h !== undefined) {
      host.clearTimeout(h);
      this.handles.delete(id);
    }
  }
  setInterval(fn: () => void, periodMs: number): TimerId {
    const id = this.next++;
    this.handles.set(id, host.setInterval(fn, Math.max(1, periodMs)));
    return id;
  }
  clearInterval(id: TimerId): void {
    const h = this.handles.get(id);
    if (h !== undefined) {
      host.clearInterval(h);
      this.handles.delete(id);
    }
  }
}

interface FakeTimer {
  id: TimerId;
  at: number;
  order: number;
  periodMs: number | undefined;
  fn: () => void;
}

/**
 * A deterministic clock. Timers fire in time order (ties in the order they were armed) when the test
 * advances time. Timers armed while advancing fire in the same call if they fall due.
 */
export class FakeClock implements Clock {
  private t: number;
  private readonly timers = new Map<TimerId, FakeTimer>();
  /**
   * The armed timers as a binary min-heap on (at, order): the next one due is found in O(log n) instead of a
   * scan of all of them per firing (a simulated day fires millions). A cleared timer stays in the heap until
   * it comes up and is skipped (it is no longer in `timers`).
   */
  private readonly heap: FakeTimer[] = [];
  private next = 1;
  private order = 0;

  constructor(startMs = Date.UTC(2026, 10, 24, 0, 0, 0)) {
    this.t = startMs;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, delayMs: number): TimerId {
    return this.arm({ id: this.next++, at: this.t + Math.max(0, delayMs), order: this.order++, periodMs: undefined, fn });
  }
  clearTimeout(id: TimerId): void {
    this.timers.delete(id);
  }
  setInterval(fn: () => void, periodMs: number): TimerId {
    const p = Math.max(1, periodMs);
    return this.arm({ id: this.next++, at: this.t + p, order: this.order++, periodMs: p, fn });
  }
  clearInterval(id: TimerId): void {
    this.timers.delete(id);
  }
  /** Number of armed timers (for leak checks in tests). */
  pending(): number {
    return this.timers.size;
  }

  private arm(tm: FakeTimer): TimerId {
    this.timers.set(tm.id, tm);
    this.push(tm);
    return tm.id;
  }

  private static before(a: FakeTimer, b: FakeTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private push(tm: FakeTimer): void {
    const h = this.heap;
    let i = h.push(tm) - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!FakeClock.before(tm, h[up]!)) break;
      h[i] = h[up]!;
      i = up;
    }
    h[i] = tm;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const c = l + 1 < h.length && FakeClock.before(h[l + 1]!, h[l]!) ? l + 1 : l;
      if (!FakeClock.before(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }

  /** The armed timer due first if it is due by `limit` (cleared ones are dropped on the way). */
  private nextDue(limit: number): FakeTimer | undefined {
    for (;;) {
      const tm = this.heap[0];
      if (!tm) return undefined;
      if (this.timers.get(tm.id) !== tm) {
        this.pop();
        continue;
      }
      return tm.at <= limit ? tm : undefined;
    }
  }

  /** Move time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const tm = this.nextDue(end);
      if (!tm) break;
      this.t = Math.max(this.t, tm.at);
      this.pop();
      if (tm.periodMs !== undefined) {
        tm.at += tm.periodMs;
        tm.order = this.order++;
        this.push(tm);
      } else {
        this.timers.delete(tm.id);
      }
      tm.fn();
    }
    this.t = end;
  }

  /**
   * Advance in steps of `stepMs` until `done()` holds or `maxMs` has passed. Returns whether it held.
   * Bounded by construction, so a test waiting on a condition always ends.
   */
  runUntil(done: () => boolean, maxMs: number, stepMs = 10): boolean {
    let waited = 0;
    while (!done()) {
      if (waited >= maxMs) return false;
      this.advance(stepMs);
      waited += stepMs;
    }
    return true;
  }
}
