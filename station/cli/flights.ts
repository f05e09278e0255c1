/**
 * `kongxun flights [--data DIR] [--json] [--fleet F.json]`: the flights recorded in DIR/tlogs (armed → disarmed,
 * station/replay/flights.ts), newest first, as a table or as the JSON array GET /api/flights serves. Drones are
 * named by the fleet file (the sample fleet by default, as `kongxun serve`); times are the station's (the fleet
 * file's time zone, said once at the end). A tlog that cannot be read is named on stderr and left out; the exit
 * code is 0 whenever the folder could be listed, 2 when the data folder does not exist.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isoLocal } from '../../missions/plan/timezone.js';
import { join, resolve } from 'node:path';
import { parseFleet } from '../../missions/fleet.js';
import type { FlightSummary } from '../../common/api/contract.js';
import { defaultDataDir } from '../storage/data-dir.js';
import { FlightCatalog } from '../replay/flights.js';
import { samplesDir } from '../files/station-files.js';
import { flag, helpText, parseArgs, type FlagSpec } from './args.js';
import type { CliIo } from './io.js';

const SPEC: Record<string, FlagSpec> = {
  data: { type: 'string', describe: "the station's data folder (tlogs in DIR/tlogs, video in DIR/video)" },
  json: { type: 'boolean', describe: 'print the flights as JSON (the FlightSummary[] of GET /api/flights)' },
  fleet: { type: 'string', describe: 'fleet JSON naming the drones by sysid (default: the sample fleet)' },
  help: { type: 'boolean', describe: 'show this help' },
};

/** "2026-11-24 07:25:00" in the station's zone (the zone is printed once, not on every line). */
const local = (ms: number, tz: string) => isoLocal(ms, tz).slice(0, 19).replace('T', ' ');
function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function flightLine(f: FlightSummary, tz: string): string {
  return [
    f.id.padEnd(48),
    (f.drone ?? `sys${f.sysid}`).padEnd(8),
    local(f.startMs, tz),
    duration(f.endMs - f.startMs).padStart(7),
    `max ${f.maxAltRelM === null ? '-' : f.maxAltRelM.toFixed(1)} m`.padEnd(12),
    `${f.distanceM.toFixed(0)} m`.padStart(8),
    `bat ${f.minBatteryPct ?? '-'}%`.padEnd(9),
    `video ${f.video.length}`,
    f.truncated ? ' (log ends in the air)' : '',
  ].join('  ');
}

export async function flightsMain(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, SPEC, 'flights');
  if (!a.ok) return io.fail(a.reason, 2);
  if (flag(a.value, 'help')) return io.print(helpText('flights', '[--data DIR] [--json] [--fleet F.json]', SPEC), 0);
  if (a.value.positionals.length > 0) return io.fail(`kongxun flights: unexpected "${a.value.positionals.join(' ')}"`, 2);
  const fleetFile = flag(a.value, 'fleet') ?? join(samplesDir(), 'fleet.json');
  let names = new Map<number, string>();
  let tz = 'Asia/Shanghai';
  try {
    const fleet = parseFleet(JSON.parse(readFileSync(fleetFile, 'utf8')) as unknown, fleetFile);
    if (!fleet.ok) return io.fail(`kongxun flights: ${fleet.reason}`, 2);
    names = new Map(fleet.value.drones.map((d) => [d.sysid, d.id] as const));
    tz = fleet.value.timezone;
  } catch (e) {
    return io.fail(`kongxun flights: cannot read the fleet file ${fleetFile}: ${(e as Error).message}`, 2);
  }
  const dataDir = resolve(flag(a.value, 'data') ?? defaultDataDir());
  // A mistyped folder is not "no flights": say so and fail.
  if (!existsSync(dataDir)) return io.fail(`kongxun flights: no data folder ${dataDir} (give the station's --data DIR)`, 2);
  if (!statSync(dataDir).isDirectory()) return io.fail(`kongxun flights: ${dataDir} is not a folder`, 2);
  const catalog = new FlightCatalog({ dataDir, droneName: (s) => names.get(s) ?? null, log: (l) => io.err(l) });
  const flights = await catalog.list();
  if (flag(a.value, 'json')) {
    io.out(JSON.stringify(flights, null, 1));
    return 0;
  }
  if (flights.length === 0) {
    io.out(`no flights in ${join(dataDir, 'tlogs')}`);
    return 0;
  }
  for (const f of flights) io.out(flightLine(f, tz));
  io.out(`${flights.length} flight${flights.length === 1 ? '' : 's'} in ${join(dataDir, 'tlogs')} (times in ${tz}, UTC${isoLocal(flights[0]!.startMs, tz).slice(19)})`);
  return 0;
}
