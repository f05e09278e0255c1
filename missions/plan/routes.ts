/**
 * One sortie's route in the local frame: transit out from the dock, the on-station part, transit back.
 * Patrol sorties fly a lead task (a patrol line or an area's coverage, a chunk of it when it is longer than
 * the sortie), then an orienteering tour of hotspots (value = weight, ×staleness) in the time left, then hover
 * over the most valuable hotspot visited (camera on it) until relieved. School sorties hover over the gate at
 * the hover altitude with the camera on the gate. Timing: the climb at the options' climb speed (ArduCopter's
 * WPNAV_SPEED_UP), the landing on the dock as ArduCopter's NAV_LAND flies it (the options' descent speed down to
 * LAND_ALT_LOW 10 m, LAND_SPEED 0.5 m/s below: copter-return.ts), cruise at the drone's speed; `onStationS` is
 * exactly the time from the first to the last on-station point.
 */
import { dist, type P, pathLength } from '../geo/vec.js';
import { COPTER_DEFAULTS, landS } from './copter-return.js';
import { orienteer } from './tour.js';
import type { Task, World } from './world.js';

export interface StationPoint { p: P; loiterS?: number; roi?: P }

export interface SortieRoute {
  dock: P;
  altM: number;
  out: P[];
  station: StationPoint[];
  back: P[];
  targets: string[];
  climbS: number;
  outS: number;
  onStationS: number;
  backS: number;
  descentS: number;
}

export const flightS = (r: SortieRoute): number => r.climbS + r.outS + r.onStationS + r.backS + r.descentS;

function legs(w: World, pts: P[]): P[] | undefined {
  const out: P[] = [];
  for (const p of pts) {
    const last = out[out.length - 1];
    if (!last) out.push(p);
    else if (dist(last, p) > 0.01) {
      const leg = w.path(last, p);
      if (!leg) return undefined;
      out.push(...leg.slice(1));
    }
  }
  return out;
}

/** Splits a task's path into pieces of at most maxM metres each. */
export function chunkPath(path: P[], maxM: number): P[][] {
  if (pathLength(path) <= maxM) return [path];
  const out: P[][] = [];
  let cur: P[] = [path[0]!];
  let len = 0;
  for (let i = 1; i < path.length; i++) {
    let a = path[i - 1]!;
    const b = path[i]!;
    let seg = dist(a, b);
    while (len + seg > maxM) {
      const t = (maxM - len) / seg;
      const c = { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
      cur.push(c);
      out.push(cur);
      cur = [c];
      len = 0;
      a = c;
      seg = dist(a, b);
    }
    cur.push(b);
    len += seg;
  }
  if (cur.length > 1) out.push(cur);
  return out;
}

function timing(w: World, dock: P, altM: number, cruiseMps: number, out: P[], station: StationPoint[], back: P[]) {
  const stationLen = pathLength(station.map((s) => s.p));
  const loiter = station.reduce((s, x) => s + (x.loiterS ?? 0), 0);
  return {
    dock, altM, out, station, back,
    climbS: altM / w.opts.climbMps,
    outS: pathLength(out) / cruiseMps,
    onStationS: stationLen / cruiseMps + loiter,
    backS: pathLength(back) / cruiseMps,
    // The sortie ends with a NAV_LAND on the dock: WPNAV_SPEED_DN down to LAND_ALT_LOW, LAND_SPEED below it.
    descentS: landS(altM, { ...COPTER_DEFAULTS, wpnavSpeedDnMps: w.opts.descentMps }),
  };
}

/**
 * A patrol sortie of `onStationS` seconds led by `task` (piece `chunk` of it). A patrol drone is on the job
 * from the top of its climb over the dock until it is back over the dock: it films the streets all the way,
 * so the whole loop dock → lead task → hotspots → dock is on station, padded by a hover over the most valuable
 * hotspot visited to last exactly `onStationS`.
 */
export function patrolRoute(w: World, dock: P, cruiseMps: number, onStationS: number, task: Task | undefined, chunk: number): SortieRoute | undefined {
  const budget = onStationS * cruiseMps;
  let lead: P[] = [];
  const targets: string[] = [];
  if (task) {
    const pieces = chunkPath(task.path, budget * 0.5);
    let piece = pieces[chunk % pieces.length]!;
    if (task.reversible && w.length(dock, piece[piece.length - 1]!) < w.length(dock, piece[0]!)) piece = [...piece].reverse();
    lead = piece;
  }
  for (let shrink = 0; shrink < 30; shrink++) {
    const withLead = lead.length ? legs(w, [dock, ...lead]) : [dock];
    if (!withLead) return undefined;
    const end = withLead[withLead.length - 1]!;
    const used = pathLength(withLead);
    if (used + w.length(end, dock) > budget && lead.length > 1 && shrink < 29) {
      lead = chunkPath(lead, pathLength(lead) * 0.8)[0]!;
      continue;
    }
    if (used + w.length(end, dock) > budget) return undefined;
    if (task) targets.push(task.id);
    // orienteering: 0 = end of lead, 1 = dock, 2… hotspots
    const nodes = [end, dock, ...w.hotspots.map((h) => h.p)];
    // unreachable pairs get a large finite cost so the local search never compares infinities
    const d = nodes.map((a) => nodes.map((b) => (a === b ? 0 : Math.min(w.length(a, b), 1e9))));
    const value = [0, 0, ...w.hotspots.map((h) => h.value)];
    let chosen = orienteer(d, value, budget - used).map((i) => i - 2);
    let station: P[] | undefined;
    for (;;) {
      station = legs(w, [...withLead, ...chosen.map((i) => w.hotspots[i]!.p), dock]);
      if (station && pathLength(station) <= budget) break;
      if (!chosen.length) return undefined;
      chosen = chosen.slice(0, -1);
    }
    const sp: StationPoint[] = station.map((p) => ({ p }));
    const best = chosen.length ? chosen.reduce((b, i) => (w.hotspots[i]!.value > w.hotspots[b]!.value ? i : b)) : undefined;
    const holdAt = best === undefined ? sp[sp.length - 1]! : sp.find((s) => s.p === w.hotspots[best]!.p) ?? sp[sp.length - 1]!;
    holdAt.loiterS = (budget - pathLength(station)) / cruiseMps;
    if (best !== undefined) holdAt.roi = w.hotspots[best]!.p;
    targets.push(...chosen.map((i) => w.hotspots[i]!.h.id));
    return { ...timing(w, dock, Math.min(task?.altM ?? 60, w.maxAltM), cruiseMps, [dock], sp, [dock]), targets };
  }
  return undefined;
}

/** A school-gate hover of `onStationS` seconds at the hover altitude, camera on the gate. */
export function schoolRoute(w: World, dock: P, cruiseMps: number, onStationS: number, gate: P, hoverAltM: number, id: string): SortieRoute | undefined {
  const out = w.path(dock, gate);
  const back = w.path(gate, dock);
  if (!out || !back) return undefined;
  const altM = Math.min(hoverAltM, w.maxAltM);
  return { ...timing(w, dock, altM, cruiseMps, out, [{ p: gate, loiterS: onStationS, roi: gate }], back), targets: [id] };
}

/** Seconds of flight before and after the on-station part (for the lower bound and the relay lengths). */
export function overheadS(w: World, dock: P, to: P, altM: number, cruiseMps: number): number {
  return altM / w.opts.climbMps + altM / w.opts.descentMps + (2 * w.length(dock, to)) / cruiseMps;
}
