/**
 * A hand-drawn route as a patrol line: a QGroundControl `.plan`, a `.waypoints` file or a KML LineString
 * becomes a `PatrolLine` (the flown positions in order; take-off, land and return items contribute nothing
 * but their position if any). The format is told from the content, not the name.
 */
import { err } from '../../common/result.js';
import type { LonLat, PatrolLine } from '../jurisdiction.js';
import { MAV_CMD } from '../../common/mav-cmd.js';
import type { MissionItem } from './items.js';
import { fromKml } from './kml.js';
import { fromPlan, type ReadResult } from './qgc-plan.js';
import { fromWaypoints } from './wpl.js';

const FLOWN = new Set<number>([MAV_CMD.NAV_WAYPOINT, MAV_CMD.NAV_LOITER_TIME, MAV_CMD.NAV_LOITER_TURNS, MAV_CMD.NAV_LOITER_UNLIM]);

function itemsPath(items: MissionItem[]): { path: LonLat[]; altM: number } {
  const pts = items.filter((it) => FLOWN.has(it.command) && (it.params[4] !== 0 || it.params[5] !== 0));
  const alts = pts.map((it) => it.params[6]).filter((a) => a > 0);
  return { path: pts.map((it) => [it.params[5], it.params[4]]), altM: alts.length ? Math.max(...alts) : 60 };
}

export function importRoute(text: string, file: string, id: string, priority: 1 | 2 | 3 = 2): ReadResult<PatrolLine> {
  const trimmed = text.trimStart();
  let path: LonLat[];
  let altM = 60;
  let name = id;
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return err('invalid-input', `${file}: not valid JSON (${(e as Error).message})`);
    }
    const r = fromPlan(json);
    if (!r.ok) return err('invalid-input', `${file}: ${r.reason}`);
    ({ path, altM } = itemsPath(r.value.items));
  } else if (trimmed.startsWith('QGC WPL')) {
    const r = fromWaypoints(text);
    if (!r.ok) return err('invalid-input', `${file}: ${r.reason}`);
    ({ path, altM } = itemsPath(r.value.items));
  } else if (/<kml[\s>]/i.test(trimmed)) {
    const r = fromKml(text);
    if (!r.ok) return err('invalid-input', `${file}: ${r.reason}`);
    const first = r.value[0]!;
    name = first.name;
    path = first.coords.map((c) => [c.lon, c.lat]);
    const alts = first.coords.map((c) => c.altM).filter((a) => a > 0);
    if (alts.length) altM = Math.max(...alts);
  } else return err('invalid-input', `${file}: not a .plan (JSON), .waypoints (QGC WPL 110) or KML file`);
  if (path.length < 2) return err('invalid-input', `${file}: a route needs at least 2 positions, found ${path.length}`);
  return { ok: true, value: { id, name, path, altitudeM: altM, priority } };
}
