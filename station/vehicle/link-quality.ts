/**
 * Link quality as plain data: packet loss from MAVLink sequence gaps per (sysid, compid) per link, and
 * message rates per message name in one-second buckets on the injected clock (a sliding window of
 * RATE_WINDOW_S complete seconds). Pure functions; the state is serialisable.
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

/**
 * Count one frame. A gap of g (1..127) sequence numbers is g lost frames; a jump back or beyond 127 is
 * taken as a restart (reboot, second sender) and counts nothing.
 */
export function countFrame(q: LinkQuality, sysid: number, compid: number, seq: number, atMs: number): LinkQuality {
  const key = `${sysid}:${compid}`;
  const prev = q.streams[key];
  let lost = 0;
  if (prev) {
    const gap = (seq - prev.lastSeq - 1 + 256) & 0xff;
    if (gap > 0 && gap < 128) lost = gap;
  }
  const s: SeqCounter = {
    lastSeq: seq,
    received: (prev?.received ?? 0) + 1,
    lost: (prev?.lost ?? 0) + lost,
  };
  return { streams: { ...q.streams, [key]: s }, lastRxMs: atMs, received: q.received + 1, lost: q.lost + lost };
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

function roll(r: RateCounter, atMs: number): RateCounter {
  const k = Math.floor((atMs - r.bucketStartMs) / RATE_BUCKET_MS);
  if (k <= 0) return r;
  const zeros = new Array<number>(Math.min(k, RATE_WINDOW_S + 1)).fill(0);
  return {
    bucketStartMs: r.bucketStartMs + k * RATE_BUCKET_MS,
    counts: [...zeros, ...r.counts].slice(0, RATE_WINDOW_S + 1),
  };
}

export function countRate(r: RateCounter | undefined, atMs: number): RateCounter {
  const base = r ? roll(r, atMs) : { bucketStartMs: atMs, counts: [0] };
  const counts = [...base.counts];
  counts[0] = (counts[0] ?? 0) + 1;
  return { bucketStartMs: base.bucketStartMs, counts };
}

/** Messages per second over the complete buckets of the window (the current partial one until the first completes). */
export function rateHz(r: RateCounter, nowMs: number): number {
  const x = roll(r, nowMs);
  const complete = x.counts.slice(1);
  if (complete.length === 0) {
    const elapsed = Math.max(nowMs - x.bucketStartMs, 1);
    return ((x.counts[0] ?? 0) * 1000) / Math.max(elapsed, RATE_BUCKET_MS);
  }
  return complete.reduce((a, b) => a + b, 0) / complete.length;
}

export function ratesHz(rates: Record<string, RateCounter>, nowMs: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, r] of Object.entries(rates)) {
    const hz = rateHz(r, nowMs);
    if (hz > 0) out[name] = Math.round(hz * 100) / 100;
  }
  return out;
}
