/**
 * The sample station's day for the patrol tests: planDay on resources/samples for 2026-11-24, written as
 * `kongxun plan` writes it (schedule.json + sorties/*.plan) into a temp folder, and the simulated day on it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planDay } from '../../missions/plan/day.js';
import { sortiePlan } from '../../missions/plan/exports.js';
import { loadStationFiles } from '../../station/files/station-files.js';
import { SimDay, type SimDayOptions } from '../../station/patrol/sim-day.js';

export const DATE = '2026-11-24';

export function writeSampleDay(): { dir: string; files: ReturnType<typeof sampleFiles> } {
  const files = sampleFiles();
  const plan = planDay(files.geography, files.fleet, DATE);
  const dir = mkdtempSync(join(tmpdir(), 'kongxun-patrol-plan-'));
  mkdirSync(join(dir, 'sorties'), { recursive: true });
  writeFileSync(join(dir, 'schedule.json'), JSON.stringify(plan.schedule, null, 2));
  for (const ps of plan.sorties) writeFileSync(join(dir, ps.sortie.plan), JSON.stringify(sortiePlan(ps)));
  return { dir, files };
}

function sampleFiles() {
  const f = loadStationFiles();
  if (!f.ok) throw new Error(f.reason);
  return f.value;
}

export async function sampleSimDay(o: Partial<SimDayOptions> = {}): Promise<{ day: SimDay; dir: string }> {
  const { dir, files } = writeSampleDay();
  const r = await SimDay.create({ planDir: dir, fleet: files.fleet, docks: files.geography.docks, stationGeoJson: files.geojson, ...o });
  if (!r.ok) throw new Error(r.reason);
  return { day: r.value, dir };
}
