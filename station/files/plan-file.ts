/**
 * A plan file as the three lists the vehicle stores: read (`.plan` or `.waypoints`), check strictly
 * (missions/formats/plan-check.ts: JSON path or line and what is wrong; nothing is uploaded from a file that
 * does not check), read with the planner's readers (qgc-plan.ts, wpl.ts), and turn into MISSION_ITEM_INT
 * items: the mission with home at seq 0, the fence as polygon-vertex and circle items (QGC's encoding), and
 * the rally points.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { err, type Result } from '../../common/result.js';
import { MAV_CMD, MAV_FRAME } from '../../common/mav-cmd.js';
import type { WireItem } from '../../mavlink/services/mission/types.js';
import type { Home, MissionItem } from '../../missions/formats/items.js';
import { checkPlan, checkWaypoints, parseJsonText, type PlanExtras } from '../../missions/formats/plan-check.js';
import { fromPlan } from '../../missions/formats/qgc-plan.js';
import { fromWaypoints } from '../../missions/formats/wpl.js';

export interface PlanLists {
  home: Home;
  mission: WireItem[];
  fence: WireItem[];
  rally: WireItem[];
}

/** A plan file's lists, or why it cannot be flown (in words naming the file and the field). */
export type PlanLoad = Result<PlanLists, 'invalid-input'>;

const GLOBAL = new Set([0, 3, 5, 6, 10, 11]);
const e7 = (deg: number) => Math.round(deg * 1e7);
const num = (v: number) => (Number.isNaN(v) ? 0 : v);

/** One planner item as MISSION_ITEM_INT (p5/p6 degrees → ·1e7 in global frames; NaN p1–p4 kept: "unset"). */
export function wireItem(it: MissionItem, seq: number): WireItem {
  const p = it.params;
  const global = GLOBAL.has(it.frame);
  return {
    seq,
    command: it.command,
    frame: it.frame,
    params: [p[0], p[1], p[2], p[3]],
    x: global ? e7(num(p[4])) : Math.round(num(p[4])),
    y: global ? e7(num(p[5])) : Math.round(num(p[5])),
    z: num(p[6]),
    autocontinue: it.autoContinue ? 1 : 0,
    current: 0,
  };
}

export function homeItem(home: Home): WireItem {
  return { seq: 0, command: MAV_CMD.NAV_WAYPOINT, frame: MAV_FRAME.GLOBAL, params: [0, 0, 0, 0], x: e7(home.lat), y: e7(home.lon), z: home.altM, autocontinue: 1, current: 0 };
}

export function fenceItems(x: Pick<PlanExtras, 'polygons' | 'circles'>): WireItem[] {
  const out: WireItem[] = [];
  const push = (command: number, p1: number, lat: number, lon: number) =>
    out.push({ seq: out.length, command, frame: MAV_FRAME.GLOBAL, params: [p1, 0, 0, 0], x: e7(lat), y: e7(lon), z: 0, autocontinue: 1, current: 0 });
  for (const pg of x.polygons) for (const [lat, lon] of pg.vertices) push(pg.inclusion ? MAV_CMD.NAV_FENCE_POLYGON_VERTEX_INCLUSION : MAV_CMD.NAV_FENCE_POLYGON_VERTEX_EXCLUSION, pg.vertices.length, lat, lon);
  for (const c of x.circles) push(c.inclusion ? MAV_CMD.NAV_FENCE_CIRCLE_INCLUSION : MAV_CMD.NAV_FENCE_CIRCLE_EXCLUSION, c.radiusM, c.lat, c.lon);
  return out;
}

export function rallyItems(points: PlanExtras['rally']): WireItem[] {
  return points.map((r, i) => ({ seq: i, command: MAV_CMD.NAV_RALLY_POINT, frame: MAV_FRAME.GLOBAL_RELATIVE_ALT, params: [0, 0, 0, 0], x: e7(r.lat), y: e7(r.lon), z: r.altM, autocontinue: 1, current: 0 }));
}

/** Check and convert a plan file's text. `name` is used in messages. */
export function planFromText(name: string, text: string): PlanLoad {
  const ext = extname(name).toLowerCase();
  if (ext === '.waypoints' || ext === '.txt' || /^\s*QGC WPL/.test(text)) {
    const c = checkWaypoints(name, text);
    if (!c.ok) return err('invalid-input', c.reason);
    const w = fromWaypoints(text);
    if (!w.ok) return err('invalid-input', `${name}: ${w.reason}`);
    const { home, items } = w.value;
    return { ok: true, value: { home, mission: [homeItem(home), ...items.map((it, i) => wireItem(it, i + 1))], fence: [], rally: [] } };
  }
  const j = parseJsonText(name, text);
  if (!j.ok) return err('invalid-input', j.reason);
  const c = checkPlan(name, j.value);
  if (!c.ok) return err('invalid-input', c.reason);
  const p = fromPlan(j.value);
  if (!p.ok) return err('invalid-input', `${name}: ${p.reason}`);
  const { home, items } = p.value;
  return {
    ok: true,
    value: { home, mission: [homeItem(home), ...items.map((it, i) => wireItem(it, i + 1))], fence: fenceItems(c.value), rally: rallyItems(c.value.rally) },
  };
}

export async function loadPlanFile(path: string): Promise<PlanLoad> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return err('invalid-input', `${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return planFromText(basename(path), text);
}
