/**
 * A console on a simulated patrol day on virtual time: the sample station's day (tests/patrol/testkit.ts)
 * flown by the real runner on the simulated fleet (station/patrol/sim-day.ts) until `until` holds, then the
 * real console server over that station, its runner, its plan and its tlogs — the clock stands still while
 * the page looks, so what the page shows can be compared with what the runner recorded (its alerts arrive
 * as the console's events).
 */
import type { Page } from '@playwright/test';
import { stationDay, actualMessage } from '../../station/patrol/actual.js';
import type { SimDay } from '../../station/patrol/sim-day.js';
import { vehicleViews } from '../../station/api/views.js';
import { consoleStaticDir } from '../../station/cli/static-dir.js';
import { loadPlanDir } from '../../station/server/plan-dir.js';
import { startConsoleServer } from '../../station/server/console-server.js';
import { patrolEvent } from '../../station/service.js';
import { withPatrol } from '../../station/patrol/console.js';
import { sampleSimDay, writeSampleDay } from '../patrol/testkit.js';

export { LATE_START_MS, sampleDayAt } from '../patrol/testkit.js';
import { addTestUser, signInPage, testAuth } from '../sign-in.js';

export interface SimConsole {
  url: string;
  /** The account the page signs in with (a viewer: the wall screen's role). */
  user: string;
  day: SimDay;
  close(): Promise<void>;
}

export interface SimConsoleOptions {
  /** Clock start (the station started then). Default: 15 min before the first launch is prepared. */
  startAtMs?: number;
  /** Run the day until this holds (bounded by `limitMs`, default 4 h), then stand still. */
  until: (day: SimDay) => boolean;
  stepMs?: number;
  limitMs?: number;
}

/** `simDayConsole`, with `page` at `viewport` (the wall's 1600×900 by default) signed in as the console's viewer. */
export async function simDayPage(page: Page, o: SimConsoleOptions & { viewport?: { width: number; height: number } }): Promise<SimConsole> {
  const sim = await simDayConsole(o);
  try {
    await page.setViewportSize(o.viewport ?? { width: 1600, height: 900 });
    await signInPage(page, sim.url, sim.user);
  } catch (e) {
    await sim.close();
    throw e;
  }
  return sim;
}

export async function simDayConsole(o: SimConsoleOptions): Promise<SimConsole> {
  const made = await sampleSimDay(o.startAtMs !== undefined ? { startAtMs: o.startAtMs } : {});
  const { day, dir } = made;
  const end = day.clock.now() + (o.limitMs ?? 4 * 3_600_000);
  while (!o.until(day) && day.clock.now() < end) await day.runUntil(day.clock.now() + (o.stepMs ?? 5000));
  if (!o.until(day)) throw new Error(`the simulated day never got there (clock ${new Date(day.clock.now()).toISOString()})`);
  const plan = loadPlanDir(dir);
  if (!plan.ok) throw new Error(plan.reason);
  const files = writeSampleDay().files;
  const names = new Map(files.fleet.drones.map((d) => [d.sysid, d.id] as const));
  // The wall screen's account (a viewer): the page signs in as every console does.
  await addTestUser(day.dataDir, 'viewer');
  const auth = testAuth(day.dataDir);
  const server = await startConsoleServer({
    clock: day.clock,
    auth,
    staticDir: await consoleStaticDir(),
    port: 0,
    replay: { dataDir: day.dataDir, droneName: (sysid) => names.get(sysid) ?? null, log: () => undefined },
    source: {
      hello: () => ({ type: 'hello', station: files.fleet.station, geography: files.geojson, simulated: true, version: 'e2e', timezone: files.fleet.timezone }),
      plan: () => plan.value,
      snapshot: () => ({ type: 'snapshot', atMs: day.clock.now(), station: files.fleet.station, simulated: true, vehicles: withPatrol(vehicleViews(day.station.snapshot(), names), day.runner) }),
      // The runner's alerts so far, as the station sends them (a console that connects later gets the last 50).
      onEvent: (l) => {
        for (const a of day.store.alerts().slice(-50)) l(patrolEvent(a, a.sysid !== null ? names.get(a.sysid) : undefined));
        return () => undefined;
      },
      command: async () => ({ ok: false, result: 'unsupported', reason: 'the day stands still for this test' }),
      actual: (flights) => actualMessage({ sorties: day.runner.list(), flights, day: stationDay(day.clock.now(), files.fleet.timezone) }),
    },
  });
  if (!server.ok) throw new Error(server.reason);
  return {
    url: server.value.url,
    user: 'viewer',
    day,
    close: async () => {
      await server.value.close();
      auth.close();
      await made.close();
    },
  };
}
