/** The FakeClock's order: by time, ties in arming order, timers armed or cleared while advancing. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';

describe('FakeClock', () => {
  it('fires by time, ties in the order armed, and intervals between them', () => {
    const c = new FakeClock(0);
    const log: string[] = [];
    c.setTimeout(() => log.push(`b@${c.now()}`), 20);
    c.setTimeout(() => log.push(`a@${c.now()}`), 10);
    c.setTimeout(() => log.push(`c@${c.now()}`), 20);
    const iv = c.setInterval(() => log.push(`i@${c.now()}`), 15);
    c.advance(31);
    expect(log).toEqual(['a@10', 'i@15', 'b@20', 'c@20', 'i@30']);
    expect(c.now()).toBe(31);
    c.clearInterval(iv);
    c.advance(100);
    expect(log).toHaveLength(5);
    expect(c.pending()).toBe(0);
  });
  it('fires a timer armed while advancing in the same call when due; a cleared one never', () => {
    const c = new FakeClock(0);
    const log: string[] = [];
    const doomed = c.setTimeout(() => log.push('doomed'), 5);
    c.setTimeout(() => {
      log.push('first');
      c.clearTimeout(doomed);
      c.setTimeout(() => log.push(`zero@${c.now()}`), 0);
      c.setTimeout(() => log.push('later'), 50);
    }, 1);
    c.advance(10);
    expect(log).toEqual(['first', 'zero@1']);
    expect(c.pending()).toBe(1);
  });
  it('an interval cleared in its own callback stops', () => {
    const c = new FakeClock(0);
    let n = 0;
    const id = c.setInterval(() => {
      if (++n === 3) c.clearInterval(id);
    }, 10);
    c.advance(1000);
    expect(n).toBe(3);
  });
  it('keeps order over many timers (a heap, checked against a sort)', () => {
    const c = new FakeClock(0);
    const fired: number[] = [];
    const want: [number, number][] = [];
    for (let k = 0; k < 500; k++) {
      const at = (k * 7919) % 97;
      want.push([at, k]);
      c.setTimeout(() => fired.push(k), at);
    }
    c.advance(100);
    expect(fired).toEqual(want.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, k]) => k));
  });
});
