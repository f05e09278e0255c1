/**
 * Link-quality counters: loss from sequence gaps (wrap, restart), rates in one-second buckets over the window,
 * counted in place; the copies are independent; reading a rate changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { copyLinkQuality, copyRateCounter, countFrame, countRate, emptyLinkQuality, lossPct, rateHz, RATE_WINDOW_S, type RateCounter } from './link-quality.js';

describe('link quality counters', () => {
  it('counts gaps of 1..127 as lost, across the 255 → 0 wrap; a jump back or of 128+ is a restart', () => {
    const q = emptyLinkQuality();
    for (const seq of [250, 251, 253, 255, 1]) countFrame(q, 1, 1, seq, seq);
    expect([q.received, q.lost]).toEqual([5, 3]); // 252, 254, 0
    countFrame(q, 1, 1, 100, 2000); // 98 ahead: 98 lost
    countFrame(q, 1, 1, 99, 2001); // back: restart
    countFrame(q, 1, 1, 99 + 129, 2002); // 129 ahead (a gap of 128): restart
    expect([q.received, q.lost, q.lastRxMs]).toEqual([8, 101, 2002]);
    // a second sender on the link has its own sequence
    countFrame(q, 1, 100, 7, 2003);
    countFrame(q, 1, 100, 8, 2004);
    expect([q.received, q.lost]).toEqual([10, 101]);
    expect(q.streams['1:100']).toEqual({ lastSeq: 8, received: 2, lost: 0 });
    expect(lossPct({ received: 3, lost: 1 })).toBe(25);
  });

  it('a copy counts apart from its original', () => {
    const q = emptyLinkQuality();
    countFrame(q, 1, 1, 0, 0);
    const c = copyLinkQuality(q);
    countFrame(c, 1, 1, 5, 10);
    expect([q.received, q.lost, q.streams['1:1']?.lastSeq]).toEqual([1, 0, 0]);
    expect([c.received, c.lost, c.streams['1:1']?.lastSeq]).toEqual([2, 4, 5]);
  });

  it('rates: counted in place into one-second buckets, at most the window kept, read without change', () => {
    const T = 1_000_000;
    let r: RateCounter | undefined;
    // 4 Hz for 10 s
    for (let i = 0; i < 40; i++) r = countRate(r, T + i * 250);
    const first = r!;
    expect(first.counts).toHaveLength(RATE_WINDOW_S + 1);
    expect(first.counts.slice(1)).toEqual([4, 4, 4, 4, 4]);
    const before = JSON.stringify(first);
    expect(rateHz(first, T + 10_000)).toBe(4);
    expect(rateHz(first, T + 12_500)).toBe((4 + 4 + 4 + 0) / 5); // the window slides on the clock, not on frames
    expect(JSON.stringify(first)).toBe(before);
    // nothing in seconds 10, 11 and 12: three empty buckets roll in, in place
    r = countRate(first, T + 13_000);
    expect(r).toBe(first);
    expect(r.counts).toEqual([1, 0, 0, 0, 4, 4]);
    // a gap longer than the window empties it
    r = countRate(r, T + 60_000);
    expect(r.counts).toEqual([1, 0, 0, 0, 0, 0]);
    const c = copyRateCounter(r);
    countRate(c, T + 60_001);
    expect([r.counts[0], c.counts[0]]).toEqual([1, 2]);
  });

  it('a first second (no complete bucket yet) is rated over the time seen, at least a second', () => {
    let r = countRate(undefined, 0);
    r = countRate(r, 100);
    expect(r.counts).toEqual([2]);
    expect(rateHz(r, 500)).toBe(2);
  });
});
