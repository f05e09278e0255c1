/**
 * The daily report from what the runner recorded: sorties planned and flown, patrol minutes required (the
 * union of the planned patrol sorties' [on_station, off_station) within the day) and covered (the union of
 * the flown patrol sorties' time on station, less the time a patrol drone was diverted to a "go and look here"
 * request: from the request's assignment until its patrol resumed), gaps with their cause, school windows (each school's planned
 * relay, merged) and whether each was covered, faults (warning and critical alerts), dispatches, and per
 * drone: sorties, flight minutes, battery cycles. `reportHtml` renders it as a printable page.
 */
import { isoLocal, localMidnightUtcMs } from '../../missions/plan/timezone.js';
import type { DayInput } from './day.js';
import type { DispatchRecord } from './dispatch.js';
import type { Sortie } from './sortie.js';
import { english } from './said.js';
import type { AlertRow } from './store.js';

type Iv = [number, number];

export function union(ivs: Iv[]): Iv[] {
  const s = ivs.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Iv[] = [];
  for (const [a, b] of s) {
    const last = out.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
export function subtract(from: Iv[], minus: Iv[]): Iv[] {
  const out: Iv[] = [];
  for (const [a0, b] of from) {
    let a = a0;
    for (const [c, d] of minus) {
      if (d <= a || c >= b) continue;
      if (c > a) out.push([a, c]);
      a = Math.max(a, d);
    }
    if (a < b) out.push([a, b]);
  }
  return out;
}
const total = (ivs: Iv[]) => ivs.reduce((t, [a, b]) => t + (b - a), 0);
const clip = (ivs: Iv[], lo: number, hi: number): Iv[] => ivs.map(([a, b]) => [Math.max(a, lo), Math.min(b, hi)] as Iv).filter(([a, b]) => b > a);

export interface ReportGap { kind: 'patrol' | 'school'; target: string; from: string; to: string; minutes: number; cause: string }
export interface ReportDrone { id: string; sysid: number; sorties: number; flight_minutes: number; battery_cycles: number }
export interface DailyReport {
  station: string;
  date: string;
  generated_at: string;
  sorties_planned: number;
  sorties_flown: number;
  sorties_reassigned: number;
  /** Never flown: the station was not running in time (a runner started in the middle of the day). */
  sorties_missed: number;
  patrol_minutes_required: number;
  patrol_minutes_covered: number;
  school_windows_total: number;
  school_windows_covered: number;
  school_windows: { target: string; from: string; to: string; covered: boolean; uncovered_minutes: number }[];
  gaps: ReportGap[];
  faults: { at: string; drone: number | null; sortie: string | null; level: string; text: string }[];
  dispatches: { id: string; drone: string | null; source: string | null; state: string; requested: string; arrived: string | null; left: string | null; reason: string | null; notes: string[] }[];
  drones: ReportDrone[];
  sorties: { id: string; drone: string; kind: string; state: string; reason: string | null; replaces: string | null; launched: string | null; on_station: string | null; off_station: string | null; landed: string | null }[];
}

/** Time on station of a flown sortie (still on station: up to `nowMs`). */
export function onStation(s: Sortie, nowMs: number): Iv | null {
  if (s.onStationAtMs === null) return null;
  return [s.onStationAtMs, s.offStationAtMs ?? s.landedAtMs ?? nowMs];
}

export function buildReport(day: DayInput, sorties: Sortie[], alerts: AlertRow[], dispatches: DispatchRecord[], nowMs: number, battery?: Map<number, number>): DailyReport {
  const tz = day.schedule.timezone;
  const iso = (ms: number | null) => (ms === null ? null : isoLocal(ms, tz));
  const d0 = localMidnightUtcMs(day.schedule.date, tz);
  const d1 = d0 + 86_400_000;
  const planned = day.sorties;
  const req = clip(union(planned.filter((p) => p.s.kind === 'patrol').map((p) => [p.onMs, p.offMs] as Iv)), d0, d1);
  const flownOf = (pred: (s: Sortie) => boolean) => union(sorties.filter(pred).map((s) => onStation(s, nowMs)).filter((x): x is Iv => x !== null));
  // A patrol drone sent to a "go and look here" request is off its route until its patrol resumes.
  const diverted = (sortie: string): Iv[] =>
    dispatches.filter((r) => r.source === 'patrol' && r.sortie === sortie && typeof r.assignedAtMs === 'number').map((r) => [r.assignedAtMs!, r.endedAtMs ?? r.leftAtMs ?? nowMs] as Iv);
  const cov = union(
    sorties
      .filter((s) => s.kind === 'patrol')
      .flatMap((s) => {
        const on = onStation(s, nowMs);
        return on ? subtract([on], union(diverted(s.id))) : [];
      }),
  );
  const causeFor = (post: string, [a, b]: Iv): string => {
    const culprits = sorties.filter((s) => s.post === post && s.onMs < b && s.offMs > a && (s.state === 'reassigned' || s.state === 'failed' || s.reason));
    const c = culprits.map((s) => `${s.id} (${s.droneId}): ${s.reason ?? s.state}`);
    if (post === 'patrol') {
      for (const r of dispatches) {
        if (r.source !== 'patrol' || typeof r.assignedAtMs !== 'number') continue;
        const [x, y] = [r.assignedAtMs, r.endedAtMs ?? r.leftAtMs ?? nowMs];
        if (x < b && y > a) c.push(`${r.sortie} (${r.droneId}) diverted to ${r.id}`);
      }
    }
    return c.length ? c.join('; ') : 'relief late or slot not flown';
  };
  const gaps: ReportGap[] = [];
  for (const g of subtract(req, cov)) if (g[1] - g[0] >= 1000) gaps.push({ kind: 'patrol', target: 'patrol', from: iso(g[0])!, to: iso(g[1])!, minutes: Math.round((g[1] - g[0]) / 600) / 100, cause: causeFor('patrol', g) });
  const windows: DailyReport['school_windows'] = [];
  const posts = [...new Set(planned.filter((p) => p.s.kind === 'school').map((p) => p.s.targets[0] ?? p.s.id))];
  for (const post of posts) {
    const w = union(planned.filter((p) => p.s.kind === 'school' && (p.s.targets[0] ?? p.s.id) === post).map((p) => [p.onMs, p.offMs] as Iv));
    const c = flownOf((s) => s.kind === 'school' && s.post === post);
    for (const win of w) {
      const miss = subtract([win], c).filter(([a, b]) => b - a >= 1000);
      windows.push({ target: post, from: iso(win[0])!, to: iso(win[1])!, covered: miss.length === 0, uncovered_minutes: Math.round(total(miss) / 600) / 100 });
      for (const g of miss) gaps.push({ kind: 'school', target: post, from: iso(g[0])!, to: iso(g[1])!, minutes: Math.round((g[1] - g[0]) / 600) / 100, cause: causeFor(post, g) });
    }
  }
  const drones: ReportDrone[] = day.fleet.drones.map((fd) => {
    const mine = sorties.filter((s) => s.sysid === fd.sysid && s.launchedAtMs !== null);
    const flightMs = mine.reduce((t, s) => t + ((s.landedAtMs ?? nowMs) - s.launchedAtMs!), 0);
    const cycles = battery?.get(fd.sysid) ?? mine.reduce((t, s) => t + s.needPct / 100, 0);
    return { id: fd.id, sysid: fd.sysid, sorties: mine.length, flight_minutes: Math.round(flightMs / 600) / 100, battery_cycles: Math.round(cycles * 100) / 100 };
  });
  return {
    station: day.schedule.station,
    date: day.schedule.date,
    generated_at: isoLocal(nowMs, tz),
    sorties_planned: planned.length,
    sorties_flown: sorties.filter((s) => s.launchedAtMs !== null).length,
    sorties_reassigned: sorties.filter((s) => s.state === 'reassigned').length,
    sorties_missed: sorties.filter((s) => s.state === 'missed').length,
    patrol_minutes_required: Math.round(total(req) / 600) / 100,
    patrol_minutes_covered: Math.round((total(req) - total(subtract(req, cov))) / 600) / 100,
    school_windows_total: windows.length,
    school_windows_covered: windows.filter((w) => w.covered).length,
    school_windows: windows,
    gaps,
    faults: alerts.filter((a) => a.level !== 'info').map((a) => ({ at: iso(a.atMs)!, drone: a.sysid, sortie: a.sortie, level: a.level, text: a.text })),
    dispatches: dispatches.map((r) => ({ id: r.id, drone: r.droneId, source: r.source, state: r.state, requested: iso(r.requestedAtMs)!, arrived: iso(r.arrivedAtMs), left: iso(r.leftAtMs), reason: r.reason, notes: (r.notes ?? []).map(english) })),
    drones,
    sorties: sorties.map((s) => ({ id: s.id, drone: s.droneId, kind: s.kind, state: s.state, reason: s.reason, replaces: s.replaces, launched: iso(s.launchedAtMs), on_station: iso(s.onStationAtMs), off_station: iso(s.offStationAtMs), landed: iso(s.landedAtMs) })),
  };
}

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const table = (head: string[], rows: unknown[][]) =>
  `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;

export function reportHtml(r: DailyReport): string {
  const pct = r.patrol_minutes_required ? ((100 * r.patrol_minutes_covered) / r.patrol_minutes_required).toFixed(2) : '100';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>空巡 巡逻日报 ${esc(r.station)} ${esc(r.date)}</title>
<style>body{font:13px system-ui,sans-serif;margin:24px;color:#111}h1{font-size:20px}h2{font-size:15px;margin-top:20px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #bbb;padding:3px 6px;text-align:left}th{background:#eee}
.k{display:inline-block;margin-right:24px}@media print{body{margin:8mm}h2{break-after:avoid}}</style></head><body>
<h1>巡逻日报 Daily patrol report — ${esc(r.station)} ${esc(r.date)}</h1>
<p><span class="k">计划架次 Sorties planned: <b>${r.sorties_planned}</b></span><span class="k">实飞 Flown: <b>${r.sorties_flown}</b></span>
<span class="k">改派 Reassigned: <b>${r.sorties_reassigned}</b></span><span class="k">错过 Missed: <b>${r.sorties_missed}</b></span></p>
<p><span class="k">巡逻覆盖 Patrol minutes: <b>${r.patrol_minutes_covered}</b> / ${r.patrol_minutes_required} (${pct} %)</span>
<span class="k">护学岗 School windows covered: <b>${r.school_windows_covered}</b> / ${r.school_windows_total}</span></p>
<h2>空档 Gaps</h2>${r.gaps.length ? table(['kind', 'target', 'from', 'to', 'min', 'cause'], r.gaps.map((g) => [g.kind, g.target, g.from, g.to, g.minutes, g.cause])) : '<p>无 None</p>'}
<h2>护学岗 School windows</h2>${table(['school', 'from', 'to', 'covered', 'uncovered min'], r.school_windows.map((w) => [w.target, w.from, w.to, w.covered ? '✓' : '✗', w.uncovered_minutes]))}
<h2>故障 Faults</h2>${r.faults.length ? table(['at', 'drone', 'sortie', 'level', 'text'], r.faults.map((f) => [f.at, f.drone, f.sortie, f.level, f.text])) : '<p>无 None</p>'}
<h2>核查派遣 Dispatches</h2>${r.dispatches.length ? table(['id', 'drone', 'from', 'state', 'requested', 'arrived', 'left', 'why'], r.dispatches.map((d) => [d.id, d.drone, d.source, d.state, d.requested, d.arrived, d.left, [d.reason, ...d.notes].filter(Boolean).join('; ') || null])) : '<p>无 None</p>'}
<h2>无人机 Drones</h2>${table(['drone', 'sysid', 'sorties', 'flight min', 'battery cycles'], r.drones.map((d) => [d.id, d.sysid, d.sorties, d.flight_minutes, d.battery_cycles]))}
<h2>架次 Sorties</h2>${table(['id', 'drone', 'kind', 'state', 'launched', 'on station', 'off station', 'landed', 'reason'], r.sorties.map((s) => [s.id, s.drone, s.kind, s.state, s.launched?.slice(11, 19), s.on_station?.slice(11, 19), s.off_station?.slice(11, 19), s.landed?.slice(11, 19), s.reason ?? (s.replaces ? `replaces ${s.replaces}` : '')]))}
</body></html>
`;
}
