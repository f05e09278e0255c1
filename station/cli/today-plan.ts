/**
 * `kongxun serve` without `--plan`: plan today's day for the station (in its own time zone) into
 * DATA/plans/<date>/, or reuse that plan if it is already there, so the console's day timeline, wall screen and
 * planner show the station's day from the first start. Planning the sample day takes well under a second.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '../../common/result.js';
import { loadStationFiles } from '../files/station-files.js';
import type { CliIo } from './io.js';
import { planMain } from './plan.js';

/**
 * Which day the consoles of `kongxun serve` show: `--plan DIR` as given; else the day the patrol runner runs
 * (`--patrol DIR`: its records are of that day, and beside another day's plan the timeline would match them to
 * that day's sorties); else, unless `--no-plan` or real links (`--connect`), the station's own day, planned
 * now and again each midnight, station time, while it serves (station/app/day-plan.ts).
 */
export function dayShown(f: { plan?: string | undefined; patrol?: string | undefined; noPlan: boolean; connect: boolean }): { kind: 'dir'; dir: string } | { kind: 'own' } | { kind: 'none' } {
  if (f.plan !== undefined) return { kind: 'dir', dir: f.plan };
  if (f.noPlan) return { kind: 'none' };
  if (f.patrol) return { kind: 'dir', dir: f.patrol };
  return f.connect ? { kind: 'none' } : { kind: 'own' };
}

/** YYYY-MM-DD of `atMs` in the IANA time zone `tz`. */
export function localDate(atMs: number, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(atMs));
}

export async function planToday(o: { stationFile?: string | undefined; fleetFile?: string | undefined; dataDir: string; io: CliIo; nowMs?: number }): Promise<string | undefined> {
  const files = loadStationFiles(o.stationFile, o.fleetFile);
  if (!files.ok) return undefined; // the service itself reports the bad file
  const planned = await planDate({ ...o, date: localDate(o.nowMs ?? Date.now(), files.value.fleet.timezone) });
  if (!planned.ok) o.io.err(`kongxun serve: ${planned.reason}`);
  return planned.ok ? planned.value : undefined;
}

/**
 * Plan the station's day `date` into DATA/plans/<date>/ (or find it planned there): its folder, or the cause.
 * The patrol's next day (`serve --patrol`, station/patrol/next-day.ts) is planned here too: a folder of its
 * own beside the others, never the folder of a day already flown.
 */
export async function planDate(o: { date: string; stationFile?: string | undefined; fleetFile?: string | undefined; dataDir: string; io: CliIo }): Promise<Result<string>> {
  const dir = join(o.dataDir, 'plans', o.date);
  if (existsSync(join(dir, 'schedule.json'))) return ok(dir);
  const args = ['--date', o.date, '--out', dir];
  if (o.stationFile) args.push('--station', o.stationFile);
  if (o.fleetFile) args.push('--fleet', o.fleetFile);
  const lines: string[] = [];
  const code = await planMain(args, (l) => lines.push(l), (l) => lines.push(l));
  if (code === 2) return err('plan-failed', `could not plan ${o.date}: ${lines.join(' ')}`);
  o.io.out(`kongxun: planned ${o.date} into ${dir}${code === 3 ? ' (with gaps: see the day timeline)' : ''}`);
  return ok(dir);
}
