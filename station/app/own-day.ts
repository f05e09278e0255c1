/**
 * Which day plan the consoles show, and the station's own day planned (one way, used by `kongxun serve` and by
 * the desktop app's main process, so the dispatch desk and a browser console on the same station show the same
 * day). With a plan folder given it is that day for good; else the day the patrol runner runs; else, unless
 * told not to or flying real links only, the station's own day: planned now into DATA/plans/<date>/ (or reused
 * when already there) and again each midnight, station time, while it serves (station/app/day-plan.ts).
 * Planning the sample day takes well under a second.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planDay, type DayPlan as PlannedDay } from '../../missions/plan/day.js';
import { routesGeoJSON, routesKml, sortiePlan, sortieWaypoints } from '../../missions/plan/exports.js';
import { err, ok, type Result } from '../../common/result.js';
import { loadStationFiles, type StationFiles } from '../files/station-files.js';
import { makeDirs } from '../storage/data-dir.js';

export type DayShown = { kind: 'dir'; dir: string } | { kind: 'own' } | { kind: 'none' };

/**
 * `plan` as given; else the day the patrol runner runs (`patrol`: its records are of that day, and beside
 * another day's plan the timeline would match them to that day's sorties); else, unless `noPlan` or real links
 * (`connect`), the station's own day.
 */
export function dayShown(f: { plan?: string | undefined; patrol?: string | undefined; noPlan?: boolean; connect?: boolean }): DayShown {
  if (f.plan !== undefined) return { kind: 'dir', dir: f.plan };
  if (f.noPlan) return { kind: 'none' };
  if (f.patrol) return { kind: 'dir', dir: f.patrol };
  return f.connect ? { kind: 'none' } : { kind: 'own' };
}

/** YYYY-MM-DD of `atMs` in the IANA time zone `tz`. */
export function localDate(atMs: number, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(atMs));
}

/** Writes a planned day into `out`: schedule.json, sorties/<id>.plan and .waypoints, routes.geojson, routes.kml. */
export function writeDayPlan(out: string, plan: PlannedDay, extra: { name: string; text: string }[] = []): Result<void> {
  // Not mkdirSync's recursive mode: it never returns for a folder under /proc (station/storage/data-dir.ts).
  const made = makeDirs(join(out, 'sorties'));
  if (!made.ok) return err('write', `${out}: cannot write (${made.reason})`);
  try {
    writeFileSync(join(out, 'schedule.json'), JSON.stringify(plan.schedule, null, 2) + '\n');
    for (const ps of plan.sorties) {
      writeFileSync(join(out, ps.sortie.plan), JSON.stringify(sortiePlan(ps), null, 2) + '\n');
      writeFileSync(join(out, ps.sortie.plan.replace(/\.plan$/, '.waypoints')), sortieWaypoints(ps));
    }
    writeFileSync(join(out, 'routes.geojson'), JSON.stringify(routesGeoJSON(plan)) + '\n');
    writeFileSync(join(out, 'routes.kml'), routesKml(plan));
    for (const x of extra) writeFileSync(join(out, x.name), x.text);
  } catch (e) {
    return err('write', `${out}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return ok(undefined);
}

export interface OwnDayOptions {
  stationFile?: string | undefined;
  fleetFile?: string | undefined;
  dataDir: string;
  log: (line: string) => void;
}

/** Plans the station's day of `nowMs` (its own time zone) into DATA/plans/<date>/, or reuses it; its folder. */
export async function planToday(o: OwnDayOptions & { nowMs: number }): Promise<string | undefined> {
  const files = loadStationFiles(o.stationFile, o.fleetFile);
  if (!files.ok) return undefined; // the service itself reports the bad file
  const planned = planDateWith(files.value, localDate(o.nowMs, files.value.fleet.timezone), o);
  if (!planned.ok) o.log(`kongxun: ${planned.reason}`);
  return planned.ok ? planned.value : undefined;
}

/**
 * Plans the station's day `date` into DATA/plans/<date>/ (or finds it planned there): its folder, or the cause.
 * The patrol's next day (`serve --patrol`, station/patrol/next-day.ts) is planned here too: a folder of its own
 * beside the others, never the folder of a day already flown.
 */
export async function planDate(o: OwnDayOptions & { date: string }): Promise<Result<string>> {
  const files = loadStationFiles(o.stationFile, o.fleetFile);
  if (!files.ok) return err('plan-failed', `could not plan ${o.date}: ${files.reason}`);
  return planDateWith(files.value, o.date, o);
}

/** planDate on station files already read (planToday has read them for the time zone). */
function planDateWith(files: StationFiles, date: string, o: OwnDayOptions): Result<string> {
  const dir = join(o.dataDir, 'plans', date);
  if (existsSync(join(dir, 'schedule.json'))) return ok(dir);
  let plan: PlannedDay;
  try {
    plan = planDay(files.geography, files.fleet, date);
  } catch (e) {
    return err('plan-failed', `could not plan ${date}: ${String(e)}`);
  }
  const written = writeDayPlan(dir, plan);
  if (!written.ok) return err('plan-failed', `could not plan ${date}: ${written.reason}`);
  o.log(`kongxun: planned ${date} into ${dir}${plan.schedule.gaps.length ? ' (with gaps: see the day timeline)' : ''}`);
  return ok(dir);
}

/**
 * The service's day options (`planDir`, `followDay`) for the day shown: a folder as given, or the station's own
 * day planned now (`nowMs`) and followed past each midnight. Both `kongxun serve` and the desktop app use this.
 */
export async function dayPlanOptions(shown: DayShown, o: OwnDayOptions & { nowMs: number }): Promise<{ planDir?: string; followDay?: (nowMs: number) => Promise<string | undefined> }> {
  if (shown.kind === 'dir') return { planDir: shown.dir };
  if (shown.kind === 'none') return {};
  const followDay = (nowMs: number) => planToday({ ...o, nowMs });
  const dir = await followDay(o.nowMs);
  return { ...(dir !== undefined ? { planDir: dir } : {}), followDay };
}
