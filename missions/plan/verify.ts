/**
 * Independent checks of a planned day against the contract and the safety rules, used by the tests and
 * available to the UI: patrol coverage of the whole patrol day with a handover at every change, every school
 * window covered (except what `gaps` lists), each drone's sorties (and recharges) never overlapping, dock
 * bays, the battery reserve, altitude limit and frame, every mission starting at and landing on its dock, and
 * no leg within the no-fly margin (nor leaving the boundary plus its margin). Returns the violations found.
 */
import { MAV_CMD, MAV_FRAME } from '../../common/mav-cmd.js';
import { Airspace } from '../geo/airspace.js';
import type { Fleet } from '../fleet.js';
import type { DayPlan } from './day.js';
import { hhmmToMin, localMidnightUtcMs, parseIso } from './timezone.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

function uncovered(ivs: [number, number][], from: number, to: number): [number, number][] {
  const s = [...ivs].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let t = from;
  for (const [a, b] of s) {
    if (a > t && t < to) out.push([t, Math.min(a, to)]);
    t = Math.max(t, b);
  }
  if (t < to) out.push([t, to]);
  return out;
}

export function verifyDay(plan: DayPlan, fleet: Fleet): string[] {
  const v: string[] = [];
  const s = plan.schedule;
  const w = plan.world;
  const j = w.j;
  const mid = localMidnightUtcMs(s.date, s.timezone);
  const t = (x: string, what: string) => {
    if (!ISO.test(x)) v.push(`${what}: "${x}" is not ISO 8601 with an offset`);
    return parseIso(x) ?? NaN;
  };
  const gapIv = (kind: string, target: string) => s.gaps.filter((g) => g.kind === kind && g.target === target).map((g): [number, number] => [t(g.from, 'gap'), t(g.to, 'gap')]);
  // patrol
  const W0 = mid + hhmmToMin(fleet.patrol.firstLaunch) * 60_000;
  const W1 = W0 + fleet.patrol.sortiesPerDay * fleet.patrol.sortieMin * 60_000;
  const patrol = s.sorties.filter((x) => x.kind === 'patrol').map((x) => [t(x.on_station, x.id), t(x.off_station, x.id)] as [number, number]).sort((a, b) => a[0] - b[0]);
  for (const [a, b] of uncovered([...patrol, ...gapIv('patrol', 'patrol')], W0, W1)) v.push(`patrol: ${new Date(a).toISOString()}–${new Date(b).toISOString()} uncovered and not listed as a gap`);
  for (let i = 1; i < patrol.length; i++) {
    const prevOff = patrol[i - 1]![1];
    const on = patrol[i]![0];
    if (on >= prevOff && uncovered(gapIv('patrol', 'patrol'), prevOff, on - 1000).length) v.push(`patrol: sortie ${i + 1} arrives at ${new Date(on).toISOString()}, not before the previous leaves`);
  }
  // schools
  for (const sc of j.schools) for (const win of sc.windows) {
    const a = mid + hhmmToMin(win.from) * 60_000;
    const b = mid + hhmmToMin(win.to) * 60_000;
    const ivs = s.sorties.filter((x) => x.kind === 'school' && x.targets.includes(sc.id)).map((x): [number, number] => [t(x.on_station, x.id), t(x.off_station, x.id)]);
    for (const [p, q] of uncovered([...ivs, ...gapIv('school', sc.id)], a, b)) v.push(`school ${sc.id}: ${new Date(p).toISOString()}–${new Date(q).toISOString()} uncovered and not listed as a gap`);
  }
  // drones, bays, reserve
  const byId = new Map(fleet.drones.map((d) => [d.id, d]));
  const perDrone = new Map<string, [number, number, string][]>();
  for (const x of s.sorties) {
    const d = byId.get(x.drone);
    if (!d) {
      v.push(`${x.id}: drone ${x.drone} is not in the fleet`);
      continue;
    }
    if (x.dock !== d.dock) v.push(`${x.id}: flies from ${x.dock}, but ${d.id} lives at ${d.dock}`);
    const launch = t(x.launch, x.id);
    const land = t(x.land, x.id);
    if (!(launch <= t(x.on_station, x.id) && t(x.on_station, x.id) < t(x.off_station, x.id) && t(x.off_station, x.id) <= land)) v.push(`${x.id}: times out of order`);
    if (x.battery_percent > 100 - fleet.reservePct + 1e-9) v.push(`${x.id}: uses ${x.battery_percent} % of the battery, more than ${100 - fleet.reservePct} %`);
    if ((land - launch) / 60_000 > d.enduranceMin * (1 - fleet.reservePct / 100) + 0.05) v.push(`${x.id}: ${(land - launch) / 60_000} min in the air eats into the reserve`);
    const l = perDrone.get(d.id) ?? [];
    l.push([launch, land, x.id]);
    perDrone.set(d.id, l);
  }
  for (const [id, l] of perDrone) {
    l.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < l.length; i++) if (l[i]![0] < l[i - 1]![1]) v.push(`drone ${id}: ${l[i]![2]} launches before ${l[i - 1]![2]} has landed`);
  }
  for (const dk of j.docks) {
    const n = new Set(s.sorties.filter((x) => x.dock === dk.id).map((x) => x.drone)).size;
    if (n > dk.bays) v.push(`dock ${dk.id}: ${n} drones use it, it has ${dk.bays} bay(s)`);
  }
  // missions
  for (const ps of plan.sorties) {
    const id = ps.sortie.id;
    const items = ps.mission.items;
    const dock = j.docks.find((d) => d.id === ps.sortie.dock)!;
    const first = items[0];
    const last = items[items.length - 1];
    if (first?.command !== MAV_CMD.NAV_TAKEOFF) v.push(`${id}: mission does not start with a take-off`);
    if (!last || last.command !== MAV_CMD.NAV_LAND || Math.abs(last.params[4] - dock.at[1]) > 1e-6 || Math.abs(last.params[5] - dock.at[0]) > 1e-6) v.push(`${id}: mission does not land on dock ${dock.id}`);
    if (Math.abs(ps.mission.home.lat - dock.at[1]) > 1e-6 || Math.abs(ps.mission.home.lon - dock.at[0]) > 1e-6) v.push(`${id}: home is not dock ${dock.id}`);
    for (const it of items) {
      if (it.frame === MAV_FRAME.GLOBAL_RELATIVE_ALT && it.params[6] > j.boundary.maxAltitudeM) v.push(`${id}: altitude ${it.params[6]} m above ${j.boundary.maxAltitudeM} m`);
      if (it.command === MAV_CMD.NAV_WAYPOINT && it.frame !== MAV_FRAME.GLOBAL_RELATIVE_ALT) v.push(`${id}: waypoint altitude frame ${it.frame} is not relative to home`);
    }
    const pts = ps.route.map((p) => w.frame.toXY(p));
    for (let i = 1; i < pts.length; i++) {
      if (!w.airspace.segmentClear(pts[i - 1]!, pts[i]!)) {
        const z = w.airspace.obstacles.find((o) => !new Airspace([o]).segmentClear(pts[i - 1]!, pts[i]!));
        v.push(`${id}: leg ${i} ${z ? `comes within ${w.opts.noFlyMarginM} m of no-fly zone ${z.id}` : 'leaves the boundary (plus margin)'}`);
      }
    }
  }
  return v;
}
