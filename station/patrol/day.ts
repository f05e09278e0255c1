/**
 * A day plan as the runner needs it: schedule.json (resources/formats/schedule.md) and each sortie's .plan,
 * checked and turned into the lists the drone stores, with the drone's sysid from the fleet file and the
 * mission marks the runner watches: when the drone is on station, and when its route is done (the next item
 * heads home). The planner writes the marks into schedule.json; a schedule written before it did still loads,
 * its marks guessed from the mission's commands. Errors name the file and what is wrong.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Fleet, FleetDrone } from '../../missions/fleet.js';
import type { Schedule, ScheduleSortie, SortieMarks } from '../../common/formats/schedule.js';
import { parseIso } from '../../missions/plan/timezone.js';
import { err, ok, type Result } from '../../common/result.js';
import { MAV_CMD } from '../../common/mav-cmd.js';
import type { WireItem } from '../../mavlink/services/mission/types.js';
import { planFromText, type PlanLists } from '../files/plan-file.js';

export interface MissionMarks {
  /** MISSION_CURRENT at or past this: on station (past the takeoff; for a hover post, at the post). */
  onStationSeq: number;
  /** MISSION_CURRENT at or past this: the route is done, the next leg heads home. */
  returnSeq: number;
  /** Holding for relief sets the mission back to this item: the hover (loiter) again, or the route again. */
  holdSeq: number;
  /** Relieved while holding: the mission goes on from this (navigation) item, the leg home. */
  resumeSeq: number;
  /** Mission items, home excluded. */
  items: number;
}

export interface DaySortie {
  s: ScheduleSortie;
  drone: FleetDrone;
  plan: PlanLists;
  marks: MissionMarks;
  launchMs: number;
  onMs: number;
  offMs: number;
  landMs: number;
}

export interface DayInput {
  dir: string;
  schedule: Schedule;
  fleet: Fleet;
  sorties: DaySortie[];
  /** The plan of any sortie, by its plan path (reassigned sorties fly the same plan). */
  plans: Map<string, DaySortie>;
}

/**
 * The marks schedule.json carries for a sortie (the planner wrote them: it knows where the post and the leg home
 * are), checked against its mission: whole numbers within the mission, on station no later than the return.
 */
export function plannedMarks(m: SortieMarks, p: PlanLists): Result<MissionMarks> {
  const items = p.mission.length - 1;
  for (const k of ['on_station', 'hold', 'return', 'resume'] as const) {
    const v = m[k];
    if (!Number.isInteger(v) || v < 1 || v > items) return err('invalid', `marks.${k}: ${JSON.stringify(v)} is not a mission item (1…${items})`);
  }
  if (m.on_station > m.return || m.hold > m.return || m.resume < m.return) return err('invalid', `marks: on_station ${m.on_station} and hold ${m.hold} must come no later than return ${m.return}, resume ${m.resume} no earlier`);
  return ok({ onStationSeq: m.on_station, holdSeq: m.hold, resumeSeq: m.resume, returnSeq: m.return, items });
}

const LOITERS = new Set<number>([MAV_CMD.NAV_LOITER_UNLIM, MAV_CMD.NAV_LOITER_TURNS, MAV_CMD.NAV_LOITER_TIME]);
const STATION_NAV = new Set<number>([MAV_CMD.NAV_WAYPOINT, ...LOITERS]);
const RETURN_NAV = new Set<number>([MAV_CMD.NAV_RETURN_TO_LAUNCH, MAV_CMD.NAV_LAND]);

const nearHome = (it: WireItem, home: { lat: number; lon: number }) => Math.abs(it.x / 1e7 - home.lat) < 5e-5 && Math.abs(it.y / 1e7 - home.lon) < 5e-5;

/**
 * Marks guessed from the mission's commands, for a schedule written before the planner wrote them (no
 * `marks`): on station past the takeoff (a school post: at its first loiter); the route done after the last
 * waypoint or loiter away from home before the landing; hold and resume on navigation items.
 */
export function inferredMarks(p: PlanLists, kind: string): MissionMarks {
  const items = p.mission;
  const home = { lat: p.home.lat, lon: p.home.lon };
  const takeoff = items.findIndex((it) => it.command === MAV_CMD.NAV_TAKEOFF);
  const loiter = items.findIndex((it) => LOITERS.has(it.command));
  const onStationSeq = kind === 'school' && loiter > 0 ? loiter : Math.max(1, takeoff + 1);
  let lastStation = -1;
  for (let i = 1; i < items.length; i++) {
    const it = items[i]!;
    if (RETURN_NAV.has(it.command)) break;
    if (STATION_NAV.has(it.command) && !nearHome(it, home)) lastStation = i;
  }
  const returnSeq = lastStation > 0 ? lastStation + 1 : items.length - 1;
  // Set-current is confirmed by MISSION_CURRENT, which a DO item (run at once) never shows: aim at NAV items.
  const nav = (from: number) => {
    for (let i = from; i < items.length; i++) if (STATION_NAV.has(items[i]!.command) || RETURN_NAV.has(items[i]!.command)) return i;
    return items.length - 1;
  };
  const holdSeq = kind === 'school' && loiter > 0 ? loiter : Math.min(returnSeq - 1, nav(Math.max(1, takeoff + 1)));
  return { onStationSeq, returnSeq, holdSeq, resumeSeq: nav(returnSeq), items: items.length - 1 };
}

export async function loadDay(dir: string, fleet: Fleet): Promise<Result<DayInput>> {
  const file = join(dir, 'schedule.json');
  let schedule: Schedule;
  try {
    schedule = JSON.parse(await readFile(file, 'utf8')) as Schedule;
  } catch (e) {
    return err('unreadable', `${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!Array.isArray(schedule.sorties)) return err('invalid', `${file}: sorties must be an array`);
  const sorties: DaySortie[] = [];
  const plans = new Map<string, DaySortie>();
  for (const [i, s] of schedule.sorties.entries()) {
    const where = `${file}: sorties[${i}] (${s.id})`;
    const drone = fleet.drones.find((d) => d.id === s.drone);
    if (!drone) return err('invalid', `${where}.drone: "${s.drone}" is not in the fleet file`);
    const [launchMs, onMs, offMs, landMs] = [s.launch, s.on_station, s.off_station, s.land].map(parseIso);
    if (launchMs === undefined || onMs === undefined || offMs === undefined || landMs === undefined) return err('invalid', `${where}: launch/on_station/off_station/land must be ISO 8601 times with an offset`);
    let text: string;
    try {
      text = await readFile(join(dir, s.plan), 'utf8');
    } catch (e) {
      return err('unreadable', `${join(dir, s.plan)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const plan = planFromText(s.plan, text);
    if (!plan.ok) return err('invalid', plan.reason);
    const marks = s.marks !== undefined ? plannedMarks(s.marks, plan.value) : ok(inferredMarks(plan.value, s.kind));
    if (!marks.ok) return err('invalid', `${where}.${marks.reason}`);
    const d: DaySortie = { s, drone, plan: plan.value, marks: marks.value, launchMs, onMs, offMs, landMs };
    sorties.push(d);
    plans.set(s.plan, d);
  }
  return ok({ dir, schedule, fleet, sorties, plans });
}
