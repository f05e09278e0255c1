/**
 * The replay's pure parts: the flight list (order, drone filter), times shown in the station's time zone,
 * the drone's pose at any flight time (interpolated between samples), the replay clock (a local timer ×
 * rate that the video follows) and the frame gate (video frames wait until the clock reaches their time).
 * No DOM, no React: unit-tested in model.test.ts.
 */
import type { FlightEvent, FlightSample, FlightSummary } from '../../common/api/contract.js';

/** The station's zone until the station says its own (the sample station's, and the fleet file's default). */
export const TZ = 'Asia/Shanghai';
export const RATES = [1, 4, 16] as const;
export type Rate = (typeof RATES)[number];
/** ←/→ step. */
export const STEP_MS = 5000;

export const droneName = (f: Pick<FlightSummary, 'drone' | 'sysid'>): string => f.drone ?? `sys${f.sysid}`;

export function newestFirst(list: readonly FlightSummary[]): FlightSummary[] {
  return [...list].sort((a, b) => b.startMs - a.startMs || a.id.localeCompare(b.id));
}

/** Drones that flew, for the filter, in name order. */
export function dronesOf(list: readonly FlightSummary[]): string[] {
  return [...new Set(list.map(droneName))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

export function byDrone(list: readonly FlightSummary[], drone: string): FlightSummary[] {
  return drone ? list.filter((f) => droneName(f) === drone) : [...list];
}

let zone = TZ;
let dateFmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
let timeFmt = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** The station's time zone (the console's `timezone`, from the station's hello): replay times are shown in it. */
export function setReplayTimeZone(tz: string): void {
  if (tz === zone) return;
  try {
    dateFmt = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
    timeFmt = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    zone = tz;
  } catch {
    /* an unknown zone keeps the last good one */
  }
}
export const replayTimeZone = (): string => zone;

/** 2026-11-24 (station date). */
export const fmtDate = (ms: number): string => dateFmt.format(ms);
/** 14:03:22 (station time). */
export const fmtTime = (ms: number): string => timeFmt.format(ms);

/** A span as m:ss, or h:mm:ss from an hour. */
export function fmtSpan(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function fmtDistance(m: number): string {
  return m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(m < 10_000 ? 2 : 1)} km`;
}

/** Index of the last sample at or before `t` (-1 before the first). Samples are in time order. */
export function indexAt(samples: readonly { t: number }[], t: number): number {
  let lo = 0;
  let hi = samples.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (samples[mid]!.t <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/** The sample in force at `t`: the last at or before it, else the first. */
export function sampleAt(samples: readonly FlightSample[], t: number): FlightSample | undefined {
  return samples[Math.max(0, indexAt(samples, t))];
}

export interface TrackPoint {
  t: number;
  latDeg: number;
  lonDeg: number;
  headingDeg: number | null;
}

/** The samples with a position (no fix reads as null or 0,0). */
export function trackOf(samples: readonly FlightSample[]): TrackPoint[] {
  const out: TrackPoint[] = [];
  for (const s of samples) {
    if (s.latDeg === null || s.lonDeg === null || (s.latDeg === 0 && s.lonDeg === 0)) continue;
    out.push({ t: s.t, latDeg: s.latDeg, lonDeg: s.lonDeg, headingDeg: s.headingDeg });
  }
  return out;
}

/** Where the drone was at `t`, between the two track points around it (heading the short way round). */
export function poseAt(track: readonly TrackPoint[], t: number): { latDeg: number; lonDeg: number; headingDeg: number | null } | null {
  if (track.length === 0) return null;
  const i = indexAt(track, t);
  if (i < 0) return { ...track[0]! };
  const a = track[i]!;
  const b = track[i + 1];
  if (!b || b.t <= a.t) return { ...a };
  const f = Math.min(1, (t - a.t) / (b.t - a.t));
  let headingDeg = a.headingDeg ?? b.headingDeg;
  if (a.headingDeg !== null && b.headingDeg !== null) {
    const d = ((((b.headingDeg - a.headingDeg) % 360) + 540) % 360) - 180;
    headingDeg = (((a.headingDeg + d * f) % 360) + 360) % 360;
  }
  return { latDeg: a.latDeg + (b.latDeg - a.latDeg) * f, lonDeg: a.lonDeg + (b.lonDeg - a.lonDeg) * f, headingDeg };
}

/** The newest event at or before `t` (-1 when none). */
export const eventIndexAt = (events: readonly FlightEvent[], t: number): number => indexAt(events, t);

/**
 * The replay clock: flight time (Unix ms, the samples' clock). Paused it stands still; playing it runs from
 * where it was set as `now()` (performance.now) advances × rate, and stops at the end. Seek and rate changes
 * while playing re-anchor it, so time never jumps.
 */
export class ReplayClock {
  private atMs: number;
  private anchorWall = 0;
  playing = false;
  rate: Rate = 1;

  constructor(
    readonly startMs: number,
    readonly endMs: number,
    private readonly now: () => number,
  ) {
    this.atMs = startMs;
  }

  get t(): number {
    if (!this.playing) return this.atMs;
    return Math.min(this.endMs, this.atMs + (this.now() - this.anchorWall) * this.rate);
  }

  /** From the start again when at the end. */
  play(): void {
    if (this.playing) return;
    if (this.atMs >= this.endMs) this.atMs = this.startMs;
    this.anchorWall = this.now();
    this.playing = true;
  }

  pause(): void {
    if (!this.playing) return;
    this.atMs = this.t;
    this.playing = false;
  }

  seek(t: number): void {
    this.atMs = Math.min(this.endMs, Math.max(this.startMs, t));
    this.anchorWall = this.now();
  }

  setRate(rate: Rate): void {
    this.atMs = this.t;
    this.anchorWall = this.now();
    this.rate = rate;
  }

  /** Call on every frame: true once when playing reaches the end (the clock then pauses there). */
  tick(): boolean {
    if (!this.playing || this.t < this.endMs) return false;
    this.atMs = this.endMs;
    this.playing = false;
    return true;
  }
}

export interface GateFrame<B> {
  data: B;
  /** Flight time of the frame (its original arrival at the station). */
  atMs: number;
  keyframe: boolean;
}

/**
 * Video frames wait here until the replay clock reaches them, so the picture follows the local clock whatever
 * pace the station sends at. Paused, everything goes through at once (what the station sends for a seek is the
 * picture at that point). A keyframe far behind the queue's tail means the station started again from an
 * earlier point (a seek back): what waited is dropped. A queue over `maxFrames` drops whole groups of pictures
 * from its front, so the decoder always starts again at a keyframe.
 */
export class FrameGate<B> {
  private q: GateFrame<B>[] = [];
  private needKey = false;

  constructor(
    private readonly leadMs = 40,
    private readonly maxFrames = 900,
  ) {}

  get size(): number {
    return this.q.length;
  }

  push(f: GateFrame<B>): void {
    const tail = this.q[this.q.length - 1];
    if (tail && f.keyframe && f.atMs < tail.atMs - 1000) this.q.length = 0;
    if (this.needKey && !f.keyframe) return;
    this.needKey = false;
    this.q.push(f);
    if (this.q.length > this.maxFrames) {
      let i = 1;
      while (i < this.q.length && !this.q[i]!.keyframe) i++;
      this.q.splice(0, i);
      if (this.q.length === 0) this.needKey = true;
    }
  }

  /** The frames due at `cursorMs` (all of them when paused), in order. */
  take(cursorMs: number, playing: boolean): GateFrame<B>[] {
    if (!playing) return this.q.splice(0);
    let n = 0;
    while (n < this.q.length && this.q[n]!.atMs <= cursorMs + this.leadMs) n++;
    return n === 0 ? [] : this.q.splice(0, n);
  }

  clear(): void {
    this.q.length = 0;
  }
}
