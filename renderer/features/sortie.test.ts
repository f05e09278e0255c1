import { describe, expect, it } from 'vitest';
import type { ActualMessage, PlanMessage, ScheduleSortieView, SortieRecordView, VehicleView } from '../../common/api/contract.js';
import { dayCounts, dayStartMs, droneSortie, flownBars, plannedState, stationTime } from './sortie.js';

const at = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00+08:00`);
const iso = (hhmm: string) => `2026-11-24T${hhmm}:00+08:00`;
const s = (id: string, drone: string, launch: string, on: string, off: string, land: string): ScheduleSortieView => ({
  id, kind: 'patrol', drone, dock: 'd', launch: iso(launch), on_station: iso(on), off_station: iso(off), land: iso(land), plan: '', targets: [],
});
const plan: PlanMessage = {
  type: 'plan',
  routes: [],
  schedule: {
    station: 'x', date: '2026-11-24', timezone: 'Asia/Shanghai', fleet_lower_bound: 1, gaps: [],
    sorties: [s('P1', 'A', '08:00', '08:02', '08:22', '08:24'), s('P2', 'B', '08:20', '08:22', '08:42', '08:44'), s('P3', 'A', '08:40', '08:42', '09:02', '09:04')],
  },
};
const rec = (id: string, drone: string, sysid: number, outcome: SortieRecordView['outcome'], t: Partial<Record<'launch' | 'on' | 'off' | 'land', string>>, extra: Partial<SortieRecordView> = {}): SortieRecordView => ({
  id, kind: 'patrol', drone, sysid, state: outcome === 'flying' ? 'on_patrol' : outcome === 'missed' ? 'missed' : 'done', outcome, reason: null, replaces: null,
  planned: { launchMs: at('08:00'), onMs: at('08:02'), offMs: at('08:22'), landMs: at('08:24') },
  launchedAtMs: t.launch ? at(t.launch) : null, onStationAtMs: t.on ? at(t.on) : null, offStationAtMs: t.off ? at(t.off) : null, landedAtMs: t.land ? at(t.land) : null,
  ...extra,
});
const vehicle = (id: string, sysid: number, armed: boolean, sortie?: string | null): VehicleView =>
  ({ id, sysid, armed, ...(sortie !== undefined ? { patrol: { sortie, takenOver: false, maintenance: false } } : {}) }) as VehicleView;

describe('the day from what happened', () => {
  it('labels every planned sortie as not executed when no runner runs, whatever the time', () => {
    const none: ActualMessage = { type: 'actual', runner: false, sorties: [], flights: [] };
    expect(plan.schedule.sorties.map((x) => plannedState(x, none))).toEqual(['unexecuted', 'unexecuted', 'unexecuted']);
    expect(plannedState(plan.schedule.sorties[0]!, null)).toBe('unexecuted');
  });

  it('counts nothing flown when nothing flew, long after the plan says sorties landed', () => {
    const none: ActualMessage = { type: 'actual', runner: false, sorties: [], flights: [] };
    expect(dayCounts(none, [], at('23:00'), dayStartMs(plan))).toEqual({ flown: 0, minutes: 0, missed: 0 });
    expect(dayCounts(null, [], at('23:00'), null)).toEqual({ flown: 0, minutes: 0, missed: 0 });
  });

  it('without a runner counts the flights of the tlogs: ended ones as flown, minutes while any drone was up', () => {
    const a: ActualMessage = {
      type: 'actual', runner: false, sorties: [],
      flights: [
        { id: 'f~1', drone: 'A', sysid: 1, startMs: at('09:00'), endMs: at('09:10'), truncated: false },
        { id: 'g~1', drone: 'B', sysid: 2, startMs: at('09:05'), endMs: at('09:20'), truncated: false },
        { id: 'h~1', drone: 'C', sysid: 3, startMs: at('10:00'), endMs: at('10:01'), truncated: true },
      ],
    };
    // C's log ends in the air and C is still armed: flying, not flown; its minutes run to now.
    const c = dayCounts(a, [vehicle('C', 3, true)], at('10:05'), dayStartMs(plan));
    expect(c).toEqual({ flown: 2, minutes: 25, missed: 0 });
    expect(flownBars(a, [vehicle('C', 3, true)], at('10:05')).map((b) => [b.drone, b.outcome, (b.toMs - b.fromMs) / 60_000])).toEqual([
      ['A', 'manual', 10], ['B', 'manual', 15], ['C', 'manual', 5],
    ]);
  });

  it('with a runner: flown = sorties that took off and landed, minutes = union of time on station, missed counted', () => {
    const a: ActualMessage = {
      type: 'actual', runner: true, flights: [{ id: 'f~1', drone: 'A', sysid: 1, startMs: at('07:59'), endMs: at('08:25'), truncated: false }],
      sorties: [
        rec('P1', 'A', 1, 'flown', { launch: '07:59', on: '08:02', off: '08:22', land: '08:25' }),
        rec('P2', 'B', 2, 'cut-short', { launch: '08:19', on: '08:22', off: '08:30', land: '08:33' }),
        rec('P2-R1', 'C', 3, 'flying', { launch: '08:30', on: '08:33' }, { replaces: 'P2' }),
        rec('P3', 'A', 1, 'missed', {}, { reason: 'station not running' }),
      ],
    };
    expect(dayCounts(a, [], at('08:40'), dayStartMs(plan))).toEqual({ flown: 2, minutes: 20 + 8 + 7, missed: 1 });
    expect(plannedState(plan.schedule.sorties[1]!, a)).toBe('cut-short');
    expect(plannedState(plan.schedule.sorties[2]!, a)).toBe('missed');
    // The tlog flight inside P1 is P1: one bar, not two.
    expect(flownBars(a, [], at('08:40')).map((b) => `${b.key}:${b.outcome}`)).toEqual(['P1:flown', 'P2:cut-short', 'P2-R1:flying']);
  });

  it("gives a drone card the runner's sortie for that drone, never the plan's", () => {
    const a: ActualMessage = { type: 'actual', runner: true, flights: [], sorties: [rec('P1', 'A', 1, 'flying', { launch: '07:59', on: '08:02' })] };
    expect(droneSortie(a, vehicle('A', 1, true, 'P1'), at('08:12'))).toEqual({ id: 'P1', outcome: 'flying', progress: 0.5 });
    // The plan has B on P2 at 08:30, but the runner has nothing for B.
    expect(droneSortie(a, vehicle('B', 2, false, null), at('08:30'))).toBeUndefined();
    // No runner: no current sortie at all.
    expect(droneSortie({ type: 'actual', runner: false, sorties: [], flights: [] }, vehicle('A', 1, false), at('08:12'))).toBeUndefined();
  });

  it("shows times in the station's zone and starts the day at its midnight", () => {
    expect(stationTime(Date.parse('2026-11-24T13:51:56Z'), 'Asia/Shanghai')).toBe('21:51:56');
    expect(stationTime(Date.parse('2026-11-24T13:51:56Z'), 'Asia/Shanghai', true)).toBe('21:51');
    expect(new Date(dayStartMs(plan)).toISOString()).toBe('2026-11-23T16:00:00.000Z');
  });
});
