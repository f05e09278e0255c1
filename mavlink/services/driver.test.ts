/**
 * The driver's overall deadline, on a FakeClock: a vehicle that keeps answering without ever finishing
 * (one new parameter of 65 535 per request, every answer re-arming the idle timer) holds a transfer only
 * until the deadline; the result is a timeout that says so, and no timer is left behind.
 */
import { common } from 'mavlink-mappings';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { make, type MavLinkData } from '../codec/messages.js';
import type { Received } from '../connection.js';
import { drive, type MessageLink } from './driver.js';
import { createParamList, paramListMachine } from './param/list.js';

/** A vehicle claiming 65 535 parameters that answers every request with one, never more than one per 500 ms. */
function tricklingVehicle(clock: FakeClock): MessageLink & { answered: number } {
  const listeners = new Set<(r: Received) => void>();
  let next = 0;
  let nextAt = clock.now();
  const link = {
    answered: 0,
    send: (_m: MavLinkData) => {
      nextAt = Math.max(nextAt, clock.now()) + 500;
      clock.setTimeout(() => {
        const index = next++;
        link.answered++;
        const message = make(common.ParamValue, { paramId: `P${index}`, paramValue: index, paramType: common.MavParamType.REAL32, paramCount: 65_535, paramIndex: index });
        const r = { frame: { sysid: 1, compid: 1 }, message, peer: 'v', atMs: clock.now(), flaggedUnsigned: false } as unknown as Received;
        for (const l of listeners) l(r);
      }, nextAt - clock.now());
    },
    onMessage: (l: (r: Received) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return link;
}

describe('drive() overall deadline', () => {
  it('ends a transfer the vehicle never finishes, as a timeout naming the deadline', async () => {
    const clock = new FakeClock();
    const link = tricklingVehicle(clock);
    const t0 = clock.now();
    const run = drive(paramListMachine, createParamList({ sysid: 1, compid: 1 }, { idleMs: 1000 }), { clock, link, deadlineMs: 60_000 });
    let settled = false;
    let settledAt = 0;
    void run.result.then(() => {
      settled = true;
      settledAt = clock.now();
    });
    // Bounded: 70 simulated seconds in 1 s steps.
    for (let i = 0; i < 70 && !settled; i++) {
      clock.advance(1000);
      await Promise.resolve();
    }
    const r = await run.result;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.failure).toBe('timeout');
    expect(!r.ok && r.reason).toContain('deadline');
    expect(link.answered).toBeGreaterThan(0);
    expect(settledAt - t0).toBe(60_000);
    // The driver's timers are cleared: once the vehicle's queued replies are out, nothing is armed.
    clock.advance(3_600_000);
    expect(clock.pending()).toBe(0);
  });

  it('without a deadline the same transfer is still running after two hours', async () => {
    const clock = new FakeClock();
    const link = tricklingVehicle(clock);
    const run = drive(paramListMachine, createParamList({ sysid: 1, compid: 1 }, { idleMs: 1000 }), { clock, link });
    let settled = false;
    void run.result.then(() => (settled = true));
    for (let i = 0; i < 120; i++) {
      clock.advance(60_000);
      await Promise.resolve();
    }
    expect(settled).toBe(false);
    run.cancel();
    expect((await run.result).ok).toBe(false);
  });
});
