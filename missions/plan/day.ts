/**
 * planDay: the station's day. Requirements come in two streams: the round-the-clock patrol (sorties_per_day
 * slots of sortie_minutes from first_launch local time; each sortie arrives `handoverMin` before its slot so
 * the next is on station before the current one leaves) and each school window (a relay of hover sorties,
 * each as long as the drone's battery allows above the reserve, the next arriving `handoverMin` before the
 * current leaves). Each requirement is served by a drone that is docked, charged (a drone always launches
 * with a full battery) and within its dock's bays (a dock holds at most `bays` drones; extra drones are left
 * out with a warning), preferring the earliest arrival, the longest stay, the shortest flight, then — by
 * strategy — a drone already flying today (best fit: the rest stay spare for call-outs) or the longest
 * rested. The default strategy serves the school posts first (pinned by place and time) and the patrol around
 * them; when that leaves gaps the other strategies are tried and the best plan kept. What cannot be served is
 * listed as a gap with its reason, and the fleet that would serve it is searched.
 * Times are seconds since local midnight of the date inside; the schedule carries ISO 8601 with the offset.
 */
import type { Mission } from '../formats/items.js';
import { usableFlightS, type Fleet, type FleetDrone } from '../fleet.js';
import type { Jurisdiction, LonLat } from '../jurisdiction.js';
import { fleetLowerBound, type Requirement } from './bound.js';
import { routeLonLat, routeMission } from './mission.js';
import { flightS, patrolRoute, schoolRoute, type SortieRoute } from './routes.js';
import type { Schedule, ScheduleGap, ScheduleSortie } from '../../common/formats/schedule.js';
import { hhmmToMin, isoLocal, localMidnightUtcMs, parseIso } from './timezone.js';
import { buildWorld, type PlanOptions, type Task, type World } from './world.js';

export interface PlannedSortie { sortie: ScheduleSortie; mission: Mission; route: LonLat[] }
export interface DayPlan { schedule: Schedule; sorties: PlannedSortie[]; warnings: string[]; world: World }

/** busy: [launch, ready again] intervals, sorted; a drone launches with a full battery. */
interface DroneState { d: FleetDrone; busy: [number, number][]; used: boolean; chargeS: number }

/** Earliest t ≥ from such that [t, t + dur) overlaps none of the busy intervals. */
function earliestFit(busy: [number, number][], from: number, dur: number): number {
  let t = from;
  for (const [a, b] of busy) {
    if (t + dur <= a) return t;
    if (t < b) t = b;
  }
  return t;
}

const restedSince = (busy: [number, number][], t: number): number => {
  let last = -Infinity;
  for (const [, b] of busy) if (b <= t) last = b;
  return last;
}

interface Draft { kind: 'patrol' | 'school'; drone: DroneState; route: SortieRoute; onS: number }

/** How the greedy serves requirements: which stream first, and which of several free drones. */
export interface Strategy { order: 'schools-first' | 'chronological'; prefer: 'best-fit' | 'rested' }
const STRATEGIES: Strategy[] = [
  { order: 'schools-first', prefer: 'best-fit' },
  { order: 'chronological', prefer: 'best-fit' },
  { order: 'schools-first', prefer: 'rested' },
  { order: 'chronological', prefer: 'rested' },
];

export type DayOptions = Partial<PlanOptions> & { noFleetSearch?: boolean; strategy?: Strategy };

const gapSeconds = (s: Schedule) => s.gaps.reduce((t, g) => t + (parseIso(g.to)! - parseIso(g.from)!) / 1000, 0);

/**
 * Plans the day with the first strategy; when that leaves gaps, tries the others and keeps the plan with the
 * fewest uncovered seconds (then the fewest drones). With gaps left, searches the fleet that would cover.
 */
export function planDay(j: Jurisdiction, fleet: Fleet, date: string, options: DayOptions = {}, prebuilt?: World): DayPlan {
  const w = prebuilt ?? buildWorld(j, options);
  let best: DayPlan | undefined;
  for (const strategy of options.strategy ? [options.strategy] : STRATEGIES) {
    const p = planWith(j, fleet, date, w, strategy);
    if (!best || gapSeconds(p.schedule) < gapSeconds(best.schedule) - 1e-6 ||
      (Math.abs(gapSeconds(p.schedule) - gapSeconds(best.schedule)) <= 1e-6 && p.schedule.drones_used < best.schedule.drones_used)) best = p;
    if (!best.schedule.gaps.length) break;
  }
  const s = best!.schedule;
  s.fleet_needed = s.gaps.length ? (options.noFleetSearch ? null : fleetNeeded(j, fleet, date, options, w, s.fleet_lower_bound)) : s.drones_used;
  return best!;
}

