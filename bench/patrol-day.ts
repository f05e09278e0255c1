/**
 * The simulated patrol day's speed: the sample station's day (planDay on resources/samples for 2026-11-24)
 * flown by the runner against the simulated fleet on the FakeClock (station/patrol/sim-day.ts), from the first
 * preparation to the last landing. Prints simulated seconds per wall second, CPU, peak RSS and heap, what the
 * day came to (sorties flown, patrol and school coverage) and a digest of everything the day recorded.
 *
 *   npx tsx bench/patrol-day.ts [hours=24] [stepMs=250]
 *   npx tsx bench/patrol-day.ts [hours] [stepMs] --against REV [--rounds 2]
 *
 * With `--against REV` (a commit, e.g. `main` or `HEAD~3`) the same day is flown by that commit's code (exported
 * with `git archive` into a temporary folder, sharing this tree's node_modules) and by this tree, each in its own
 * process, alternately for `rounds` rounds: the speed ratio this tree ÷ REV is from the same run on the same
 * machine, and the day's digests must be equal (the change did not change the day).
 */
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, realpathSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DATE = '2026-11-24';
const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const WITH_VALUE = ['--against', '--rounds', '--child'];
const positional = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && WITH_VALUE.includes(argv[i - 1]!)));
const hours = Number(positional[0] ?? 24);
const stepMs = Number(positional[1] ?? 250);

interface DayResult {
  simS: number;
  wallS: number;
  cpuS: number;
  drones: number;
  peakRssMb: number;
  peakHeapMb: number;
  summary: string;
  digest: string;
}

/** Fly the day with the code of the tree at `root` (this tree, or a commit exported for comparison). */
async function flyDay(root: string): Promise<DayResult> {
  const mod = <T>(p: string): Promise<T> => import(pathToFileURL(join(root, p)).href) as Promise<T>;
  const { planDay } = await mod<typeof import('../missions/plan/day.js')>('missions/plan/day.ts');
  const { sortiePlan } = await mod<typeof import('../missions/plan/exports.js')>('missions/plan/exports.ts');
  const { localMidnightUtcMs } = await mod<typeof import('../missions/plan/timezone.js')>('missions/plan/timezone.ts');
  const { buildReport } = await mod<typeof import('../station/patrol/report.js')>('station/patrol/report.ts');
  const { SimDay } = await mod<typeof import('../station/patrol/sim-day.js')>('station/patrol/sim-day.ts');
  const { loadStationFiles } = await mod<typeof import('../station/files/station-files.js')>('station/files/station-files.ts');

  const files = loadStationFiles(join(root, 'resources/samples/jinhai.geojson'), join(root, 'resources/samples/fleet.json'));
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
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let t = simStart; t < end; t += 600_000) {
    await day.runUntil(Math.min(end, t + 600_000));
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const simS = (day.clock.now() - simStart) / 1000;
  const r = buildReport(day.day, day.runner.list(), day.store.alerts(), day.runner.dispatches(), day.clock.now());
  // Everything the day left behind, on the virtual clock: the report, each sortie as the runner ends it, the
  // patrol's events and alerts, dispatches, and what the observer saw the drones do (flights, landings, battery).
  const outcome = JSON.stringify({ report: r, sorties: day.runner.list(), events: day.store.events(), alerts: day.store.alerts(), dispatches: day.runner.dispatches(), observed: [...day.observed.values()] });
  await day.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(day.dataDir, { recursive: true, force: true });
  return {
    simS, wallS, cpuS: (cpu.user + cpu.system) / 1e6, drones: day.fleet.members.length,
    peakRssMb: Math.max(peakRss / 2 ** 20, process.resourceUsage().maxRSS / 1024), peakHeapMb: peakHeap / 2 ** 20,
    summary: `${r.sorties_flown}/${r.sorties_planned} sorties flown, patrol ${r.patrol_minutes_covered}/${r.patrol_minutes_required} min, school windows ${r.school_windows_covered}/${r.school_windows_total}`,
    digest: createHash('sha256').update(outcome).digest('hex').slice(0, 16) + ` (${outcome.length} B)`,
  };
}

