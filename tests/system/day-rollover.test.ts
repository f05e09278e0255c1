/**
 * A station that runs round the clock and planned its own day (`kongxun serve` without --plan) crosses
 * midnight, station time, on the injected fake clock: the consoles already connected get the new day's plan
 * (a `plan` message of the new date), one that connects later gets it first, and /plan-files/ serves the new
 * day's sortie files. Before, the console kept yesterday's plan as the day's until the station restarted,
 * while what happened (`actual`) had moved on to the new day.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import type { PlanMessage } from '../../common/api/contract.js';
import { planToday } from '../../station/app/own-day.js';
import { startStationService, type StationService } from '../../station/service.js';
import { addTestUser, signIn, withSession } from '../sign-in.js';
import { consoleSocket, untilValue } from './console-socket.js';

const dirs: string[] = [];
const services: StationService[] = [];
afterAll(async () => {
  for (const s of services) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a station running past midnight shows the new day', () => {
  it('plans the next station day at 00:00 and sends it to every console', { timeout: 60_000 }, async () => {
    // 23:59:20 on 7 December, station time (Asia/Shanghai, +08:00).
    const clock = new FakeClock(Date.parse('2026-12-07T23:59:20+08:00'));
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-rollover-'));
    dirs.push(dataDir);
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    // What `kongxun serve` does without --plan: today's plan into DATA/plans/<date>/, and each next day's.
    const first = await planToday({ dataDir, log, nowMs: clock.now() });
    expect(first).toBe(join(dataDir, 'plans', '2026-12-07'));
    const logs: string[] = [];
    const s = await startStationService({
      clock, dataDir, staticDir: dataDir, port: 0, videoDiscovery: false, simWarmupMs: 2000, log: (l) => logs.push(l),
      planDir: first!, followDay: (nowMs) => planToday({ dataDir, log, nowMs }),
    });
    if (!s.ok) throw new Error(s.reason);
    services.push(s.value);
    const { user } = await addTestUser(dataDir, 'viewer');
    const cookie = await signIn(s.value.url, user);
    const a = await consoleSocket(s.value.url, cookie);
    await untilValue(() => (a.plans().length > 0 ? true : undefined), 'the first plan');
    expect(a.plans()).toEqual(['2026-12-07']);

    // 23:59:50: still the 7th — nothing new is planned.
    clock.advance(30_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.plans()).toEqual(['2026-12-07']);
    expect(existsSync(join(dataDir, 'plans', '2026-12-08'))).toBe(false);

    // Past midnight: the 8th is planned and the connected console gets it.
    clock.advance(30_000);
    await untilValue(() => (a.plans().length > 1 ? true : undefined), "the new day's plan");
    expect(a.plans()).toEqual(['2026-12-07', '2026-12-08']);
    expect(existsSync(join(dataDir, 'plans', '2026-12-08', 'schedule.json'))).toBe(true);
    const plan = a.msgs.filter((m): m is PlanMessage => m.type === 'plan').at(-1)!;
    // The sample day: 72 patrols, the first launched just before midnight of the day before.
    expect(plan.schedule.sorties.filter((x) => x.kind === 'patrol')).toHaveLength(72);
    expect(logs.some((l) => l.includes('a new station day: the consoles show the plan of 2026-12-08'))).toBe(true);

    // A console that connects now gets the new day, and /plan-files/ serves the new day's files.
    const b = await consoleSocket(s.value.url, cookie);
    await untilValue(() => (b.plans().length > 0 ? true : undefined), 'the later console');
    expect(b.plans()).toEqual(['2026-12-08']);
    const p001 = plan.schedule.sorties.find((x) => x.id === 'P001')!;
    const res = await fetch(new URL(`plan-files/${p001.plan}`, s.value.url), withSession(cookie));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(readFileSync(join(dataDir, 'plans', '2026-12-08', p001.plan), 'utf8'));

    // The new day is planned once, however long the station runs on it.
    clock.advance(120_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.plans()).toEqual(['2026-12-07', '2026-12-08']);
    expect(lines.filter((l) => l.startsWith('kongxun: planned'))).toHaveLength(2);
    a.ws.close();
    b.ws.close();
  });
});
