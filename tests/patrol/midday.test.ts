/**
 * A station started in the middle of the day (the runner's first start at 03:03 of the sample day, the
 * simulated drones cold): the sorties it can no longer fly are missed (station not running) — one event each,
 * one summary alert — the one whose slot still has time left waits out the drones' warm-up and flies late, and
 * the day's flights are recorded in DATA/tlogs as a real station's (the flight list and the replay show them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlightCatalog } from '../../station/replay/flights.js';
import type { SimDay } from '../../station/patrol/sim-day.js';
import type { AlertRow } from '../../station/patrol/store.js';
import { LATE_START_MS, sampleDayAt as T, sampleSimDay, type SampleDay } from './testkit.js';

let made: SampleDay | undefined;
let day: SimDay;
let startAlerts: AlertRow[];

beforeAll(async () => {
  made = await sampleSimDay({ startAtMs: LATE_START_MS, record: true });
  day = made.day;
  startAlerts = day.store.alerts();
  await day.runUntil(T('03:50'));
}, 240_000);

afterAll(async () => made?.close());

describe('a runner started in the middle of the day', () => {
  it('marks the sorties it could not fly as missed: one event each, one summary alert', () => {
    const missed = day.runner.list().filter((s) => s.state === 'missed');
    // P001 (23:58) … P009 (02:38–03:00) were over before the station ran.
    expect(missed.map((s) => s.id)).toEqual(['P001', 'P002', 'P003', 'P004', 'P005', 'P006', 'P007', 'P008', 'P009']);
    expect(missed.every((s) => s.reason === 'station not running' && s.launchedAtMs === null)).toBe(true);
    expect(day.store.events().filter((e) => e.kind === 'missed').map((e) => e.sortie)).toEqual(missed.map((s) => s.id));
    expect(startAlerts).toHaveLength(1);
    expect(startAlerts[0]!.text).toMatch(/^9 sorties missed \(station not running before 03:03\): P001 23:58 … P009 03:0\d$/);
  });

  it('waits out the warm-up and flies the sortie whose slot is still open, late; the next one on time', () => {
    const s = Object.fromEntries(day.runner.list().map((x) => [x.id, x]));
    expect(s.P010!.launchedAtMs).not.toBeNull();
    expect(s.P010!.onStationAtMs).toBeGreaterThan(s.P010!.onMs);
    expect(s.P010!.replaces).toBeNull();
    expect(s.P011!.launchedAtMs).not.toBeNull();
    // No drone was called unfit for warming up: no failed gate, no reassignment.
    const alerts = day.store.alerts().map((a) => a.text);
    expect(alerts.filter((t) => /gates failed|held|no ready drone/.test(t))).toEqual([]);
    expect(day.runner.list().some((x) => x.replaces)).toBe(false);
  });

  it("records the simulated day's flights in DATA/tlogs, on the day's time", async () => {
    const flights = await new FlightCatalog({ dataDir: day.dataDir, droneName: (sysid) => day.day.fleet.drones.find((d) => d.sysid === sysid)?.id ?? null }).list();
    const launched = day.runner.list().filter((x) => x.launchedAtMs !== null);
    expect(flights.length).toBeGreaterThanOrEqual(launched.length - 1);
    for (const x of launched.filter((l) => l.landedAtMs !== null)) {
      const f = flights.find((fl) => fl.drone === x.droneId && fl.startMs <= x.launchedAtMs! + 60_000 && fl.endMs >= x.landedAtMs! - 60_000);
      expect(f, x.id).toBeDefined();
    }
  });
});
