/**
 * `kongxun patrol --plan DIR [--sim [--faults FILE]] [--station S.geojson] [--fleet F.json] [--data DIR]`
 *
 * Runs the day plan in DIR (schedule.json and its .plan files, as `kongxun plan` writes them).
 *   --sim    the whole day on the built-in simulated fleet on virtual time, as fast as the machine allows;
 *            --faults FILE adds simulator fault rules (sitl/faults.ts JSON; `atS` counts from the start of
 *            the simulation, 15 min before the first launch is prepared, or `at` "HH:MM" station time).
 *            Writes DIR/report.json and DIR/report.html; the flights are recorded in DATA/tlogs as a real
 *            day's (`kongxun flights --data DATA` and the replay show them). Exit 0 when every school window and every patrol
 *            minute was covered, 3 when the report lists gaps, 2 for bad input.
 *   (no --sim) the drones of the fleet file on their links (`connect`), on the system clock, until the
 *            day is over or SIGINT/SIGTERM; drones in the air are then sent home (RTL). The report is
 *            written when it stops.
 * State, events, alerts and the command audit go to patrol.sqlite in the data folder.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SystemClock } from '../../common/clock.js';
import { localMidnightUtcMs } from '../../missions/plan/timezone.js';
import { parseFaultFile, type FaultRule } from '../../sitl/faults.js';
import { createStation } from '../compose.js';
import { signingPlan } from '../files/keys.js';
import { SIGNING_FLAGS, cliSigning } from './signing.js';
import { checkDataDir, defaultDataDir } from '../storage/data-dir.js';
import { StorageHealth, errorCause } from '../storage/health.js';
import { buildReport, reportHtml, type DailyReport } from '../patrol/report.js';
import { openGateway } from '../gateway/gateway.js';
import { loadDay } from '../patrol/day.js';
import { startPatrol } from '../patrol/start.js';
import { SimDay } from '../patrol/sim-day.js';
import { loadStationFiles } from '../files/station-files.js';
import { flag, helpText, parseArgs, type FlagSpec } from './args.js';
import { waitForSignal, type CliIo } from './io.js';
import { installLastResort } from '../last-resort.js';

const SPEC: Record<string, FlagSpec> = {
  plan: { type: 'string', describe: 'the day plan directory (schedule.json + sorties/*.plan)' },
  sim: { type: 'boolean', describe: 'fly the whole day on the built-in simulated fleet, on virtual time' },
  faults: { type: 'string', describe: 'simulator fault rules (JSON) for --sim' },
  station: { type: 'string', describe: 'jurisdiction GeoJSON (default: the sample station)' },
  fleet: { type: 'string', describe: 'fleet JSON (default: the sample fleet)' },
  data: { type: 'string', describe: "the station's data folder (default: the user's data folder; --sim: DIR/patrol-data)" },
  ...SIGNING_FLAGS,
  help: { type: 'boolean', describe: 'show this help' },
};

/** The day's report next to its plan; a disk that refuses it is said (the summary still goes to the terminal). */
function writeReport(io: CliIo, dir: string, r: DailyReport): boolean {
  try {
    writeFileSync(join(dir, 'report.json'), JSON.stringify(r, null, 2) + '\n');
    writeFileSync(join(dir, 'report.html'), reportHtml(r));
    return true;
  } catch (e) {
    const c = errorCause(e);
    io.err(`kongxun patrol: the report cannot be written to ${dir}: ${c.code} (${c.message}); it follows here`);
    io.out(JSON.stringify(r, null, 2));
    return false;
  }
}

function summary(io: CliIo, r: DailyReport, dir: string, written: boolean): number {
  io.out(`${r.station} ${r.date}: ${r.sorties_flown}/${r.sorties_planned} sorties flown (${r.sorties_reassigned} reassigned${r.sorties_missed ? `, ${r.sorties_missed} missed: station not running` : ''}), patrol ${r.patrol_minutes_covered}/${r.patrol_minutes_required} min, school windows ${r.school_windows_covered}/${r.school_windows_total}, ${r.faults.length} faults, ${r.dispatches.length} dispatches`);
  for (const g of r.gaps) io.out(`  gap ${g.kind} ${g.target} ${g.from} → ${g.to} (${g.minutes} min): ${g.cause}`);
  if (written) io.out(`written: ${join(dir, 'report.json')}, ${join(dir, 'report.html')}`);
  return r.gaps.length ? 3 : 0;
}

