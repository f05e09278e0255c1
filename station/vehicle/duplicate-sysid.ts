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

function judge(s: DuplicateState, nowMs: number): DuplicateState {
  const due = s.pending.filter((p) => nowMs - p.atMs >= TWIN_WINDOW_MS);
  if (due.length === 0) return s;
  const window = [...s.window];
  for (const p of due) {
    const others = Object.entries(s.paths).filter(
      ([name, info]) => name !== p.path && info.hbs.some((h) => Math.abs(h.atMs - p.atMs) <= ACTIVE_MS),
    );
    if (others.length === 0) continue;
    const twin = others.some(([, info]) => info.hbs.some((h) => h.seq === p.seq && Math.abs(h.atMs - p.atMs) <= TWIN_WINDOW_MS));
    window.push(twin);
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
