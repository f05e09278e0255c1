import { describe, expect, it } from 'vitest';
import type { ActualMessage, PlanMessage, ScheduleSortieView, SortieRecordView } from '../../common/api/contract.js';
import { reportModel } from './report.js';

const at = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00+08:00`);
const iso = (hhmm: string) => `2026-11-24T${hhmm}:00+08:00`;
const s = (id: string, drone: string, launch: string, on: string, off: string, land: string): ScheduleSortieView => ({
  id, kind: 'patrol', drone, dock: 'd', launch: iso(launch), on_station: iso(on), off_station: iso(off), land: iso(land), plan: '', targets: [],
});
const plan: PlanMessage = {
  type: 'plan', routes: [],
  schedule: { station: 'x', date: '2026-11-24', timezone: 'Asia/Shanghai', fleet_lower_bound: 1, gaps: [], sorties: [s('P1', 'A', '08:00', '08:02', '08:22', '08:24'), s('P2', 'B', '08:20', '08:22', '08:42', '08:44')] },
};
const rec = (id: string, drone: string, outcome: SortieRecordView['outcome'], launch: string | null, on: string | null, off: string | null, land: string | null, extra: Partial<SortieRecordView> = {}): SortieRecordView => ({
  id, kind: 'patrol', drone, sysid: 1, state: 'done', outcome, reason: null, replaces: null,
  planned: { launchMs: at('08:20'), onMs: at('08:22'), offMs: at('08:42'), landMs: at('08:44') },
  launchedAtMs: launch ? at(launch) : null, onStationAtMs: on ? at(on) : null, offStationAtMs: off ? at(off) : null, landedAtMs: land ? at(land) : null, ...extra,
});

describe('the daily report', () => {
  it('puts what flew beside the plan: a replacement under its sortie, minutes covered against planned', () => {
    const actual: ActualMessage = {
      type: 'actual', runner: true, flights: [{ id: 'f9', drone: 'C', sysid: 3, startMs: at('10:00'), endMs: at('10:12'), truncated: false }],
      sorties: [rec('P1', 'A', 'flown', '08:00', '08:03', '08:22', '08:24'), rec('P2', 'B', 'reassigned', null, null, null, null, { reason: 'gates failed' }), rec('P2-R1', 'A', 'late', '08:25', '08:27', '08:42', '08:45', { replaces: 'P2' })],
    };
    const m = reportModel(plan, actual, [], at('12:00'));
    expect(m.sorties.map((r) => [r.id, r.outcome])).toEqual([['P1', 'flown'], ['P2', 'reassigned'], ['P2-R1', 'late']]);
    expect(m.sorties[2]!.reason).toBe('P2 → P2-R1');
    expect(m.flown).toBe(2);
    expect(m.minutesCovered).toBe(34); // 08:03–08:22 and 08:27–08:42
    expect(m.minutesPlanned).toBe(40); // 08:02–08:42
    // A flight outside the runner's sorties (a pilot's) is listed apart.
    expect(m.otherFlights).toEqual([{ drone: 'C', fromMs: at('10:00'), toMs: at('10:12') }]);
  });

  it('without a runner: every planned sortie is not executed, only real flights count', () => {
    const m = reportModel(plan, { type: 'actual', runner: false, sorties: [], flights: [] }, [], at('12:00'));
    expect(m.sorties.map((r) => r.outcome)).toEqual(['unexecuted', 'unexecuted']);
    expect([m.flown, m.minutesCovered]).toEqual([0, 0]);
  });
});
