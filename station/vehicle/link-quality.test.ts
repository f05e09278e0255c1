/**
 * Link-quality counters: loss from sequence gaps (wrap, restart), rates in one-second buckets over the window,
 * counted in place; the copies are independent; reading a rate changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { copyLinkQuality, copyRateCounter, countFrame, countRate, emptyLinkQuality, lossPct, rateHz, RATE_BUCKET_MS, RATE_WINDOW_S, type RateCounter } from './link-quality.js';

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

  it('reads a rate as the counter moved on to that time would (a copy rolled on, as rateHz once built)', () => {
    // The reading as first written: roll a copy of the counter on to `nowMs`, average its complete buckets.
    const reference = (r: RateCounter, nowMs: number): number => {
      const k = Math.floor((nowMs - r.bucketStartMs) / RATE_BUCKET_MS);
      const x = k <= 0 ? r : { bucketStartMs: r.bucketStartMs + k * RATE_BUCKET_MS, counts: [...new Array<number>(Math.min(k, RATE_WINDOW_S + 1)).fill(0), ...r.counts].slice(0, RATE_WINDOW_S + 1) };
      const complete = x.counts.slice(1);
      if (complete.length === 0) return ((x.counts[0] ?? 0) * 1000) / Math.max(Math.max(nowMs - x.bucketStartMs, 1), RATE_BUCKET_MS);
      return complete.reduce((a, b) => a + b, 0) / complete.length;
    };
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const counters: RateCounter[] = [{ bucketStartMs: 5000, counts: [] }, { bucketStartMs: 5000, counts: [3] }];
    for (let n = 0; n < 200; n++) {
      let r: RateCounter | undefined;
      let t = 1000 * Math.floor(rand() * 10);
      for (let i = Math.floor(rand() * 40); i >= 0; i--) r = countRate(r, (t += Math.floor(rand() * (rand() < 0.1 ? 4000 : 600))));
      counters.push(r!);
    }
    for (const r of counters) {
      for (const dt of [-1500, -1, 0, 1, 400, 999, 1000, 1001, 2500, 4000, 5999, 6000, 7000, 20_000]) {
        const nowMs = r.bucketStartMs + dt;
        expect(rateHz(r, nowMs), `${JSON.stringify(r)} at +${dt}`).toBe(reference(r, nowMs));
      }
    }
  });
});
