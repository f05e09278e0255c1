/**
 * Reads a station's geography and fleet from disk and validates them against the contracts (missions/).
 * Errors name the file, the feature or field, and what is wrong. Defaults to the sample station shipped in
 * resources/samples/.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { err, ok, type Result } from '../../common/result.js';
import { parseFleet, type Fleet } from '../../missions/fleet.js';
import { parseJurisdiction, type Jurisdiction } from '../../missions/jurisdiction.js';

export interface StationFiles {
  geography: Jurisdiction;
  /** The GeoJSON as read, for the UI's map. */
  geojson: unknown;
  fleet: Fleet;
  warnings: string[];
}

/**
 * resources/samples/, found from this file (station/files/ in a clone under tsx, or the bundle's folder of the
 * desktop app): the nearest folder above it that holds resources/samples.
 */
export function samplesDir(): string {
  const env = process.env.KONGXUN_SAMPLES;
  if (env !== undefined) return env;
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  return process.env.KONGXUN_SAMPLES ?? join(here, '..', '..', 'resources', 'samples');
}

function readJson(file: string): Result<unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return err('unreadable', `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (e) {
    return err('bad-json', `${file}: not valid JSON (${(e as Error).message})`);
  }
}

export function loadStationFiles(stationFile?: string, fleetFile?: string): Result<StationFiles> {
  const sFile = stationFile ?? join(samplesDir(), 'jinhai.geojson');
  const fFile = fleetFile ?? join(samplesDir(), 'fleet.json');
  const gj = readJson(sFile);
  if (!gj.ok) return gj;
  const fj = readJson(fFile);
  if (!fj.ok) return fj;
  const g = parseJurisdiction(gj.value, sFile);
  if (!g.ok) return err('invalid', g.reason);
  const f = parseFleet(fj.value, fFile);
  if (!f.ok) return err('invalid', f.reason);
  const docks = new Set(g.value.docks.map((d) => d.id));
  const problems = f.value.drones
    .map((d, i) => (docks.has(d.dock) ? '' : `  drones[${i}] (id ${d.id}).dock: "${d.dock}" is not a dock of ${sFile} (docks: ${[...docks].join(', ') || 'none'})`))
    .filter(Boolean);
  if (problems.length) return err('invalid', `${fFile}: ${problems.length} problem${problems.length > 1 ? 's' : ''}\n${problems.join('\n')}`);
  return ok({
    geography: g.value,
    geojson: gj.value,
    fleet: f.value,
    warnings: g.warnings.map((w) => `${w.where}: ${w.problem}`),
  });
}
