import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import type { PlanMessage } from '../../common/api/contract.js';
import { DayPlan } from './day-plan.js';

const base = mkdtempSync(join(tmpdir(), 'kx-day-plan-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A one-sortie day plan of `date` (station time +08:00) in its own folder, as `kongxun plan` lays it out. */
function writeDay(date: string): string {
  const dir = join(base, date);
  mkdirSync(dir, { recursive: true });
  const at = (hhmm: string) => `${date}T${hhmm}:00+08:00`;
  const sorties = [{ id: 'P001', kind: 'patrol', drone: 'JH-01', dock: 'dock-station', launch: at('00:00'), on_station: at('00:02'), off_station: at('00:22'), land: at('00:24'), plan: 'sorties/P001.plan', targets: [] }];
  writeFileSync(join(dir, 'schedule.json'), JSON.stringify({ station: 'jinhai', date, timezone: 'Asia/Shanghai', fleet_lower_bound: 1, sorties, gaps: [] }));
  return dir;
}

/** Let the planning the timer started finish (it is a promise; the fake clock does not wait for it). */
const settle = async (p: DayPlan) => {
  for (let i = 0; i < 20; i++) await p.check();
};

describe('the day plan the consoles show follows the station day', () => {
  it('past midnight, station time, plans the new day once and hands it to the consoles', async () => {
    // 23:59:00 on 7 December, station time (15:59 UTC): the station planned its day itself.
    const clock = new FakeClock(Date.parse('2026-12-07T23:59:00+08:00'));
    const asked: string[] = [];
    const follow = async (nowMs: number) => {
      const date = new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 10);
      asked.push(date);
      return writeDay(date);
    };
    const p = new DayPlan({ clock, timezone: 'Asia/Shanghai', dir: writeDay('2026-12-07'), follow, checkEveryMs: 30_000 });
    p.start();
    const seen: PlanMessage[] = [];
    p.onChange((m) => seen.push(m));
    expect(p.plan()?.schedule.date).toBe('2026-12-07');

    clock.advance(30_000); // 23:59:30: still the same day
    await settle(p);
    expect(asked).toEqual([]);
    expect(seen).toEqual([]);

    clock.advance(30_000); // 00:00:00 on the 8th
    await settle(p);
    expect(asked).toEqual(['2026-12-08']);
    expect(seen.map((m) => m.schedule.date)).toEqual(['2026-12-08']);
    expect(p.plan()?.schedule.date).toBe('2026-12-08');
    expect(p.dir()).toBe(join(base, '2026-12-08'));

    // The rest of the day asks nothing more.
    clock.advance(3_600_000);
    await settle(p);
    expect(asked).toEqual(['2026-12-08']);
    p.close();
    expect(clock.pending()).toBe(0);
  });

  it('a day that cannot be planned keeps the last plan, is said once, and is tried again', async () => {
    const clock = new FakeClock(Date.parse('2026-12-07T23:59:50+08:00'));
    let fail = true;
    const failed: string[] = [];
    const logs: string[] = [];
    const p = new DayPlan({
      clock, timezone: 'Asia/Shanghai', dir: writeDay('2026-12-07'), checkEveryMs: 30_000,
      follow: async (nowMs) => (fail ? undefined : writeDay(new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 10))),
      onFailed: (date, reason) => failed.push(`${date}: ${reason}`),
      log: (l) => logs.push(l),
    });
    p.start();
    clock.advance(30_000);
    await settle(p);
    clock.advance(30_000);
    await settle(p);
    expect(failed).toEqual(['2026-12-08: planning failed']);
    expect(logs.filter((l) => l.includes('could not plan'))).toHaveLength(1);
    expect(p.plan()?.schedule.date).toBe('2026-12-07');
    fail = false;
    clock.advance(30_000);
    await settle(p);
    expect(p.plan()?.schedule.date).toBe('2026-12-08');
    p.close();
  });

  it('a plan given with --plan (no follow) stays, whatever the date', async () => {
    const clock = new FakeClock(Date.parse('2026-12-07T23:59:00+08:00'));
    const p = new DayPlan({ clock, timezone: 'Asia/Shanghai', dir: writeDay('2026-12-07') });
    p.start();
    expect(clock.pending()).toBe(0);
    clock.advance(86_400_000);
    await p.check();
    expect(p.plan()?.schedule.date).toBe('2026-12-07');
    p.close();
  });
});
