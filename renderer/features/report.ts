/**
 * The printable daily report (`?view=report`) from what the console holds: the plan, what the runner recorded
 * and the flights in the tlogs (`actual`), never the plan's clock. Pure: rows and totals; Report.tsx draws them.
 */
import type { ActualMessage, PlanMessage, SortieOutcome, VehicleView } from '../../common/api/contract.js';
import { dayCounts, dayStartMs, flownBars, plannedId } from './sortie.js';

export interface ReportSortieRow {
  id: string;
  drone: string;
  kind: string;
  plannedFromMs: number | null;
  plannedToMs: number | null;
  flownFromMs: number | null;
  flownToMs: number | null;
  outcome: SortieOutcome | 'unexecuted' | 'manual';
  reason: string | null;
}

export interface ReportModel {
  flown: number;
  missed: number;
  minutesCovered: number;
  minutesPlanned: number;
  sorties: ReportSortieRow[];
  /** Flights outside any sortie of the runner (a pilot's, or every flight without a runner). */
  otherFlights: { drone: string; fromMs: number; toMs: number }[];
}

const t = (iso: string) => Date.parse(iso);

/** Minutes of the union of intervals, rounded as people write them (to the minute). */
function unionMinutes(ivs: [number, number][]): number {
  const s = ivs.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of s) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return Math.round(total / 60_000);
}

export function reportModel(plan: PlanMessage | null, actual: ActualMessage | null, vehicles: readonly VehicleView[], nowMs: number): ReportModel {
  const c = dayCounts(actual, vehicles, nowMs, plan ? dayStartMs(plan) : null);
  const runner = actual?.runner ?? false;
  const records = runner ? actual!.sorties : [];
  const rows: ReportSortieRow[] = [];
  for (const s of plan?.schedule.sorties ?? []) {
    const own = records.find((r) => r.id === s.id);
    rows.push({
      id: s.id, drone: s.drone, kind: s.kind, plannedFromMs: t(s.launch), plannedToMs: t(s.land),
      flownFromMs: own?.launchedAtMs ?? null, flownToMs: own?.landedAtMs ?? null,
      outcome: runner ? (own?.outcome ?? 'planned') : 'unexecuted', reason: own?.reason ?? null,
    });
  }
  // Replacements and dispatches the runner added: under their planned sortie, or at the end.
  for (const r of records) {
    if (rows.some((x) => x.id === r.id)) continue;
    const row: ReportSortieRow = { id: r.id, drone: r.drone, kind: r.kind, plannedFromMs: r.planned.launchMs, plannedToMs: r.planned.landMs, flownFromMs: r.launchedAtMs, flownToMs: r.landedAtMs, outcome: r.outcome, reason: r.replaces ? `${r.replaces} → ${r.id}${r.reason ? `: ${r.reason}` : ''}` : r.reason };
    const at = rows.findIndex((x) => x.id === plannedId(r.id));
    if (at >= 0) rows.splice(at + 1, 0, row);
    else rows.push(row);
  }
  const otherFlights = flownBars(actual, vehicles, nowMs).filter((b) => b.sortie === null).map((b) => ({ drone: b.drone, fromMs: b.fromMs, toMs: b.toMs }));
  const minutesPlanned = unionMinutes((plan?.schedule.sorties ?? []).filter((s) => s.kind === 'patrol').map((s) => [t(s.on_station), t(s.off_station)] as [number, number]));
  return { flown: c.flown, missed: c.missed, minutesCovered: c.minutes, minutesPlanned, sorties: rows, otherFlights };
}