function planWith(j: Jurisdiction, fleet: Fleet, date: string, w: World, strategy: Strategy): DayPlan {
  const o = w.opts;
  const warnings = [...w.warnings];
  const tz = j.boundary.timezone || fleet.timezone;
  if (fleet.timezone && fleet.timezone !== tz) warnings.push(`fleet timezone ${fleet.timezone} differs from the boundary's ${tz}; using ${tz}`);
  const midnight = localMidnightUtcMs(date, tz);
  const iso = (s: number) => isoLocal(midnight + Math.round(s) * 1000, tz);
  const h = o.handoverMin * 60;

  const drones: DroneState[] = [];
  for (const dk of j.docks) {
    const here = fleet.drones.filter((d) => d.dock === dk.id);
    here.slice(dk.bays).forEach((d) => warnings.push(`drone ${d.id}: dock ${dk.id} has ${dk.bays} bay(s), already taken; not planned`));
    for (const d of here.slice(0, dk.bays)) drones.push({ d, busy: [], used: false, chargeS: Math.max(d.chargeMin, dk.chargeMin ?? 0) * 60 });
  }
  const usableS = (d: FleetDrone) => usableFlightS(d.enduranceMin, fleet.reservePct);
  const rechargeS = (ds: DroneState, fS: number) => (o.chargeModel === 'full' ? ds.chargeS : ds.chargeS * Math.min(1, fS / (ds.d.enduranceMin * 60)));
  const dockP = (ds: DroneState) => w.docks.get(ds.d.dock)!.p;
  const lead = (r: SortieRoute) => Math.ceil(r.climbS + r.outS);
  const tail = (r: SortieRoute) => Math.ceil(r.backS + r.descentS);

  const drafts: Draft[] = [];
  const gaps: ScheduleGap[] = [];
  const gap = (kind: 'patrol' | 'school', target: string, fromS: number, toS: number, reason: string) => {
    const last = gaps.find((g) => g.kind === kind && g.target === target && g.to === iso(fromS) && g.reason === reason);
    if (last) last.to = iso(toS);
    else gaps.push({ kind, target, from: iso(fromS), to: iso(toS), reason });
  };

  /** Best drone for a sortie needing on station at needS; build(route maker with on-station seconds). */
  const memo = <T>(f: (ds: DroneState, onS: number) => T) => {
    const m = new Map<string, T>();
    return (ds: DroneState, onS: number): T => {
      const k = `${ds.d.dock}|${ds.d.cruiseMps}|${onS}`;
      if (!m.has(k)) m.set(k, f(ds, onS));
      return m.get(k)!;
    };
  };
  const serve = (needS: number, wantS: number, rawMake: (ds: DroneState, onS: number) => SortieRoute | undefined):
    | { ds: DroneState; route: SortieRoute; onS: number; startS: number } | { why: string } => {
    let best: { ds: DroneState; route: SortieRoute; onS: number; startS: number; fS: number; rested: number } | undefined;
    let why = 'no drone in the fleet';
    const make = memo(rawMake);
    for (const ds of drones) {
      let r = make(ds, wantS);
      if (!r) {
        why = 'no safe route from the docks';
        continue;
      }
      let onS = wantS;
      const extra = flightS(r) - usableS(ds.d);
      if (extra > 0) {
        onS = wantS - extra - 1;
        if (onS < 120) {
          why = `endurance too short (${ds.d.enduranceMin} min, ${fleet.reservePct} % reserve)`;
          continue;
        }
        r = make(ds, onS);
        if (!r) continue;
      }
      const fS = flightS(r);
      const busyS = fS + rechargeS(ds, fS);
      const startS = earliestFit(ds.busy, needS - lead(r), busyS) + lead(r);
      const rested = restedSince(ds.busy, startS - lead(r));
      const better = !best || startS < best.startS || (startS === best.startS && (onS > best.onS + 1 ||
        (Math.abs(onS - best.onS) <= 1 && (fS < best.fS - 1 || (Math.abs(fS - best.fS) <= 1 && (strategy.prefer === 'rested' ? rested < best.rested : ds.used !== best.ds.used ? ds.used : rested > best.rested))))));
      if (better) {
        best = { ds, route: r, onS, startS, fS, rested };
      }
    }
    return best ?? { why };
  };
  const commit = (kind: 'patrol' | 'school', x: { ds: DroneState; route: SortieRoute; onS: number; startS: number }) => {
    drafts.push({ kind, drone: x.ds, route: x.route, onS: x.startS });
    x.ds.used = true;
    const launch = x.startS - lead(x.route);
    x.ds.busy.push([launch, x.startS + x.route.onStationS + tail(x.route) + rechargeS(x.ds, flightS(x.route))]);
    x.ds.busy.sort((a, b) => a[0] - b[0]);
  };

  // streams
  const M = fleet.patrol.sortieMin * 60;
  const W0 = hhmmToMin(fleet.patrol.firstLaunch) * 60;
  const rotation = weightedRotation(w.tasks, fleet.patrol.sortiesPerDay);
  const chunkOf = new Map<string, number>();
  let slot = 0;
  const schools = j.schools.flatMap((s) => s.windows.map((win) => ({ s, from: hhmmToMin(win.from) * 60, to: hhmmToMin(win.to) * 60, cursor: hhmmToMin(win.from) * 60, first: true })));
  const reqs: Requirement[] = [];
  for (let i = 0; i < fleet.patrol.sortiesPerDay; i++) reqs.push({ fromS: W0 + i * M - h, toS: W0 + (i + 1) * M, altM: Math.min(...w.tasks.map((t) => t.altM), 60) });
  for (const x of schools) reqs.push({ fromS: x.from, toS: x.to, altM: Math.min(x.s.hoverAltitudeM, w.maxAltM) });

  for (;;) {
    // school posts first (their drones are pinned by place and time), then the patrol around them
    const nextPatrol = slot < fleet.patrol.sortiesPerDay ? W0 + slot * M - h : Infinity;
    const open = schools.filter((x) => x.cursor < x.to - 1e-6).sort((a, b) => a.cursor - b.cursor)[0];
    if (nextPatrol === Infinity && !open) break;
    if (open && (strategy.order === 'schools-first' || open.cursor <= nextPatrol)) {
      const gate = w.frame.toXY(open.s.gate);
      const slotStart = open.first ? open.cursor : open.cursor + h;
      open.first = false;
      const res = serve(open.cursor, open.to - open.cursor, (ds, onS) => schoolRoute(w, dockP(ds), ds.d.cruiseMps, onS, gate, open.s.hoverAltitudeM, open.s.id));
      if ('why' in res) {
        gap('school', open.s.id, Math.max(open.from, slotStart), open.to, res.why);
        open.cursor = open.to;
        continue;
      }
      if (res.startS >= open.to - 60) {
        gap('school', open.s.id, Math.max(open.from, slotStart), open.to, 'no drone free (all flying or charging)');
        open.cursor = open.to;
        continue;
      }
      if (res.startS > Math.max(open.from, slotStart) - 1e-6 && res.startS > open.cursor) gap('school', open.s.id, Math.max(open.from, slotStart), res.startS, 'no drone free (all flying or charging)');
      const onS = Math.min(res.onS, open.to - res.startS);
      const route = onS === res.onS ? res.route : schoolRoute(w, dockP(res.ds), res.ds.d.cruiseMps, onS, gate, open.s.hoverAltitudeM, open.s.id) ?? res.route;
      commit('school', { ...res, route, onS });
      open.cursor = res.startS + onS >= open.to - 1e-6 ? open.to : res.startS + onS - h;
    } else {
      const needS = nextPatrol;
      const endS = W0 + (slot + 1) * M;
      const task = rotation[slot % Math.max(1, rotation.length)];
      const chunk = task ? chunkOf.get(task.id) ?? 0 : 0;
      const res = serve(needS, endS - needS, (ds, onS) => patrolRoute(w, dockP(ds), ds.d.cruiseMps, onS, task, chunk));
      slot++;
      if ('why' in res) {
        gap('patrol', 'patrol', needS + h, endS, res.why);
        continue;
      }
      if (res.startS >= endS - 60) {
        gap('patrol', 'patrol', needS + h, endS, 'no drone free (all flying or charging)');
        continue;
      }
      if (task) chunkOf.set(task.id, chunk + 1);
      if (res.startS >= needS + h) gap('patrol', 'patrol', needS + h, res.startS + 1, 'no drone free (all flying or charging)');
      const onS = Math.min(res.onS, endS - res.startS);
      if (res.onS < endS - needS && res.startS + res.onS < endS) gap('patrol', 'patrol', res.startS + res.onS, endS, `slot longer than a battery allows (${res.ds.d.enduranceMin} min, ${fleet.reservePct} % reserve)`);
      const route = onS === res.onS ? res.route : patrolRoute(w, dockP(res.ds), res.ds.d.cruiseMps, onS, task, chunk) ?? res.route;
      commit('patrol', { ...res, route, onS });
    }
  }

  // number and write out
  const out: PlannedSortie[] = [];
  let pN = 0;
  let sN = 0;
  for (const dr of drafts.sort((a, b) => a.onS - b.onS || (a.kind === 'patrol' ? -1 : 1))) {
    const id = dr.kind === 'patrol' ? `P${String(++pN).padStart(3, '0')}` : `S${String(++sN).padStart(3, '0')}`;
    const r = dr.route;
    const fS = flightS(r);
    const on = dr.onS;
    const route = routeLonLat(w, r);
    const { marks, ...mission } = routeMission(w, r, dr.drone.d.cruiseMps, dr.kind);
    out.push({
      sortie: {
        id, kind: dr.kind, drone: dr.drone.d.id, dock: dr.drone.d.dock,
        launch: iso(on - lead(r)), on_station: iso(on), off_station: iso(on + r.onStationS), land: iso(on + r.onStationS + tail(r)),
        plan: `sorties/${id}.plan`, targets: r.targets, marks,
        flight_minutes: Math.round((fS / 60) * 10) / 10,
        battery_percent: Math.round((fS / (dr.drone.d.enduranceMin * 60)) * 1000) / 10,
        altitude_m: r.altM, altitude_frame: 'relative-to-launch',
        route_m: Math.round(r.out.length ? routeLength(w, route) : 0),
      },
      mission,
      route,
    });
  }
  gaps.sort((a, b) => a.from.localeCompare(b.from) || a.target.localeCompare(b.target));
  const minCharge = Math.min(...drones.map((d) => d.chargeS), Infinity);
  const minEnd = Math.min(...drones.map((d) => usableS(d.d)), Infinity);
  const lb = fleetLowerBound(reqs, o.climbMps, o.descentMps, (f) => (o.chargeModel === 'full' ? minCharge : f > minEnd ? 0 : minCharge * (f / (minEnd / (1 - fleet.reservePct / 100)))));
  const schedule: Schedule = {
    station: fleet.station, date, timezone: tz, fleet_lower_bound: Number.isFinite(lb) ? lb : 0,
    sorties: out.map((x) => x.sortie), gaps,
    fleet_size: drones.length, drones_used: drones.filter((d) => d.used).length,
    fleet_needed: null,
  };
  return { schedule, sorties: out, warnings, world: w };
}

