/**
 * The simulated patrol day's speed: the sample station's day (planDay on resources/samples for 2026-11-24)
 * flown by the runner against the simulated fleet on the FakeClock (station/patrol/sim-day.ts), from the first
 * preparation to the last landing. Prints simulated seconds per wall second, peak RSS and heap, and what the
 * day came to (sorties flown, patrol and school coverage).
 *
 *   npx tsx bench/patrol-day.ts [hours=24] [stepMs=250]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planDay } from '../missions/plan/day.js';
import { sortiePlan } from '../missions/plan/exports.js';
import { localMidnightUtcMs } from '../missions/plan/timezone.js';
import { buildReport } from '../station/patrol/report.js';
import { SimDay } from '../station/patrol/sim-day.js';
import { loadStationFiles } from '../station/files/station-files.js';

const DATE = '2026-11-24';
const hours = Number(process.argv[2] ?? 24);
const stepMs = Number(process.argv[3] ?? 250);

const files = loadStationFiles();
if (!files.ok) throw new Error(files.reason);
const plan = planDay(files.value.geography, files.value.fleet, DATE);
const dir = mkdtempSync(join(tmpdir(), 'kongxun-bench-patrol-'));
mkdirSync(join(dir, 'sorties'));
writeFileSync(join(dir, 'schedule.json'), JSON.stringify(plan.schedule));
for (const ps of plan.sorties) writeFileSync(join(dir, ps.sortie.plan), JSON.stringify(sortiePlan(ps)));

const made = await SimDay.create({ planDir: dir, fleet: files.value.fleet, docks: files.value.geography.docks, stationGeoJson: files.value.geojson, stepMs });
if (!made.ok) throw new Error(made.reason);
const day = made.value;
const d0 = localMidnightUtcMs(DATE, plan.schedule.timezone);
const end = hours >= 24 ? Math.max(d0 + 86_400_000, ...day.day.sorties.map((s) => s.landMs)) + 5 * 60_000 : d0 + hours * 3600_000;
const simStart = day.clock.now();
let peakRss = 0;
let peakHeap = 0;
const t0 = performance.now();
for (let t = simStart; t < end; t += 600_000) {
  await day.runUntil(Math.min(end, t + 600_000));
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}
const wallS = (performance.now() - t0) / 1000;
const simS = (day.clock.now() - simStart) / 1000;
const r = buildReport(day.day, day.runner.list(), day.store.alerts(), day.runner.dispatches(), day.clock.now());
await day.close();
rmSync(dir, { recursive: true, force: true });
rmSync(day.dataDir, { recursive: true, force: true });
const maxRssMb = process.resourceUsage().maxRSS / 1024;
console.log(`| simulated | ${(simS / 3600).toFixed(2)} h (${day.fleet.members.length} drones, clock step ${stepMs} ms) |`);
console.log(`| wall | ${wallS.toFixed(1)} s |`);
console.log(`| speed-up | ${Math.round(simS / wallS)} simulated s per wall s |`);
console.log(`| peak RSS | ${Math.max(peakRss / 2 ** 20, maxRssMb).toFixed(0)} MB (heap used ${(peakHeap / 2 ** 20).toFixed(0)} MB) |`);
console.log(`| day | ${r.sorties_flown}/${r.sorties_planned} sorties flown, patrol ${r.patrol_minutes_covered}/${r.patrol_minutes_required} min, school windows ${r.school_windows_covered}/${r.school_windows_total} |`);
