import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { err } from '../../common/result.js';
import type { Fleet } from '../../missions/fleet.js';
import type { DayInput } from './day.js';
import { NextDay, dayAfter } from './next-day.js';
import type { Said } from './said.js';

const fleet = { timezone: 'Asia/Shanghai', drones: [], reservePct: 25 } as unknown as Fleet;
const at = (iso: string) => Date.parse(`${iso}+08:00`);

/** A runner that only keeps what it is asked (next-day.ts uses its date, nextDay and alert). */
function fakeRunner(date: string) {
  const alerts: { level: string; said: Said }[] = [];
  const handed: DayInput[] = [];
  return {
    alerts, handed,
    runner: {
      date,
      nextDay(d: DayInput) {
        handed.push(d);
        this.date = d.schedule.date;
        return null;
      },
      alert(_s: string | null, _y: number | null, level: string, said: Said) {
        alerts.push({ level, said });
      },
    },
  };
}

async function runTo(clock: FakeClock, nd: NextDay, untilMs: number): Promise<void> {
  while (clock.now() < untilMs) {
    clock.advance(30_000);
    await nd.check();
  }
}

describe('the next day of the patrol', () => {
  it('counts the days across months and years', () => {
    expect(dayAfter('2026-12-31')).toBe('2027-01-01');
    expect(dayAfter('2028-02-28')).toBe('2028-02-29');
    expect(dayAfter('2026-11-30')).toBe('2026-12-01');
  });

  it('without anything to plan with: nothing before the end of the day, then one critical alert with its cause', async () => {
    const clock = new FakeClock(at('2026-12-07T21:00:00'));
    const r = fakeRunner('2026-12-07');
    const lines: string[] = [];
    const nd = new NextDay({ clock, runner: r.runner, fleet, prepLeadMs: 360_000, log: (l) => lines.push(l) });
    await runTo(clock, nd, at('2026-12-07T23:59:30'));
    expect(r.alerts).toEqual([]);
    expect(nd.flying()).toBe(true);
    await runTo(clock, nd, at('2026-12-08T03:00:00'));
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0]!.level).toBe('critical');
    expect(r.alerts[0]!.said).toEqual({ code: 'day-unplanned', args: { date: '2026-12-08', day: '2026-12-07' }, why: [{ code: 'text', args: { text: 'the station has no station GeoJSON and fleet to plan it with' } }] });
    expect(nd.flying()).toBe(false);
    expect(lines.filter((l) => l.includes('ALERT'))).toHaveLength(1);
  });

  it('a planner that throws is a cause, not a crash; tried again every 5 min, not at every look', async () => {
    const clock = new FakeClock(at('2026-12-07T23:00:00'));
    const r = fakeRunner('2026-12-07');
    let tries = 0;
    const nd = new NextDay({ clock, runner: r.runner, fleet, prepLeadMs: 360_000, plan: async () => {
      tries++;
      if (tries > 1) return err('plan-failed', 'fleet.json: no drones');
      throw new Error('disk full');
    } });
    await runTo(clock, nd, at('2026-12-08T00:30:00'));
    expect(tries).toBe(18); // 23:00:30, 23:05:30 … 00:25:30: every 5 minutes
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0]!.said.why).toEqual([{ code: 'text', args: { text: 'fleet.json: no drones' } }]);
    expect(r.handed).toEqual([]);
  });

  it('a runner started days ago goes on with the station date, not day by day through the past', async () => {
    const clock = new FakeClock(at('2026-12-10T09:00:00'));
    const r = fakeRunner('2026-12-07');
    const asked: string[] = [];
    const nd = new NextDay({ clock, runner: r.runner, fleet, prepLeadMs: 360_000, plan: async (date) => {
      asked.push(date);
      return err('plan-failed', 'no');
    } });
    await nd.check();
    expect(asked).toEqual(['2026-12-10']);
    expect(r.alerts.map((a) => a.said.args?.date)).toEqual(['2026-12-10']);
  });
});