function routeLength(w: World, ll: LonLat[]): number {
  let s = 0;
  for (let i = 1; i < ll.length; i++) {
    const a = w.frame.toXY(ll[i - 1]!);
    const b = w.frame.toXY(ll[i]!);
    s += Math.hypot(a.x - b.x, a.y - b.y);
  }
  return s;
}

/** Smooth weighted round-robin over the tasks (weight = priority, areas `areaWeight`, × staleness). */
export function weightedRotation(tasks: Task[], n: number): Task[] {
  if (!tasks.length) return [];
  const cur = tasks.map(() => 0);
  const total = tasks.reduce((s, t) => s + t.weight, 0);
  const out: Task[] = [];
  for (let k = 0; k < n; k++) {
    let bi = 0;
    tasks.forEach((t, i) => {
      cur[i]! += t.weight;
      if (cur[i]! > cur[bi]!) bi = i;
    });
    cur[bi]! -= total;
    out.push(tasks[bi]!);
  }
  return out;
}

/**
 * The smallest fleet that leaves no gap, found by planning again with drones added (copies of the fleet's
 * longest-flying drone, one at a time, at docks with a free bay); null when the bays run out first.
 */
function fleetNeeded(j: Jurisdiction, fleet: Fleet, date: string, options: DayOptions, w: World, lb: number): number | null {
  const model = [...fleet.drones].sort((a, b) => b.enduranceMin - a.enduranceMin)[0];
  if (!model) return null;
  const drones = [...fleet.drones];
  const bays = j.docks.reduce((s, d) => s + d.bays, 0);
  while (drones.length < Math.max(lb, 1) - 1 && drones.length < bays) addAtFreeBay();
  function addAtFreeBay(): boolean {
    const dock = j.docks.find((d) => drones.filter((x) => x.dock === d.id).length < d.bays);
    if (!dock) return false;
    drones.push({ ...model!, id: `extra-${drones.length + 1}`, sysid: 0, dock: dock.id });
    return true;
  }
  while (addAtFreeBay()) {
    const p = planDay(j, { ...fleet, drones }, date, { ...options, noFleetSearch: true }, w);
    if (!p.schedule.gaps.length) return drones.length;
  }
  return null;
}
