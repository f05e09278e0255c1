import { describe, expect, it } from 'vitest';
import type { PlanMessage, ScheduleSortieView } from '../../station/api/contract.js';
import { currentSortie, dayStartMs, sortieProgress, sortieState } from './sortie.js';

const s = (id: string, drone: string, launch: string, on: string, off: string, land: string): ScheduleSortieView => ({
  id, kind: 'patrol', drone, dock: 'd', launch, on_station: on, off_station: off, land, plan: '', targets: [],
});
const plan: PlanMessage = {
  type: 'plan',
  routes: [],
  schedule: {
    station: 'x', date: '2026-11-24', timezone: 'Asia/Shanghai', fleet_lower_bound: 1, gaps: [],
    sorties: [s('P1', 'A', '2026-11-24T08:00:00+08:00', '2026-11-24T08:02:00+08:00', '2026-11-24T08:22:00+08:00', '2026-11-24T08:24:00+08:00')],
  },
};
const at = (iso: string) => Date.parse(iso);

describe('sortie view', () => {
  it('finds the current sortie and its progress', () => {
    expect(currentSortie(plan, 'A', at('2026-11-24T08:12:00+08:00'))?.id).toBe('P1');
    expect(currentSortie(plan, 'A', at('2026-11-24T08:30:00+08:00'))).toBeUndefined();
    expect(currentSortie(plan, 'B', at('2026-11-24T08:12:00+08:00'))).toBeUndefined();
    expect(sortieProgress(plan.schedule.sorties[0]!, at('2026-11-24T08:12:00+08:00'))).toBeCloseTo(0.5);
  });
  it('says done / active / planned, and fault when its drone raised an alert during it', () => {
    const p = plan.schedule.sorties[0]!;
    const sysid = () => 11;
    expect(sortieState(p, at('2026-11-24T07:00:00+08:00'), [], sysid)).toBe('planned');
    expect(sortieState(p, at('2026-11-24T08:10:00+08:00'), [], sysid)).toBe('active');
    expect(sortieState(p, at('2026-11-24T09:00:00+08:00'), [], sysid)).toBe('done');
    const alert = { atMs: at('2026-11-24T08:05:00+08:00'), sysid: 11, kind: 'vehicle-lost', severity: 'alert' as const, text: '' };
    expect(sortieState(p, at('2026-11-24T09:00:00+08:00'), [alert], sysid)).toBe('fault');
  });
  it('starts the day at local midnight of the plan', () => {
    expect(new Date(dayStartMs(plan)).toISOString()).toBe('2026-11-23T16:00:00.000Z');
  });
});
