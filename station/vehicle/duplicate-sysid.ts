/**
 * Telling one vehicle heard on two links (redundant radios) from two vehicles that share a sysid/compid.
 * Pure functions over plain data; a "path" is one link (and peer) a vehicle is heard on.
 *
 * Evidence, strongest first:
 *  1. identity: HEARTBEAT autopilot or type differ between paths → duplicate at once;
 *  2. place: positions reported on two paths within 2 s of each other lie more than 300 m apart;
 *  3. sequence numbers: one vehicle has one sequence counter, so a HEARTBEAT seen on one path shows up
 *     with the same `seq` on the other (within 1.5 s) unless one copy was lost. Each heartbeat is judged
 *     1.5 s after it arrived, when another path was active; when at least 8 of the last 10 judged heartbeats
 *     have no twin, the counters are independent (two senders). For one vehicle this needs 8 losses in
 *     10 on a link, which the "lost" logic would notice first; two vehicles fail ~99 % of the time.
 */
import { groundDistanceM } from '../../common/geo.js';

export interface PathInfo {
  autopilot: number;
  vehicleType: number;
  lastHbMs: number;
  /** Recent heartbeats on this path (bounded). */
  hbs: { seq: number; atMs: number }[];
  pos: { latDeg: number; lonDeg: number; atMs: number } | null;
}

export interface DuplicateState {
  paths: Record<string, PathInfo>;
  pending: { path: string; seq: number; atMs: number }[];
  /** Verdicts of recent judged heartbeats: true = twin found. */
  window: boolean[];
  flagged: string | null;
}

export const TWIN_WINDOW_MS = 1500;
export const ACTIVE_MS = 3000;
export const FAR_APART_M = 300;

export function emptyDuplicateState(): DuplicateState {
  return { paths: {}, pending: [], window: [], flagged: null };
}

/** Whether `hbs` holds a heartbeat within `windowMs` of `atMs` (with sequence number `seq`, when given). */
function heardNear(hbs: PathInfo['hbs'], atMs: number, windowMs: number, seq?: number): boolean {
  for (const h of hbs) if ((seq === undefined || h.seq === seq) && Math.abs(h.atMs - atMs) <= windowMs) return true;
  return false;
}

// Loops rather than filter/some with closures: this runs for every HEARTBEAT of every vehicle (bench/patrol-day.ts).
function judge(s: DuplicateState, nowMs: number): DuplicateState {
  let due = false;
  for (const p of s.pending) if (nowMs - p.atMs >= TWIN_WINDOW_MS) due = true;
  if (!due) return s;
  const window = [...s.window];
  for (const p of s.pending) {
    if (nowMs - p.atMs < TWIN_WINDOW_MS) continue;
    // Judged only when another path was active around it: then a twin (same seq) was there, or not.
    let active = false;
    let twin = false;
    for (const name in s.paths) {
      const info = s.paths[name]!;
      if (name === p.path || !heardNear(info.hbs, p.atMs, ACTIVE_MS)) continue;
      active = true;
      if (heardNear(info.hbs, p.atMs, TWIN_WINDOW_MS, p.seq)) twin = true;
    }
    if (active) window.push(twin);
  }
  const recent = window.slice(-10);
  const misses = recent.filter((t) => !t).length;
  const flagged =
    s.flagged ?? (misses >= 8 ? 'heartbeat sequence numbers on two links are independent: two senders share this sysid' : null);
  return { ...s, pending: s.pending.filter((p) => nowMs - p.atMs < TWIN_WINDOW_MS), window: recent, flagged };
}

export function onPathHeartbeat(
  s: DuplicateState,
  path: string,
  hb: { seq: number; autopilot: number; vehicleType: number },
  atMs: number,
): DuplicateState {
  let next = judge(s, atMs);
  const prev = next.paths[path];
  const info: PathInfo = {
    autopilot: hb.autopilot,
    vehicleType: hb.vehicleType,
    lastHbMs: atMs,
    hbs: [...(prev?.hbs ?? []), { seq: hb.seq, atMs }].slice(-8),
    pos: prev?.pos ?? null,
  };
  next = { ...next, paths: { ...next.paths, [path]: info }, pending: [...next.pending, { path, seq: hb.seq, atMs }] };
  if (!next.flagged) {
    for (const [name, o] of Object.entries(next.paths)) {
      if (name === path || atMs - o.lastHbMs > ACTIVE_MS) continue;
      if (o.autopilot !== hb.autopilot || o.vehicleType !== hb.vehicleType) {
        next = { ...next, flagged: `different autopilot/type on ${name} and ${path}` };
        break;
      }
    }
  }
  return next;
}

/** A path is gone (its peer forgotten by the link): drop what was kept of it. */
export function forgetPath(s: DuplicateState, path: string): DuplicateState {
  if (!(path in s.paths) && !s.pending.some((p) => p.path === path)) return s;
  const { [path]: _gone, ...paths } = s.paths;
  return { ...s, paths, pending: s.pending.filter((p) => p.path !== path) };
}

export function onPathPosition(s: DuplicateState, path: string, latDeg: number, lonDeg: number, atMs: number): DuplicateState {
  const prev = s.paths[path];
  if (!prev || (latDeg === 0 && lonDeg === 0)) return s;
  const pos = { latDeg, lonDeg, atMs };
  let flagged = s.flagged;
  if (!flagged) {
    for (const [name, o] of Object.entries(s.paths)) {
      if (name === path || !o.pos || atMs - o.pos.atMs > 2000) continue;
      const d = groundDistanceM(o.pos, pos);
      if (d > FAR_APART_M) {
        flagged = `positions on ${name} and ${path} are ${Math.round(d)} m apart`;
        break;
      }
    }
  }
  return { ...s, flagged, paths: { ...s.paths, [path]: { ...prev, pos } } };
}