function child(root: string): Promise<DayResult> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), String(hours), String(stepMs), '--child', root], { stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) fail(new Error(`patrol-day child in ${root} exited ${code}`));
      else done(JSON.parse(line.slice(7)) as DayResult);
    });
  });
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const childRoot = flag('--child');
const against = flag('--against');

if (childRoot !== undefined) {
  console.log(`RESULT ${JSON.stringify(await flyDay(childRoot))}`);
} else if (against === undefined) {
  const r = await flyDay(resolve(here, '..'));
  console.log(`| simulated | ${(r.simS / 3600).toFixed(2)} h (${r.drones} drones, clock step ${stepMs} ms) |`);
  console.log(`| wall | ${r.wallS.toFixed(1)} s (CPU ${r.cpuS.toFixed(1)} s) |`);
  console.log(`| speed-up | ${Math.round(r.simS / r.wallS)} simulated s per wall s (${Math.round(r.simS / r.cpuS)} per CPU s) |`);
  console.log(`| peak RSS | ${r.peakRssMb.toFixed(0)} MB (heap used ${r.peakHeapMb.toFixed(0)} MB) |`);
  console.log(`| day | ${r.summary} |`);
  console.log(`| digest | ${r.digest} |`);
} else {
  const rounds = Number(flag('--rounds') ?? 2);
  const repo = resolve(here, '..');
  const baseDir = mkdtempSync(join(tmpdir(), 'kongxun-bench-base-'));
  try {
    execFileSync('sh', ['-c', `git -C "${repo}" archive "${against}" | tar -x -C "${baseDir}"`]);
    symlinkSync(realpathSync(join(repo, 'node_modules')), join(baseDir, 'node_modules'));
    const rev = execFileSync('git', ['-C', repo, 'rev-parse', '--short', against]).toString().trim();
    console.log(`patrol day ${hours >= 24 ? 'whole' : `${hours} h`}, step ${stepMs} ms: ${against} (${rev}) against this tree, ${rounds} round(s) each, alternating; load average ${load()}`);
    const runs: { who: 'base' | 'ours'; r: DayResult }[] = [];
    for (let i = 0; i < rounds; i++) {
      for (const [who, root] of [['base', baseDir], ['ours', repo]] as const) {
        const r = await child(root);
        runs.push({ who, r });
        console.log(`  ${who}  ${(r.simS / r.wallS).toFixed(0).padStart(5)}× real time  wall ${r.wallS.toFixed(1)} s  CPU ${r.cpuS.toFixed(1)} s (${(r.simS / r.cpuS).toFixed(0)} sim s per CPU s)  RSS ${r.peakRssMb.toFixed(0)} MB  ${r.summary}  digest ${r.digest}  load ${load()}`);
      }
    }
    const best = (who: string, f: (r: DayResult) => number) => Math.max(...runs.filter((x) => x.who === who).map((x) => f(x.r)));
    const wall = (r: DayResult) => r.simS / r.wallS;
    const cpu = (r: DayResult) => r.simS / r.cpuS;
    console.log(`best × real time: ${against} ${best('base', wall).toFixed(0)}×, this tree ${best('ours', wall).toFixed(0)}×`);
    console.log(`ours / ${against}: ${(best('ours', wall) / best('base', wall)).toFixed(2)}× the speed (wall), ${(best('ours', cpu) / best('base', cpu)).toFixed(2)}× (per CPU second)`);
    const digests = new Set(runs.map((x) => x.r.digest));
    console.log(digests.size === 1 ? `same day: every run's digest ${[...digests][0]}` : `DAYS DIFFER: ${runs.map((x) => `${x.who} ${x.r.digest}`).join(', ')}`);
    if (digests.size !== 1) process.exitCode = 1;
  } finally {
    rmSync(baseDir, { recursive: true, force: true });
  }
}
