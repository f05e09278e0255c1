/** Backoff and Reconnector on the FakeClock. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { Backoff, Reconnector } from './reconnect.js';
import type { TransportStatus } from './types.js';

describe('Backoff', () => {
  it('doubles from 250 ms to a 5 s ceiling and resets', () => {
    const b = new Backoff();
    const delays = Array.from({ length: 8 }, () => b.next().delayMs);
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
    b.reset();
    expect(b.next()).toEqual({ delayMs: 250, attempt: 1 });
  });

  it('takes custom options and keeps them sane', () => {
    expect(new Backoff({ initialMs: 10, maxMs: 35, factor: 3 }).next().delayMs).toBe(10);
    const b = new Backoff({ initialMs: 10, maxMs: 35, factor: 3 });
    expect([b.next(), b.next(), b.next()].map((x) => x.delayMs)).toEqual([10, 30, 35]);
    const odd = new Backoff({ initialMs: -5, maxMs: 0, factor: 0.5 });
    expect([odd.next(), odd.next()].map((x) => x.delayMs)).toEqual([1, 1]);
  });
});

describe('Reconnector', () => {
  it('arms one attempt at a time on the clock and reports it', () => {
    const clock = new FakeClock();
    const statuses: TransportStatus[] = [];
    let attempts = 0;
    const r = new Reconnector(clock, undefined, () => attempts++, (s) => statuses.push(s));
    r.schedule('refused');
    r.schedule('refused again'); // already armed: ignored
    expect(statuses).toEqual([{ state: 'reconnecting', inMs: 250, attempt: 1, reason: 'refused' }]);
    clock.advance(249);
    expect(attempts).toBe(0);
    clock.advance(1);
    expect(attempts).toBe(1);
    r.schedule('refused');
    expect(statuses.at(-1)).toMatchObject({ inMs: 500, attempt: 2 });
    r.stop();
    clock.advance(10_000);
    expect(attempts).toBe(1);
    expect(clock.pending()).toBe(0);
    r.schedule('x');
    expect(statuses.at(-1)).toMatchObject({ inMs: 250, attempt: 1 }); // stop() resets the series
    r.succeeded();
    r.stop();
  });
});
