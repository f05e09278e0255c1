/**
 * `kongxun serve --plan DIR`: the day plan the console shows (Timeline, routes on the map). Reads
 * DIR/schedule.json (../shared/formats/schedule.md) and, when present, DIR/routes.geojson (one LineString per
 * sortie whose properties carry the sortie id). Errors name the file and what is wrong.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '../../common/result.js';
import type { PlanMessage, ScheduleView } from '../../common/api/contract.js';

function isSchedule(x: unknown): x is ScheduleView {
  const s = x as ScheduleView;
  return !!s && typeof s.station === 'string' && typeof s.date === 'string' && Array.isArray(s.sorties) && Array.isArray(s.gaps ?? []);
}

export function loadPlanDir(dir: string): Result<PlanMessage> {
  const file = join(dir, 'schedule.json');
  let schedule: unknown;
  try {
    schedule = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return err('plan-unreadable', `--plan: cannot read ${file} (${(e as Error).message})`);
  }
  if (!isSchedule(schedule)) return err('plan-invalid', `--plan: ${file} is not a day plan (needs station, date, sorties)`);
  for (const [i, s] of schedule.sorties.entries()) {
    for (const k of ['id', 'drone', 'launch', 'on_station', 'off_station', 'land'] as const)
      if (typeof s[k] !== 'string' || (k !== 'id' && k !== 'drone' && Number.isNaN(Date.parse(s[k]))))
        return err('plan-invalid', `--plan: ${file}: sorties[${i}].${k} is missing or not a time`);
  }
  schedule.gaps ??= [];
  const routes: PlanMessage['routes'] = [];
  const routesFile = join(dir, 'routes.geojson');
  if (existsSync(routesFile)) {
    try {
      const fc = JSON.parse(readFileSync(routesFile, 'utf8')) as { features?: { properties?: { id?: unknown }; geometry?: { type?: string; coordinates?: number[][] } }[] };
      for (const f of fc.features ?? []) {
        if (f.geometry?.type !== 'LineString' || typeof f.properties?.id !== 'string') continue;
        routes.push({ id: f.properties.id, coords: (f.geometry.coordinates ?? []).map((c) => [c[0]!, c[1]!] as [number, number]) });
      }
    } catch (e) {
      return err('plan-invalid', `--plan: cannot read ${routesFile} (${(e as Error).message})`);
    }
  }
  return ok({ type: 'plan', schedule, routes });
}
