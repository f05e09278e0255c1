/**
 * The sample station's day for the patrol tests: planDay on resources/samples for 2026-11-24, written as
 * `kongxun plan` writes it (schedule.json + sorties/*.plan) into a temp folder, and the simulated day on it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planDay } from '../../missions/plan/day.js';
import { sortiePlan } from '../../missions/plan/exports.js';
import { loadStationFiles } from '../../station/files/station-files.js';
import WebSocket from 'ws';
import type { ServerMessage } from '../../common/api/contract.js';
import type { Role } from '../../station/gateway/principal.js';
import { SimDay, type SimDayOptions } from '../../station/patrol/sim-day.js';
import { startStationService, type StationService } from '../../station/service.js';
import { addTestUser, signIn, withSession } from '../sign-in.js';

export const DATE = '2026-11-24';

/** A time of the sample day, station time (+08:00): `sampleDayAt('03:03')`. */
export const sampleDayAt = (hhmm: string): number => Date.parse(`${DATE}T${hhmm}:00+08:00`);

/** A station started at 03:03 on the sample day: the sorties it could no longer fly are missed (one summary alert). */
export const LATE_START_MS = sampleDayAt('03:03');

export function writeSampleDay(date = DATE, into?: string): { dir: string; files: ReturnType<typeof sampleFiles> } {
  const files = sampleFiles();
  const plan = planDay(files.geography, files.fleet, date);
  const dir = into ?? mkdtempSync(join(tmpdir(), 'kongxun-patrol-plan-'));
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

export interface SampleDay {
  day: SimDay;
  /** The plan folder. */
  dir: string;
  /** Close the day, then remove its plan folder and its data folder. */
  close(): Promise<void>;
}

export async function sampleSimDay(o: Partial<SimDayOptions> = {}): Promise<SampleDay> {
  const { dir, files } = writeSampleDay();
  const r = await SimDay.create({ planDir: dir, fleet: files.fleet, docks: files.geography.docks, stationGeoJson: files.geojson, ...o });
  if (!r.ok) throw new Error(r.reason);
  const day = r.value;
  return {
    day,
    dir,
    close: async () => {
      await day.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(day.dataDir, { recursive: true, force: true });
    },
  };
}

export interface ServiceConsole {
  service: StationService;
  ws: WebSocket;
  /** Every message the console got, in order. */
  msgs: ServerMessage[];
}

/**
 * The station service (its simulated fleet, 2 s warm-up) running the day of `planDir` with the patrol runner when
 * `patrol`, and a console signed in as `user` (an account of `role`) on its real WebSocket. Close `service`.
 */
export async function serviceConsole(o: { name: string; planDir: string; patrol: boolean; role: Role; user?: string }): Promise<ServiceConsole> {
  const dataDir = mkdtempSync(join(tmpdir(), `kx-${o.name}-`));
  const s = await startStationService({ dataDir, staticDir: dataDir, port: 0, simWarmupMs: 2000, log: () => undefined, ...(o.patrol ? { patrolDir: o.planDir } : {}) });
  if (!s.ok) throw new Error(s.reason);
  const { user } = await addTestUser(dataDir, o.role, o.user);
  const ws = new WebSocket(`${s.value.url.replace('http', 'ws')}ws`, withSession(await signIn(s.value.url, user)));
  const msgs: ServerMessage[] = [];
  ws.on('message', (d) => msgs.push(JSON.parse(String(d)) as ServerMessage));
  await new Promise((r) => ws.once('open', r));
  return { service: s.value, ws, msgs };
}
