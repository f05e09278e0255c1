/** waitUntil and sleep on the injected clock: they wait in the clock's time, not the wall's. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { sleep, waitUntil } from './wait.js';

async function drive(clock: FakeClock, p: Promise<unknown>, ms: number): Promise<void> {
  let done = false;
  void p.then(() => (done = true));
  for (let t = 0; t < ms && !done; t += 50) {
    clock.advance(50);
    await new Promise((r) => setImmediate(r));
  }
}

describe('waitUntil', () => {
  it('resolves true once the condition holds, false at the timeout, on the clock', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    let flag = false;
    clock.setTimeout(() => (flag = true), 1200);
    const a = waitUntil(clock, () => flag, { timeoutMs: 5000 });
    await drive(clock, a, 6000);
    expect(await a).toBe(true);
    expect(clock.now() - start).toBeLessThan(1600);
    const t0 = clock.now();
    const b = waitUntil(clock, () => false, { timeoutMs: 2000 });
    await drive(clock, b, 3000);
    expect(await b).toBe(false);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(2000);
    expect(clock.pending()).toBe(0);
  });

  it('checks at once, every everyMs, and at the deadline', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const at: number[] = [];
    const p = waitUntil(clock, () => (at.push(clock.now() - t0), false), { timeoutMs: 2500, everyMs: 1000 });
    await drive(clock, p, 4000);
    expect(await p).toBe(false);
    expect(at).toEqual([0, 1000, 2000, 2500]);
  });
});

describe('sleep', () => {
  it('resolves when the clock has moved on by ms', async () => {
    const clock = new FakeClock();
    let done = false;
    void sleep(clock, 3000).then(() => (done = true));
    clock.advance(2999);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    clock.advance(1);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(true);
  });
});
