/**
 * Download one onboard log with LOG_REQUEST_DATA / LOG_DATA as a sans-IO machine, resuming from an offset.
 *
 *   start ─► REQUEST(from, to the end) ──LOG_DATA──► store (90-byte blocks); a short block = the end
 *              ▲                                │ the requested span is in, or the link went idle
 *              │                                ▼
 *              └── REQUEST(next hole, its span; holes closer than 8 blocks merged) ◄── holes left?
 *                                               │ none: LOG_REQUEST_END ──► DONE(ok, bytes)
 *   `retries` idle timeouts without a new byte ──► LOG_REQUEST_END ──► DONE(timeout, the contiguous bytes
 *   from `fromOffset`, so the caller can keep a partial file and resume). cancel ──► same with cancelled.
 * ArduPilot serves one log transfer at a time; a new LOG_REQUEST_DATA replaces the running one.
 */
import { common } from 'mavlink-mappings';
import { make } from '../../codec/messages.js';
import type { Inbound } from '../command.js';
import type { DriverEffect, MachineStep } from '../driver.js';
import { RangeSet } from '../ftp/ranges.js';

export const LOG_BLOCK = 90;
const MERGE_GAP = 8 * LOG_BLOCK;

export interface LogDownloadSpec {
  id: number;
  /** The size from LOG_ENTRY. */
  size: number;
  fromOffset?: number;
}

export interface LogDownloadStats {
  packets: number;
  duplicates: number;
  requests: number;
  elapsedMs: number;
}

export type LogDownloadResult =
  | { ok: true; id: number; fromOffset: number; data: Uint8Array; stats: LogDownloadStats }
  | { ok: false; id: number; fromOffset: number; data: Uint8Array; failure: 'timeout' | 'cancelled'; reason: string; stats: LogDownloadStats };

export interface LogDownloadState {
  target: { sysid: number; compid: number };
  spec: Required<LogDownloadSpec>;
  idleMs: number;
  retries: number;
  buf: Uint8Array;
  have: RangeSet;
  reqEnd: number;
  stalls: number;
  lastPct: number;
  done: boolean;
  startedAtMs: number;
  stats: LogDownloadStats;
}

type Step = MachineStep<LogDownloadState, LogDownloadResult>;
type Eff = DriverEffect<LogDownloadResult>;

/** Idle timeout from a measured round trip, as for MAVFTP: clamp(4·rtt + 250, 400, 6000) ms. */
export function logIdleForRtt(rttMs: number): number {
  return Math.min(6000, Math.max(400, Math.round(4 * rttMs + 250)));
}

export function createLogDownload(target: { sysid: number; compid: number }, spec: LogDownloadSpec, o: { idleMs?: number; rttMs?: number; retries?: number } = {}): LogDownloadState {
  const from = Math.min(spec.fromOffset ?? 0, spec.size);
  return {
    target,
    spec: { id: spec.id, size: spec.size, fromOffset: from },
    idleMs: o.idleMs ?? (o.rttMs !== undefined ? logIdleForRtt(o.rttMs) : 1500),
    retries: o.retries ?? 15,
    // The size is the vehicle's word (LOG_ENTRY, up to 4 GiB): the buffer grows with the data that arrives.
    buf: new Uint8Array(Math.min(spec.size - from, 64 * 1024)),
    have: new RangeSet(),
    reqEnd: 0,
    stalls: 0,
    lastPct: -1,
    done: false,
    startedAtMs: 0,
    stats: { packets: 0, duplicates: 0, requests: 0, elapsedMs: 0 },
  };
}

function total(s: LogDownloadState): number {
  return s.spec.size - s.spec.fromOffset;
}

function request(s: LogDownloadState, relStart: number, count: number, effects: Eff[]): void {
  s.stats.requests++;
  s.reqEnd = relStart + count;
  effects.push({
    type: 'send',
    message: make(common.LogRequestData, { targetSystem: s.target.sysid, targetComponent: s.target.compid, id: s.spec.id, ofs: s.spec.fromOffset + relStart, count }),
  });
  effects.push({ type: 'armTimer', delayMs: s.idleMs });
}

