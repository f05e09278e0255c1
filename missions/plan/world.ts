/**
 * The jurisdiction in the local metric frame, ready to plan in: the airspace (no-fly zones grown by
 * `noFlyMarginM`, boundary plus `boundaryMarginM`), its visibility-graph router, the docks, and the patrol
 * tasks every sortie draws from: patrol lines made safe (legs that would cross a grown no-fly zone are routed
 * around it; points inside one are dropped), patrol areas as boustrophedon coverage paths, and hotspots with
 * their value (weight × staleness when a freshness grid is given).
 */
import { Airspace, type Obstacle } from '../geo/airspace.js';
import { type LocalFrame, localFrame, ringCentre } from '../geo/frame.js';
import { Router } from '../geo/visibility.js';
import { dist, type P, pathLength } from '../geo/vec.js';
import type { Dock, Hotspot, Jurisdiction, LonLat } from '../jurisdiction.js';
import { planCoverage } from './coverage.js';

export interface PlanOptions {
  /** Safety margin around no-fly zones (m). */
  noFlyMarginM: number;
  /** How far outside the boundary a path may stray (m). */
  boundaryMarginM: number;
  /** Overlap when one drone relieves another on station (min). */
  handoverMin: number;
  climbMps: number;
  descentMps: number;
  /** 'full': every landing costs the drone's whole charge_minutes; 'proportional': charge_minutes × battery used. */
  chargeModel: 'full' | 'proportional';
  /** Share of patrol sorties led by each area, relative to a priority-1 line. */
  areaWeight: number;
  /** Optional staleness factor (≥ 1) of a place, from coverage freshness: favours what was not seen lately. */
  staleness?: (p: LonLat) => number;
}

export const DEFAULT_OPTIONS: PlanOptions = {
  noFlyMarginM: 30, boundaryMarginM: 50, handoverMin: 1, climbMps: 2.5, descentMps: 1.5, chargeModel: 'proportional', areaWeight: 2,
};

export interface Task { id: string; kind: 'line' | 'area'; path: P[]; altM: number; weight: number; lengthM: number; reversible: boolean }
export interface HotspotXY { h: Hotspot; p: P; value: number }

export interface World {
  j: Jurisdiction;
  opts: PlanOptions;
  frame: LocalFrame;
  boundary: P[];
  airspace: Airspace;
  router: Router;
  maxAltM: number;
  docks: Map<string, { dock: Dock; p: P }>;
  tasks: Task[];
  hotspots: HotspotXY[];
  warnings: string[];
  /** Obstacle-avoiding path a → b (both included); undefined when no path exists. */
  path(a: P, b: P): P[] | undefined;
  length(a: P, b: P): number;
}

export function buildWorld(j: Jurisdiction, options: Partial<PlanOptions> = {}): World {
  const opts = { ...DEFAULT_OPTIONS, ...options };
  const frame = localFrame(ringCentre(j.boundary.ring));
  const xy = (r: LonLat[]) => r.map((p) => frame.toXY(p));
  const boundary = xy(j.boundary.ring);
  const noFly: Obstacle[] = j.noFly.map((z) => ({ id: z.id, ring: xy(z.outer), marginM: opts.noFlyMarginM }));
  const airspace = new Airspace(noFly, boundary, opts.boundaryMarginM);
  const router = new Router(airspace);
  const warnings: string[] = [];
  const path = (a: P, b: P) => router.path(a, b);
  const length = (a: P, b: P) => (airspace.segmentClear(a, b) ? dist(a, b) : router.length(a, b));
  const maxAltM = j.boundary.maxAltitudeM;
  const alt = (a: number, what: string) => {
    if (a > maxAltM) warnings.push(`${what}: altitude ${a} m above the station limit ${maxAltM} m; flown at ${maxAltM} m`);
    return Math.min(a, maxAltM);
  };
  const stale = (ps: LonLat[]) => (opts.staleness && ps.length ? ps.reduce((s, p) => s + opts.staleness!(p), 0) / ps.length : 1);

  const tasks: Task[] = [];
  for (const l of j.lines) {
    const pts = xy(l.path).filter((p) => airspace.pointClear(p));
    if (pts.length < l.path.length) warnings.push(`patrol-line ${l.id}: ${l.path.length - pts.length} point(s) inside a no-fly zone (+${opts.noFlyMarginM} m) or outside the boundary were dropped`);
    const safe: P[] = [];
    for (const p of pts) {
      const last = safe[safe.length - 1];
      if (!last) safe.push(p);
      else {
        const leg = path(last, p);
        if (leg) safe.push(...leg.slice(1));
        else warnings.push(`patrol-line ${l.id}: no safe leg to a point; skipped`);
      }
    }
    if (safe.length >= 1) tasks.push({ id: l.id, kind: 'line', path: safe, altM: alt(l.altitudeM, `patrol-line ${l.id}`), weight: l.priority * stale(l.path), lengthM: pathLength(safe), reversible: true });
  }
  for (const a of j.areas) {
    const holes = a.holes.map(xy);
    const covSpace = new Airspace([...noFly, ...holes.map((h, i) => ({ id: `${a.id}#hole${i}`, ring: h, marginM: 0 }))], boundary, opts.boundaryMarginM);
    try {
      const c = planCoverage({ outer: xy(a.outer), holes, swathM: a.swathM, airspace: covSpace, router: new Router(covSpace) });
      tasks.push({ id: a.id, kind: 'area', path: c.path, altM: alt(a.altitudeM, `patrol-area ${a.id}`), weight: opts.areaWeight * stale(a.outer), lengthM: c.lengthM, reversible: true });
    } catch (e) {
      warnings.push(`patrol-area ${a.id}: ${(e as Error).message}`);
    }
  }
  const hotspots = j.hotspots.map((h) => ({ h, p: frame.toXY(h.at), value: h.weight * stale([h.at]) })).filter((h) => {
    const ok = airspace.pointClear(h.p);
    if (!ok) warnings.push(`hotspot ${h.h.id}: inside a no-fly zone (+${opts.noFlyMarginM} m) or outside the boundary; not visited`);
    return ok;
  });
  const docks = new Map(j.docks.map((d) => [d.id, { dock: d, p: frame.toXY(d.at) }]));
  for (const d of docks.values()) if (airspace.blockerAt(d.p)) warnings.push(`dock ${d.dock.id}: within ${opts.noFlyMarginM} m of no-fly zone ${airspace.blockerAt(d.p)!.id}`);
  return { j, opts, frame, boundary, airspace, router, maxAltM, docks, tasks, hotspots, warnings, path, length };
}
