/**
 * `kongxun serve --patrol DIR` crossing midnight, station time, on the injected fake clock: the patrol plans
 * its next day with the station's planner into DATA/plans/<date>/ (beside the day it flies, which stays as it
 * is), the runner goes on into it, and from midnight the consoles are shown the new day's plan. Without a
 * way to plan, the end of the day is one alert on the consoles: the patrol is not flying.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { bufferIo } from '../../station/cli/io.js';
import { planDate, planToday } from '../../station/app/own-day.js';
import { startStationService, type StationService } from '../../station/service.js';
import { addTestUser, signIn } from '../sign-in.js';
import { consoleSocket, untilValue } from './console-socket.js';
import { ioBudget, quiesce } from '../fake-time.js';

const dirs: string[] = [];
const services: StationService[] = [];
afterAll(async () => {
  for (const s of services) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Advance the station's clock to `untilMs` 30 s at a time, letting its own I/O run between the steps. */
async function runTo(clock: FakeClock, untilMs: number): Promise<void> {
  const io = ioBudget();
  while (clock.now() < untilMs) {
    await quiesce(io);
    clock.advance(Math.min(30_000, untilMs - clock.now()));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }
}

async function station(o: { plan: boolean }) {
  // 23:40 on 7 December, station time (Asia/Shanghai, +08:00): the patrol of the 7th has its last sorties ahead.
  const clock = new FakeClock(Date.parse('2026-12-07T23:40:00+08:00'));
  const dataDir = mkdtempSync(join(tmpdir(), 'kx-patrol-next-'));
  dirs.push(dataDir);
  const io = bufferIo();
  const dir = (await planToday({ dataDir, log: (l) => io.out(l), nowMs: clock.now() }))!;
  const logs: string[] = [];
  const s = await startStationService({
    clock, dataDir, staticDir: dataDir, port: 0, videoDiscovery: false, simWarmupMs: 2000, log: (l) => logs.push(l),
    planDir: dir, patrolDir: dir, ...(o.plan ? { planPatrolDay: (date: string) => planDate({ date, dataDir, log: (l) => io.out(l) }) } : {}),
  });
  if (!s.ok) throw new Error(s.reason);
  services.push(s.value);
  const { user } = await addTestUser(dataDir, 'viewer');
  const { ws, plans, events, actuals } = await consoleSocket(s.value.url, await signIn(s.value.url, user));
  await untilValue(() => (plans().length ? true : undefined), 'the first plan');
  return { clock, dataDir, dir, logs, service: s.value, ws, plans, events, actuals };
}

describe('serve --patrol past midnight', () => {
  it('plans the next day beside the day flown, goes on into it, and shows it from midnight', { timeout: 120_000 }, async () => {
    const st = await station({ plan: true });
    const flown = statSync(join(st.dir, 'schedule.json')).mtimeMs;
    // The first look (23:40:30) plans the 8th: the station's planner runs on real I/O.
    await runTo(st.clock, Date.parse('2026-12-07T23:40:30+08:00'));
    await untilValue(() => (st.logs.some((l) => l.includes("the patrol's next day 2026-12-08 is planned")) ? true : undefined), 'the next day planned');
    await runTo(st.clock, Date.parse('2026-12-07T23:59:30+08:00'));
    // Planned and handed over before the first sortie of the 8th (23:58) was prepared; the consoles still show the 7th.
    expect(existsSync(join(st.dataDir, 'plans', '2026-12-08', 'schedule.json'))).toBe(true);
    expect(st.service.patrol?.date).toBe('2026-12-08');
    expect(st.logs.filter((l) => l.includes('the patrol goes on into 2026-12-08'))).toHaveLength(1);
    expect(st.plans()).toEqual(['2026-12-07']);
    // What the consoles are told happened is of the day they show: the 7th's P001 (missed: the station started at
    // 23:40), not the 8th's P001 the runner already launched at 23:58 under the same id.
    const p001 = (date: string) => {
      const last = st.actuals().at(-1)?.sorties.filter((r) => r.id === 'P001') ?? [];
      return last.length && last.every((r) => r.date === date) ? last : undefined;
    };
    const before = await untilValue(() => p001('2026-12-07'), "the 7th's P001 on the consoles");
    expect(before.map((r) => [r.outcome, r.launchedAtMs])).toEqual([['missed', null]]);
    await runTo(st.clock, Date.parse('2026-12-08T00:01:00+08:00'));
    await untilValue(() => (st.plans().length > 1 ? true : undefined), "the new day's plan");
    expect(st.plans()).toEqual(['2026-12-07', '2026-12-08']);
    const after = await untilValue(() => p001('2026-12-08'), "the 8th's P001 on the consoles");
    expect(after).toHaveLength(1);
    expect(after[0]!.launchedAtMs).not.toBeNull();
    // The day flown is left as it was.
    expect(statSync(join(st.dir, 'schedule.json')).mtimeMs).toBe(flown);
    expect(st.events().filter((e) => e.said?.code === 'day-unplanned')).toEqual([]);
    st.ws.close();
  });

  it('without a way to plan the next day: one alert on the consoles at midnight, with its cause', { timeout: 120_000 }, async () => {
    const st = await station({ plan: false });
    await runTo(st.clock, Date.parse('2026-12-07T23:59:30+08:00'));
    expect(st.events().filter((e) => e.said?.code === 'day-unplanned')).toEqual([]);
    await runTo(st.clock, Date.parse('2026-12-08T00:20:00+08:00'));
    const alerts = await untilValue(() => {
      const a = st.events().filter((e) => e.said?.code === 'day-unplanned');
      return a.length ? a : undefined;
    }, 'the alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.severity).toBe('alert');
    expect(alerts[0]!.text).toBe('no plan for 2026-12-08 after 2026-12-07: the patrol is not flying (the station has no station GeoJSON and fleet to plan it with)');
    expect(st.service.patrol?.date).toBe('2026-12-07');
    st.ws.close();
  });
});
