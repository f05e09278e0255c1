import { describe, expect, it } from 'vitest';
import type { FlightSummary } from '../../common/api/contract.js';
import type { VehicleSnapshot } from '../vehicle/vehicle-state.js';
import { actualMessage, sortieOutcome, stationDay } from './actual.js';
import { evaluateGates } from './gates.js';
import { newSortie, type Sortie } from './sortie.js';

const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00+08:00`);
const base = newSortie({ id: 'P010', kind: 'patrol', post: 'patrol', droneId: 'JH-02', sysid: 12, plan: 'p', launchMs: T('02:58'), onMs: T('02:59'), offMs: T('03:20'), landMs: T('03:21'), needPct: 40 });
const flown = (on: string, off: string, patch: Partial<Sortie> = {}): Sortie => ({ ...base, state: 'done', launchedAtMs: T(on) - 60_000, onStationAtMs: T(on), offStationAtMs: T(off), landedAtMs: T(off) + 60_000, ...patch });

describe('what a sortie came to', () => {
  it('flown as planned, late, cut short', () => {
    expect(sortieOutcome(flown('02:59', '03:20'))).toBe('flown');
    expect(sortieOutcome(flown('03:06', '03:20'))).toBe('late');
    expect(sortieOutcome(flown('02:59', '03:10', { reason: 'battery 28 %' }))).toBe('cut-short');
    expect(sortieOutcome({ ...flown('02:59', '03:20'), onStationAtMs: null, offStationAtMs: null })).toBe('cut-short');
  });
  it('planned, preparing, flying, missed, reassigned, failed', () => {
    expect(sortieOutcome(base)).toBe('planned');
    expect(sortieOutcome({ ...base, state: 'held', reason: 'warming up' })).toBe('preparing');
    expect(sortieOutcome({ ...base, state: 'on_patrol', launchedAtMs: T('02:58') })).toBe('flying');
    expect(sortieOutcome({ ...base, state: 'missed', reason: 'station not running' })).toBe('missed');
    expect(sortieOutcome({ ...base, state: 'reassigned' })).toBe('reassigned');
    expect(sortieOutcome({ ...base, state: 'failed' })).toBe('failed');
  });
});

describe('the day sent to the console', () => {
  const f = (id: string, start: string, end: string): FlightSummary => ({ id, drone: 'JH-01', sysid: 11, tlog: 'x.tlog', startMs: T(start), endMs: T(end), truncated: false, maxAltRelM: 60, distanceM: 1, minBatteryPct: 50, video: [] });
  it("keeps the station day's flights, oldest first, and says whether a runner runs", () => {
    const day = stationDay(T('10:00'), 'Asia/Shanghai');
    expect(day.date).toBe('2026-11-24');
    expect([day.startMs, day.endMs]).toEqual([T('00:00'), T('00:00') + 86_400_000]);
    const yesterday = { ...f('y~1', '00:00', '00:10'), startMs: T('00:00') - 3_600_000 };
    const m = actualMessage({ sorties: null, flights: [f('b~1', '09:00', '09:10'), f('a~1', '08:00', '08:10'), yesterday], day });
    expect(m.runner).toBe(false);
    expect(m.flights.map((x) => x.id)).toEqual(['a~1', 'b~1']);
    const r = actualMessage({ sorties: [flown('02:59', '03:20')], flights: [], day });
    expect(r.runner).toBe(true);
    expect(r.sorties[0]).toMatchObject({ id: 'P010', drone: 'JH-02', outcome: 'flown', planned: { onMs: T('02:59') } });
  });
});

describe('gates during a warm-up', () => {
  const snap = (fix: number, pct: number | null, prearm?: string): VehicleSnapshot =>
    ({ lastHeartbeatMs: T('03:00'), gps: { fixType: fix, satellites: fix >= 3 ? 12 : 0 }, battery: pct === null ? null : { remainingPct: pct }, armingMessages: prearm ? [{ atMs: T('03:00'), text: prearm }] : [], armed: false }) as unknown as VehicleSnapshot;
  const g = (s: VehicleSnapshot, warmingUntilMs?: number) =>
    evaluateGates({ nowMs: T('03:00'), snap: s, lost: false, needPct: 40, reservePct: 25, maintenance: false, missionVerified: false, busyWith: null, ...(warmingUntilMs !== undefined ? { warmingUntilMs } : {}) });
  it('waits for a fix and a position estimate while the drone warms up, and only then calls it unfit', () => {
    expect(g(snap(1, null, 'PreArm: GPS 1: Bad fix'), T('03:01')).warming).toBe(true);
    expect(g(snap(1, null, 'PreArm: GPS 1: Bad fix'), T('02:59')).warming).toBeUndefined();
    expect(g(snap(1, null)).warming).toBeUndefined();
  });
  it('does not wait out what a warm-up does not cure', () => {
    expect(g(snap(1, 30), T('03:01')).warming).toBeUndefined();
    expect(g(snap(3, 90, 'PreArm: RC not calibrated'), T('03:01')).warming).toBeUndefined();
    expect(g(snap(3, 90), T('03:01'))).toMatchObject({ okButMission: true, failing: ['mission not verified on the drone'] });
  });
});
