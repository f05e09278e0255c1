/**
 * `kongxun plan --station S.geojson --fleet F.json --date YYYY-MM-DD --out DIR [--incidents FILE]`
 *
 * Plans the station's day (missions/plan/day.ts) and writes DIR/schedule.json (../shared/formats/schedule.md),
 * DIR/sorties/<id>.plan (QGroundControl) and <id>.waypoints, DIR/routes.geojson and DIR/routes.kml, then
 * prints a summary. Exit 0: complete; 3: written with gaps; 2: input refused (the message names the file,
 * the feature and the field). --station/--fleet default to the sample station; --date to tomorrow (station
 * time); --out to ./plan-<date>. --incidents (CSV lat,lon,time,type or GeoJSON points) adds hotspots by DBSCAN.
 * --tracks (GeoJSON LineStrings with times, e.g. yesterday's routes.geojson) computes coverage freshness, writes
 * DIR/freshness.geojson and makes the day's routes favour stale places (--orange-hours, --red-hours).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planDay } from '../../missions/plan/day.js';
import { clusterHotspots, parseIncidentsCsv, parseIncidentsGeoJSON } from '../../missions/plan/incidents.js';
import { addTracks, emptyGrid, type FreshnessGrid, freshnessGeoJSON, staleness, summary, tracksFromGeoJSON } from '../../missions/plan/freshness.js';
import { isoLocal, localMidnightUtcMs, parseIso, validDate, validTimeZone } from '../../missions/plan/timezone.js';
import { verifyDay } from '../../missions/plan/verify.js';
import { loadStationFiles } from '../files/station-files.js';
import { writeDayPlan } from '../app/own-day.js';
import { helpText, parseArgs } from './args.js';

const SPEC = {
  station: { type: 'string', describe: 'jurisdiction GeoJSON (default: the sample station)' },
  fleet: { type: 'string', describe: 'fleet JSON (default: the sample fleet)' },
  date: { type: 'string', describe: 'YYYY-MM-DD, station time (default: tomorrow)' },
  out: { type: 'string', describe: 'output directory (default: ./plan-<date>)' },
  incidents: { type: 'string', describe: 'incidents CSV (lat,lon,time,type) or GeoJSON points, clustered into hotspots' },
  tracks: { type: 'string', describe: 'flown (or planned) tracks as GeoJSON LineStrings, e.g. yesterday\'s routes.geojson: favour what is stale' },
  'orange-hours': { type: 'string', describe: 'hours unseen before a place turns orange (default 24)' },
  'red-hours': { type: 'string', describe: 'hours unseen before a place turns red (default 72)' },
  help: { type: 'boolean', describe: 'show this help' },
} as const;

export async function planMain(argv: string[], log: (s: string) => void = console.log, logErr: (s: string) => void = console.error): Promise<number> {
  const args = parseArgs(argv, SPEC, 'plan');
  if (!args.ok) {
    logErr(args.reason);
    return 2;
  }
  const flag = (k: string) => args.value.flags.get(k)?.[0];
  if (flag('help')) {
    log(helpText('plan', '--station S.geojson --fleet F.json --date YYYY-MM-DD --out DIR [--incidents FILE]', SPEC));
    return 0;
  }
  const files = loadStationFiles(flag('station'), flag('fleet'));
  if (!files.ok) {
    logErr(files.reason);
    return 2;
  }
  const { geography, fleet } = files.value;
  const tz = geography.boundary.timezone;
  if (!validTimeZone(tz)) {
    logErr(`${flag('station') ?? 'station'}: boundary properties.timezone: unknown time zone "${tz}"`);
    return 2;
  }
  let date = flag('date');
  if (date === undefined) date = isoLocal(Date.now() + 86_400_000, tz).slice(0, 10);
  if (!validDate(date)) {
    logErr(`kongxun plan: --date must be a calendar date YYYY-MM-DD, found "${date}"`);
    return 2;
  }
  const incFile = flag('incidents');
  if (incFile) {
    let text: string;
    try {
      text = readFileSync(incFile, 'utf8');
    } catch (e) {
      logErr(`${incFile}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      return 2;
    }
    let parsed;
    if (text.trimStart().startsWith('{')) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        logErr(`${incFile}: not valid JSON (${(e as Error).message})`);
        return 2;
      }
      parsed = parseIncidentsGeoJSON(json, incFile);
    } else parsed = parseIncidentsCsv(text, incFile);
    if (!parsed.ok) {
      logErr(parsed.reason);
      return 2;
    }
    const hs = clusterHotspots(parsed.value, { idPrefix: 'inc' });
    geography.hotspots.push(...hs);
    log(`incidents: ${parsed.value.length} from ${incFile} → ${hs.length} hotspot(s)`);
  }
  const out = flag('out') ?? `plan-${date}`;
  let fresh: FreshnessGrid | undefined;
  const trFile = flag('tracks');
  if (trFile) {
    const hours = (k: string, dflt: number) => {
      const v = flag(k);
      return v === undefined ? dflt : Number(v);
    };
    const orangeAfterH = hours('orange-hours', 24);
    const redAfterH = hours('red-hours', 72);
    if (!(orangeAfterH > 0 && redAfterH > orangeAfterH)) {
      logErr(`kongxun plan: --orange-hours and --red-hours must be positive with red > orange (found ${orangeAfterH}, ${redAfterH})`);
      return 2;
    }
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(trFile, 'utf8'));
    } catch (e) {
      logErr(`${trFile}: cannot read tracks (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      return 2;
    }
    const tracks = tracksFromGeoJSON(json, 80, parseIso);
    if (!tracks.length) {
      logErr(`${trFile}: no LineString feature with times (properties.times, or on_station and off_station)`);
      return 2;
    }
    fresh = addTracks(emptyGrid(geography.boundary.ring, { orangeAfterH, redAfterH }), tracks);
  }
  const dayStart = localMidnightUtcMs(date, tz);
  const t0 = performance.now();
  const plan = planDay(geography, fleet, date, fresh ? { staleness: staleness(fresh, dayStart) } : {});
  const ms = performance.now() - t0;
  const s = plan.schedule;
  const written = writeDayPlan(out, plan, fresh ? [{ name: 'freshness.geojson', text: JSON.stringify(freshnessGeoJSON(fresh, dayStart)) + '\n' }] : []);
  if (!written.ok) {
    logErr(written.reason);
    return 2;
  }
  const patrol = s.sorties.filter((x) => x.kind === 'patrol').length;
  log(`${s.station} ${s.date} (${s.timezone}): ${patrol} patrol + ${s.sorties.length - patrol} school sorties, ` +
    `${s.drones_used}/${s.fleet_size} drones used, fleet lower bound ${s.fleet_lower_bound}, planned in ${ms.toFixed(0)} ms`);
  if (fresh) {
    const f = summary(fresh, dayStart);
    log(`coverage freshness at the start of the day (${trFile}): ${f.fresh} fresh, ${f.orange} orange, ${f.red} red, ${f.never} never seen (cells of ${fresh.opts.cellM} m); stale places favoured`);
  }
  for (const wmsg of files.value.warnings.concat(plan.warnings)) log(`warning: ${wmsg}`);
  const violations = verifyDay(plan, fleet);
  for (const v of violations) log(`CHECK FAILED: ${v}`);
  if (!violations.length) log('checked: coverage, handovers, recharges, bays, reserve, altitude, docks, no-fly margins');
  if (s.gaps.length) {
    log(`NOT COVERED (${s.gaps.length} gap${s.gaps.length > 1 ? 's' : ''}):`);
    for (const g of s.gaps) log(`  ${g.kind} ${g.target} ${g.from} → ${g.to}: ${g.reason}`);
    log(s.fleet_needed !== null ? `a fleet of ${s.fleet_needed} drones would cover the day` : `fleet lower bound ${s.fleet_lower_bound}; add drones (and dock bays) to cover the gaps`);
  } else log('complete: every minute of patrol and every school window covered');
  log(`written: ${join(out, 'schedule.json')}, ${plan.sorties.length} .plan files in ${join(out, 'sorties')}, ${join(out, 'routes.geojson')}`);
  return s.gaps.length ? 3 : 0;
}