export async function patrolMain(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, SPEC, 'patrol');
  if (!a.ok) return io.fail(a.reason, 2);
  if (flag(a.value, 'help')) return io.print(helpText('patrol', '--plan DIR [--sim [--faults FILE]]', SPEC), 0);
  const planArg = flag(a.value, 'plan');
  if (!planArg) return io.fail('kongxun patrol: --plan DIR is required (a folder written by `kongxun plan`)', 2);
  const dir = resolve(planArg);
  const files = loadStationFiles(flag(a.value, 'station'), flag(a.value, 'fleet'));
  if (!files.ok) return io.fail(files.reason, 2);
  const { fleet, geojson } = files.value;

  if (flag(a.value, 'sim')) {
    let faults: (FaultRule & { atMs?: number })[] = [];
    const ff = flag(a.value, 'faults');
    if (ff !== undefined) {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(ff, 'utf8'));
      } catch (e) {
        return io.fail(`${ff}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
      }
      // "at": "HH:MM" (station time) is turned into a clock time; the rest is the simulator's format.
      const sched = JSON.parse(readFileSync(join(dir, 'schedule.json'), 'utf8')) as { date: string; timezone: string };
      const d0 = localMidnightUtcMs(sched.date, sched.timezone);
      const raw = (Array.isArray(json) ? json : ((json as { faults?: unknown[] }).faults ?? [])) as Record<string, unknown>[];
      const ats = raw.map((r) => (typeof r.at === 'string' && /^\d{2}:\d{2}$/.test(r.at) ? d0 + (Number(r.at.slice(0, 2)) * 60 + Number(r.at.slice(3))) * 60_000 : undefined));
      const parsed = parseFaultFile(raw.map(({ at: _at, ...r }) => r));
      if (!parsed.ok) return io.fail(`${ff}: ${parsed.reason}`, 2);
      faults = parsed.value.map((r, i) => (ats[i] !== undefined ? { ...r, atMs: ats[i] } : r));
    }
    const simData = checkDataDir(resolve(flag(a.value, 'data') ?? join(dir, 'patrol-data')));
    if (!simData.ok) return io.fail(`kongxun patrol: ${simData.reason}`, 2);
    const made = await SimDay.create({ planDir: dir, fleet, docks: files.value.geography.docks, stationGeoJson: geojson, faults, record: true, dataDir: simData.value.path, onAlert: (t) => io.out(`alert: ${t}`) });
    if (!made.ok) return io.fail(`kongxun patrol: ${made.reason}`, 2);
    const day = made.value;
    const d0 = localMidnightUtcMs(day.day.schedule.date, day.day.schedule.timezone);
    const end = Math.max(d0 + 86_400_000, ...day.day.sorties.map((s) => s.landMs)) + 10 * 60_000;
    let stop = false;
    const onSig = () => (stop = true);
    process.once('SIGINT', onSig);
    process.once('SIGTERM', onSig);
    const t0 = performance.now();
    const step = 600_000;
    for (let t = day.clock.now(); t < end && !stop; t += step) await day.runUntil(Math.min(end, t + step));
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
    if (stop) await day.runner.stop({ safe: true });
    const cycles = new Map([...day.observed.values()].map((o) => [o.sysid, o.cycles]));
    const r = buildReport(day.day, day.runner.list(), day.store.alerts(), day.runner.dispatches(), day.clock.now(), cycles);
    const simS = (day.clock.now() - (d0 - 0)) / 1000;
    io.out(`simulated to ${new Date(day.clock.now()).toISOString()} in ${((performance.now() - t0) / 1000).toFixed(1)} s wall (${Math.round(simS / ((performance.now() - t0) / 1000))}× real time)${stop ? ' — stopped by signal' : ''}`);
    await day.close();
    const written = writeReport(io, dir, r);
    return summary(io, r, dir, written);
  }

  const d = await loadDay(dir, fleet);
  if (!d.ok) return io.fail(`kongxun patrol: ${d.reason}`, 2);
  const links = fleet.drones.map((x) => x.connect).filter((x): x is string => x !== undefined);
  if (!links.length) return io.fail('kongxun patrol: no drone of the fleet file has a `connect` link; use --sim for the simulated fleet', 2);
  const clock = new SystemClock();
  const dataDir = resolve(flag(a.value, 'data') ?? defaultDataDir());
  const checked = checkDataDir(dataDir);
  if (!checked.ok) return io.fail(`kongxun patrol: ${checked.reason}`, 2);
  // The records watched as in `kongxun serve`: failures are alerts and hold new launches (station/storage/health.ts).
  // Signing as serve does it: each drone's own key (DATA/keys/ID.key or its signing_key_file), else the
  // station-wide one; a keyless link beside a keyed one refuses the start (station/files/keys.ts).
  const signing = cliSigning(a.value, 'patrol', { warn: (l) => io.err(l), policyAlone: true });
  if (!signing.ok) return io.fail(signing.reason, 2);
  const urls = [...new Set(links)];
  const fleetArg = flag(a.value, 'fleet');
  const keys = signingPlan(
    urls.map((url) => ({ url })),
    fleet.drones,
    { signing: signing.value.config, unsigned: signing.value.unsigned, dataDir, fleetDir: fleetArg !== undefined ? dirname(resolve(fleetArg)) : '.' },
  );
  if (!keys.ok) return io.fail(`kongxun patrol: ${keys.reason}`, 2);
  if (keys.value.summary) io.out(`kongxun patrol: ${keys.value.summary}`);
  const health = new StorageHealth({ clock, dataDir });
  const st = await createStation({ clock, dataDir, connections: urls, health, linkSigning: keys.value.perLink });
  if (!st.ok) {
    health.close();
    return io.fail(`kongxun patrol: ${st.reason}`, 2);
  }
  const names = new Map(fleet.drones.map((x) => [x.sysid, x.id] as const));
  const gateway = openGateway({ clock, dataDir, geography: geojson, droneName: (s) => names.get(s) ?? null, health });
  const patrol = gateway.ok ? await startPatrol({ clock, station: st.value, plan: d.value, dataDir, gateway: gateway.value, health, onAlert: (al) => io.out(`alert: ${al.text}`) }) : gateway;
  if (!patrol.ok) {
    if (gateway.ok) gateway.value.close();
    await st.value.close();
    health.close();
    return io.fail(`kongxun patrol: ${patrol.reason}`, 2);
  }
  const { runner, store, day } = patrol.value;
  // From here the process flies drones for hours: what slips through is reported, not fatal (as in serve).
  const offLastResort = installLastResort((l) => io.err(l));
  health.check();
  io.out(`kongxun patrol: running ${day.sorties.length} sorties of ${day.schedule.date}; state in ${store.file} (Ctrl+C to stop)`);
  const dayEnd = Math.max(...day.sorties.map((s) => s.landMs)) + 10 * 60_000;
  const sig = await Promise.race([waitForSignal(), new Promise<'day over'>((r) => clock.setTimeout(() => r('day over'), Math.max(0, dayEnd - clock.now())))]);
  io.out(`kongxun patrol: ${sig}, stopping (drones in the air are sent home)`);
  await patrol.value.stop({ safe: true });
  const r = buildReport(day, runner.list(), store.alerts(), runner.dispatches(), clock.now());
  await patrol.value.close();
  if (gateway.ok) gateway.value.close();
  await st.value.close();
  health.close();
  offLastResort();
  const written = writeReport(io, dir, r);
  return summary(io, r, dir, written);
}
