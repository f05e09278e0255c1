/** The day plan seen from the console: which sortie a drone flies now, its progress, and its state. */
import type { PlanMessage, ScheduleSortieView, StationEvent } from '../../station/api/contract.js';

export type SortieState = 'done' | 'active' | 'planned' | 'fault';

export const ms = (iso: string): number => Date.parse(iso);

/** The sortie a drone flies at `nowMs` (launch ≤ now < land), if any. */
export function currentSortie(plan: PlanMessage | null, drone: string, nowMs: number): ScheduleSortieView | undefined {
  return plan?.schedule.sorties.find((s) => s.drone === drone && ms(s.launch) <= nowMs && nowMs < ms(s.land));
}

/** Fraction of the sortie's job done at `nowMs`: 0 before on-station, 1 after off-station. */
export function sortieProgress(s: ScheduleSortieView, nowMs: number): number {
  const a = ms(s.on_station);
  const b = ms(s.off_station);
  return b > a ? Math.min(1, Math.max(0, (nowMs - a) / (b - a))) : 0;
}

/** State of a sortie at `nowMs`; alerts of its drone during the sortie mark it as a fault. */
export function sortieState(s: ScheduleSortieView, nowMs: number, faults: readonly StationEvent[], sysidOf: (drone: string) => number | undefined): SortieState {
  const a = ms(s.launch);
  const b = ms(s.land);
  const sysid = sysidOf(s.drone);
  if (faults.some((e) => e.severity === 'alert' && e.sysid === sysid && e.atMs >= a && e.atMs < Math.min(b, nowMs))) return 'fault';
  return nowMs >= b ? 'done' : nowMs >= a ? 'active' : 'planned';
}

/** Start of the plan's day (00:00 station time) in ms, from the offset its times carry. */
export function dayStartMs(plan: PlanMessage): number {
  const sample = plan.schedule.sorties[0]?.launch ?? '';
  const off = /([+-]\d\d:\d\d|Z)$/.exec(sample)?.[1] ?? '+08:00';
  return Date.parse(`${plan.schedule.date}T00:00:00${off}`);
}
