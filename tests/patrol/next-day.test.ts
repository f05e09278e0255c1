/**
 * The patrol goes on past midnight (station/patrol/next-day.ts): a station started late on the sample day
 * plans the next day with the same planner into a folder of its own, hands it to the runner before its first
 * sortie (launching 23:58 to be on station at 00:00) and flies it, while the previous day's last sortie flies to
 * its end under its own day. When the next day cannot be planned, one critical alert with its cause at the end
 * of the day, and the patrol says it is not flying.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { err, ok } from '../../common/result.js';
import type { SimDay } from '../../station/patrol/sim-day.js';
import type { Sortie } from '../../station/patrol/sortie.js';
import { DATE, sampleDayAt as T, sampleSimDay, writeSampleDay, type SampleDay } from './testkit.js';

const NEXT = '2026-11-25';
const N = (hhmm: string) => Date.parse(`${NEXT}T${hhmm}:00+08:00`);

describe('a patrol crossing midnight', () => {
  let made: SampleDay | undefined;
  let day: SimDay;
  let plans: string;
  const planned: string[] = [];
  const shown: string[] = [];

  beforeAll(async () => {
    plans = mkdtempSync(join(tmpdir(), 'kongxun-next-day-'));
    made = await sampleSimDay({
      startAtMs: T('22:30'),
      nextDay: {
        plan: async (date) => {
          planned.push(date);
          return ok(writeSampleDay(date, join(plans, date)).dir);
        },
        onDay: (d) => shown.push(d.schedule.date),
      },
    });
    day = made.day;
    await day.runUntil(N('00:40'));
  }, 240_000);

  afterAll(async () => {
    await made?.close();
    rmSync(plans, { recursive: true, force: true });
  });

  it('plans the next day once, into its own folder, and hands it to the runner', () => {
    expect(planned).toEqual([NEXT]);
    expect(shown).toEqual([NEXT]);
    expect(day.runner.date).toBe(NEXT);
    expect(existsSync(join(plans, NEXT, 'schedule.json'))).toBe(true);
    expect(day.patrol.days?.flying()).toBe(true);
  });

  it("flies the new day's first sorties on time", () => {
    const s = Object.fromEntries(day.store.sorties(`${day.day.schedule.station}/${NEXT}`).map((x) => [x.id, x] as const));
    expect(s.P001!.launchedAtMs).not.toBeNull();
    expect(s.P001!.launchedAtMs!).toBeLessThan(N('00:00'));
    expect(s.P001!.onStationAtMs!).toBeLessThanOrEqual(s.P001!.onMs + 60_000);
    expect(s.P002!.launchedAtMs).not.toBeNull();
    // The whole new day is in the store, its P072 too (it waited for yesterday's P072 to land: the same id).
    expect(Object.keys(s)).toHaveLength(87);
    expect(s.P072!.state).toBe('scheduled');
    // Not one sortie of the new day was missed or failed.
    expect(Object.values(s).filter((x) => x.state === 'missed' || x.state === 'failed')).toEqual([]);
  });

  it('gives each day its own sorties for the screens: the P001 of each day, not the runner\'s one P001', () => {
    const key = (x: Sortie) => [x.id, x.state, x.launchedAtMs, x.landedAtMs];
    for (const date of [DATE, NEXT]) {
      const stored = day.store.sorties(`${day.day.schedule.station}/${date}`).map(key).sort();
      expect(day.runner.sortiesOn(date).map(key).sort()).toEqual(stored);
      expect(day.runner.dayOn(date)?.schedule.date).toBe(date);
    }
    // The runner holds one P001, the new day's; the day started at 22:30 had missed its own.
    expect(day.runner.list().filter((x) => x.id === 'P001').map((x) => x.launchedAtMs !== null)).toEqual([true]);
    expect(day.runner.sortiesOn(DATE).find((x) => x.id === 'P001')!.state).toBe('missed');
    expect(day.runner.sortiesOn(NEXT).find((x) => x.id === 'P001')!.launchedAtMs).not.toBeNull();
  });

  it("lets the previous day's last sortie finish under its own day, flown once", () => {
    const old = day.store.sorties(`${day.day.schedule.station}/${DATE}`);
    const last = old.reduce<Sortie | undefined>((a, b) => (a && a.offMs > b.offMs ? a : b), undefined)!;
    expect(last.offMs).toBe(N('00:00'));
    expect(last.launchedAtMs).not.toBeNull();
    expect(last.state).toBe('done');
    expect(last.launchAttempts).toBe(1);
    // Relieved by the new day's P001 as by any sortie of its own day: it left once P001 was on station.
    const p001 = day.store.sorties(`${day.day.schedule.station}/${NEXT}`).find((x) => x.id === 'P001')!;
    expect(day.store.events().some((e) => e.sortie === last.id && e.kind === 'state' && e.text === 'on_patrol → returning' && e.atMs >= p001.onStationAtMs!)).toBe(true);
    // The old day's records are whole: every sortie of the plan is there, under its day.
    expect(old.filter((x) => !x.replaces).length).toBe(day.day.sorties.length);
    // The runner keeps only what is still to do or under way; the old day's done sorties are in the store.
    expect(day.runner.list().every((x) => x.launchMs >= T('23:00'))).toBe(true);
  });

  it('raises no alert of a missing day', () => {
    expect(day.store.alerts().filter((a) => a.said?.code === 'day-unplanned')).toEqual([]);
  });
});

describe('a patrol whose next day cannot be planned', () => {
  let made: SampleDay | undefined;
  let day: SimDay;
  let tries = 0;

  beforeAll(async () => {
    made = await sampleSimDay({
      startAtMs: T('23:20'),
      nextDay: {
        plan: async () => {
          tries++;
          return err('invalid', 'station.geojson: no patrol area');
        },
      },
    });
    day = made.day;
    await day.runUntil(T('23:59'));
    expect(day.store.alerts().filter((a) => a.said?.code === 'day-unplanned')).toEqual([]);
    await day.runUntil(N('00:30'));
  }, 240_000);

  afterAll(async () => made?.close());

  it('says so once, at the end of the day, with its cause', () => {
    const alerts = day.store.alerts().filter((a) => a.said?.code === 'day-unplanned');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.level).toBe('critical');
    expect(alerts[0]!.atMs).toBeGreaterThanOrEqual(N('00:00'));
    expect(alerts[0]!.atMs).toBeLessThan(N('00:01'));
    expect(alerts[0]!.text).toBe(`no plan for ${NEXT} after ${DATE}: the patrol is not flying (station.geojson: no patrol area)`);
    expect(alerts[0]!.said).toMatchObject({ code: 'day-unplanned', args: { date: NEXT, day: DATE }, why: [{ code: 'text', args: { text: 'station.geojson: no patrol area' } }] });
    expect(day.patrol.days?.flying()).toBe(false);
    expect(day.runner.date).toBe(DATE);
    // Tried again every 5 minutes, not at every look.
    expect(tries).toBeGreaterThan(1);
    expect(tries).toBeLessThan(20);
  });
});