function finish(s: LogDownloadState, now: number, effects: Eff[], failure?: 'timeout' | 'cancelled', reason?: string): Step {
  s.done = true;
  effects.push({ type: 'send', message: make(common.LogRequestEnd, { targetSystem: s.target.sysid, targetComponent: s.target.compid }) });
  const stats = { ...s.stats, elapsedMs: now - s.startedAtMs };
  const base = { id: s.spec.id, fromOffset: s.spec.fromOffset, stats };
  effects.push({
    type: 'done',
    result: failure
      ? { ok: false, ...base, data: s.buf.slice(0, s.have.contiguousFrom(0)), failure, reason: reason ?? failure }
      : { ok: true, ...base, data: s.buf.length === total(s) ? s.buf : s.buf.slice(0, total(s)) },
  });
  return { state: s, effects };
}

/** Ask for the next hole (merged with close ones), or finish. */
function next(s: LogDownloadState, now: number, effects: Eff[]): Step {
  const end = total(s);
  const gap = s.have.firstGap(0, end);
  if (!gap) return finish(s, now, effects);
  const a = gap[0];
  let b = gap[1];
  for (;;) {
    const g = s.have.firstGap(b, end);
    if (!g || g[0] - b > MERGE_GAP) break;
    b = g[1];
  }
  request(s, a, b - a, effects);
  return { state: s, effects };
}

export function start(s: LogDownloadState, now: number): Step {
  s.startedAtMs = now;
  const effects: Eff[] = [];
  if (total(s) === 0) return finish(s, now, effects);
  request(s, 0, total(s), effects);
  return { state: s, effects };
}

export function onMessage(s: LogDownloadState, m: Inbound, now: number): Step {
  const d = m.message;
  if (s.done || !(d instanceof common.LogData) || d.id !== s.spec.id || m.sysid !== s.target.sysid || (s.target.compid !== 0 && m.compid !== s.target.compid)) {
    return { state: s, effects: [] };
  }
  const rel = d.ofs - s.spec.fromOffset;
  const n = Math.min(d.count, LOG_BLOCK, total(s) - rel);
  const effects: Eff[] = [];
  s.stats.packets++;
  if (rel >= 0 && n > 0) {
    const fresh = s.have.add(rel, rel + n);
    if (fresh === 0) s.stats.duplicates++;
    else s.stalls = 0;
    if (rel + n > s.buf.length) {
      let cap = Math.max(1, s.buf.length);
      while (cap < rel + n) cap *= 2;
      const nb = new Uint8Array(Math.min(cap, total(s)));
      nb.set(s.buf);
      s.buf = nb;
    }
    for (let i = 0; i < n; i++) s.buf[rel + i] = d.data[i] ?? 0;
  }
  const pct = Math.floor((s.have.contiguousFrom(0) * 100) / Math.max(1, total(s)));
  if (pct !== s.lastPct) {
    s.lastPct = pct;
    effects.push({ type: 'progress', progressPct: pct, done: s.have.contiguousFrom(0), total: total(s) });
  }
  // The requested span is over (its last block, or the file's short last block): go on at once.
  if (rel + Math.max(n, 0) >= s.reqEnd || d.count < LOG_BLOCK) return next(s, now, effects);
  effects.push({ type: 'armTimer', delayMs: s.idleMs });
  return { state: s, effects };
}

export function onTimeout(s: LogDownloadState, now: number): Step {
  if (s.done) return { state: s, effects: [] };
  s.stalls++;
  const effects: Eff[] = [];
  if (s.stalls > s.retries) {
    return finish(s, now, effects, 'timeout', `log ${s.spec.id}: no data for ${s.retries + 1} attempts at offset ${s.spec.fromOffset + s.have.contiguousFrom(0)} of ${s.spec.size}`);
  }
  return next(s, now, effects);
}

export function onCancel(s: LogDownloadState, now: number): Step {
  return s.done ? { state: s, effects: [] } : finish(s, now, [], 'cancelled', `log ${s.spec.id}: cancelled`);
}

export function onDeadline(s: LogDownloadState, now: number): Step {
  return s.done ? { state: s, effects: [] } : finish(s, now, [], 'timeout', `log ${s.spec.id}: not finished within the transfer's deadline (${s.spec.fromOffset + s.have.contiguousFrom(0)} of ${s.spec.size} bytes)`);
}

export const logDownloadMachine = { start, onMessage, onTimeout, onCancel, onDeadline };
