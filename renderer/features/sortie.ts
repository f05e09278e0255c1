/**
 * The day seen from the console: what happened (the patrol runner's sortie records and the flights in the
 * tlogs, `ActualMessage`) beside what was planned (`PlanMessage`). Nothing here counts a sortie as flown, a
 * minute as covered or a drone as busy because the plan's clock says so: with no runner the plan is a plan
 * (未执行) and only real flights count.
 */
import type { ActualMessage, PlanMessage, ScheduleSortieView, SortieOutcome, SortieRecordView, VehicleView } from '../../common/api/contract.js';

export const ms = (iso: string): number => Date.parse(iso);

/** A planned bar's state: the runner's outcome for that sortie, or 'unexecuted' when no runner executes the plan. */
export type PlannedState = SortieOutcome | 'unexecuted';

/** Start of the plan's day (00:00 station time) in ms, from the offset its times carry. */
export function dayStartMs(plan: PlanMessage): number {
  const sample = plan.schedule.sorties[0]?.launch ?? '';
  const off = /([+-]\d\d:\d\d|Z)$/.exec(sample)?.[1] ?? '+08:00';
  return Date.parse(`${plan.schedule.date}T00:00:00${off}`);
}

/** The planned sortie's own id for a record (a replacement "P018-R2" flies P018's route). */
export const plannedId = (id: string): string => id.replace(/-R\d+$/, '');

export function plannedState(s: ScheduleSortieView, actual: ActualMessage | null): PlannedState {
  if (!actual?.runner) return 'unexecuted';
  return actual.sorties.find((r) => r.id === s.id)?.outcome ?? 'planned';
}

/** One bar of what was flown: a runner's sortie that took off, or (outside any sortie) a flight in the tlogs. */
export interface FlownBar {
  key: string;
  drone: string;
  fromMs: number;
  toMs: number;
  outcome: SortieOutcome | 'manual';
  /** The sortie id (null for a flight outside the patrol). */
  sortie: string | null;
  replaces: string | null;
  reason: string | null;
}

export function flownBars(actual: ActualMessage | null, vehicles: readonly VehicleView[], nowMs: number): FlownBar[] {
  if (!actual) return [];
  const bars: FlownBar[] = actual.sorties
    .filter((r) => r.launchedAtMs !== null)
    .map((r) => ({ key: r.id, drone: r.drone, fromMs: r.launchedAtMs!, toMs: r.landedAtMs ?? nowMs, outcome: r.outcome, sortie: r.id, replaces: r.replaces, reason: r.reason }));
  for (const f of actual.flights) {
    const drone = f.drone ?? `sys${f.sysid}`;
    // A log that ends in the air while the drone still flies: the flight goes on now.
    const flying = f.truncated && vehicles.some((v) => v.sysid === f.sysid && v.armed);
    const toMs = flying ? Math.max(f.endMs, nowMs) : f.endMs;
    if (bars.some((b) => b.sortie !== null && b.drone === drone && b.fromMs < toMs && b.toMs > f.startMs)) continue;
    bars.push({ key: f.id, drone, fromMs: f.startMs, toMs, outcome: 'manual', sortie: null, replaces: null, reason: null });
  }
  return bars;
}

type Iv = [number, number];
function unionMs(ivs: Iv[]): number {
  const s = ivs.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let cur: Iv | undefined;
  for (const [a, b] of s) {
    if (cur && a <= cur[1]) cur[1] = Math.max(cur[1], b);
    else {
      if (cur) total += cur[1] - cur[0];
      cur = [a, b];
    }
  }
  return total + (cur ? cur[1] - cur[0] : 0);
}

/** Time on station of a record (still there: up to now), or null when it never got there. */
export function onStation(r: SortieRecordView, nowMs: number): Iv | null {
  if (r.onStationAtMs === null) return null;
  return [r.onStationAtMs, r.offStationAtMs ?? r.landedAtMs ?? nowMs];
}

/**
 * Today's counters from what happened. With a runner: sorties flown = its sorties that took off and landed;
 * minutes = the union of the patrol sorties' time on station. Without: flights in the tlogs that ended, and
 * the minutes at least one drone was in the air.
 */
export function dayCounts(actual: ActualMessage | null, vehicles: readonly VehicleView[], nowMs: number, dayStart: number | null): { flown: number; minutes: number; missed: number } {
  if (!actual) return { flown: 0, minutes: 0, missed: 0 };
  const clip = ([a, b]: Iv): Iv => [dayStart === null ? a : Math.max(a, dayStart), b];
  if (actual.runner) {
    const flown = actual.sorties.filter((r) => r.launchedAtMs !== null && r.landedAtMs !== null).length;
    const ivs = actual.sorties.filter((r) => r.kind === 'patrol').map((r) => onStation(r, nowMs)).filter((x): x is Iv => x !== null).map(clip);
    return { flown, minutes: Math.round(unionMs(ivs) / 60_000), missed: actual.sorties.filter((r) => r.outcome === 'missed').length };
  }
  const bars = flownBars(actual, vehicles, nowMs);
  const flown = actual.flights.filter((f) => !(f.truncated && vehicles.some((v) => v.sysid === f.sysid && v.armed))).length;
  return { flown, minutes: Math.round(unionMs(bars.map((b) => clip([b.fromMs, b.toMs]))) / 60_000), missed: 0 };
}

/**
 * A drone's current sortie from the runner's record of it (VehicleView.patrol.sortie): none without a runner
 * or when the runner has none. Progress (0–1) only while it flies its post: time on station over the planned.
 */
export function droneSortie(actual: ActualMessage | null, v: VehicleView, nowMs: number): { id: string; outcome: SortieOutcome | null; progress: number | null } | undefined {
  const id = v.patrol?.sortie;
  if (!id || !actual?.runner) return undefined;
  const r = actual.sorties.find((x) => x.id === id);
  if (!r) return { id, outcome: null, progress: null };
  const span = r.planned.offMs - r.planned.onMs;
  const progress = r.outcome === 'flying' && r.onStationAtMs !== null && span > 0 ? Math.min(1, Math.max(0, (nowMs - r.onStationAtMs) / span)) : null;
  return { id, outcome: r.outcome, progress };
}

/** "HH:MM:SS" (or "HH:MM" with `short`) of a Unix ms time in the station's time zone. */
const formats = new Map<string, Intl.DateTimeFormat>();
export function stationTime(atMs: number, timeZone: string, short = false): string {
  try {
    const key = `${timeZone}|${short}`;
    let f = formats.get(key);
    if (!f) formats.set(key, (f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', ...(short ? {} : { second: '2-digit' }), hourCycle: 'h23' })));
    return f.format(new Date(atMs));
  } catch {
    return new Date(atMs).toISOString().slice(11, short ? 16 : 19) + 'Z';
  }
}
