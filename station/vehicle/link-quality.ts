/**
 * Link quality as plain data: packet loss from MAVLink sequence gaps per (sysid, compid) per link, and
 * message rates per message name in one-second buckets on the injected clock (a sliding window of RATE_WINDOW_S
 * complete seconds). The state is serialisable.
 *
 * These are counters, touched by every frame: `countFrame` and `countRate` update them in place (copying a
 * map per frame was most of the station's reducer cost, bench/fleet.ts); `copyLinkQuality` and
 * `copyRateCounter` make the independent copies the pure reducer needs. Reading (`lossPct`, `rateHz`) never
 * changes them.
 */

export interface SeqCounter {
  lastSeq: number;
  received: number;
  lost: number;
}

export interface LinkQuality {
  /** Keyed "sysid:compid". */
  streams: Record<string, SeqCounter>;
  lastRxMs: number;
  received: number;
  lost: number;
}

export function emptyLinkQuality(): LinkQuality {
  return { streams: {}, lastRxMs: 0, received: 0, lost: 0 };
}

export function copyLinkQuality(q: LinkQuality): LinkQuality {
  const streams: Record<string, SeqCounter> = {};
  for (const k in q.streams) streams[k] = { ...q.streams[k]! };
  return { streams, lastRxMs: q.lastRxMs, received: q.received, lost: q.lost };
}

/**
 * Count one frame into `q` (in place). A gap of g (1..127) sequence numbers is g lost frames; a jump back or
 * beyond 127 is taken as a restart (reboot, second sender) and counts nothing.
 */
export function countFrame(q: LinkQuality, sysid: number, compid: number, seq: number, atMs: number): void {
  const key = `${sysid}:${compid}`;
  const prev = q.streams[key];
  let lost = 0;
  if (prev) {
    const gap = (seq - prev.lastSeq - 1 + 256) & 0xff;
    if (gap > 0 && gap < 128) lost = gap;
    prev.lastSeq = seq;
    prev.received++;
    prev.lost += lost;
  } else {
    q.streams[key] = { lastSeq: seq, received: 1, lost: 0 };
  }
  q.lastRxMs = atMs;
  q.received++;
  q.lost += lost;
}

export function lossPct(q: { received: number; lost: number }): number {
  const total = q.received + q.lost;
  return total === 0 ? 0 : (100 * q.lost) / total;
}

export const RATE_BUCKET_MS = 1000;
export const RATE_WINDOW_S = 5;

export interface RateCounter {
  /** Start of the current (incomplete) bucket. */
  bucketStartMs: number;
  /** counts[0] is the current bucket, counts[1..] the complete seconds before it, newest first. */
  counts: number[];
}

export function copyRateCounter(r: RateCounter): RateCounter {
  return { bucketStartMs: r.bucketStartMs, counts: [...r.counts] };
}

/** Count one message at `atMs`: into `r` in place (returned), or into a new counter when there is none. */
export function countRate(r: RateCounter | undefined, atMs: number): RateCounter {
  if (!r) return { bucketStartMs: atMs, counts: [1] };
  const k = Math.floor((atMs - r.bucketStartMs) / RATE_BUCKET_MS);
  if (k > 0) {
    // Moved on to the bucket of `atMs`, in place: k empty buckets in front, at most RATE_WINDOW_S + 1 kept.
    const n = Math.min(k, RATE_WINDOW_S + 1);
    const c = r.counts;
    const len = Math.min(c.length + n, RATE_WINDOW_S + 1);
    for (let i = len - 1; i >= 0; i--) c[i] = i >= n ? c[i - n]! : 0;
    r.bucketStartMs += k * RATE_BUCKET_MS;
  }
  r.counts[0] = (r.counts[0] ?? 0) + 1;
  return r;
}

/**
 * Messages per second over the complete buckets of the window (the current partial one until the first completes).
 * Read as if the counter were first moved on to `nowMs` (as `countRate` does), without changing or copying it:
 * every vehicle view reads every message's rate (bench/patrol-day.ts).
 */
export function rateHz(r: RateCounter, nowMs: number): number {
  const k = Math.floor((nowMs - r.bucketStartMs) / RATE_BUCKET_MS);
  const c = r.counts;
  // Rolled on: n empty buckets in front of the counts, at most RATE_WINDOW_S + 1 kept.
  const n = k > 0 ? Math.min(k, RATE_WINDOW_S + 1) : 0;
  const len = Math.min(c.length + n, k > 0 ? RATE_WINDOW_S + 1 : c.length);
  if (len <= 1) {
    const startMs = k > 0 ? r.bucketStartMs + k * RATE_BUCKET_MS : r.bucketStartMs;
    const elapsed = Math.max(nowMs - startMs, 1);
    return ((n > 0 ? 0 : c[0] ?? 0) * 1000) / Math.max(elapsed, RATE_BUCKET_MS);
  }
  let sum = 0;
  for (let i = Math.max(1, n); i < len; i++) sum += c[i - n]!;
  return sum / (len - 1);
}

/** Rates in Hz (2 decimals) of the counters that are not zero. */
export function ratesHz(rates: Record<string, RateCounter>, nowMs: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name in rates) {
    const hz = rateHz(rates[name]!, nowMs);
    if (hz > 0) out[name] = Math.round(hz * 100) / 100;
  }
  return out;
}
