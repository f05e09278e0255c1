/**
 * The day timeline: per drone, the planned sorties as thin outlined bars (labelled 未执行 when no patrol runner
 * executes the plan; else with what the runner made of each: late, missed, cut short, reassigned) and beneath
 * them what was flown (the runner's sorties from take-off to landing, and flights outside the patrol found in
 * the tlogs); the school windows, the plan's gaps, alerts as fault marks, and a now-line moved by a timer (no
 * React render per tick). Times are the station's.
 */
import { useEffect, useMemo, useRef } from 'react';
import type { ScheduleSortieView } from '../../common/api/contract.js';
import { dayCounts, dayStartMs, flownBars, onStation, plannedId, ms, plannedState, stationTime, type FlownBar } from '../features/sortie.js';
import { useSel, useT, wordEvent } from './context.js';

const W = 1400;
const LABEL = 110;
const ROW = 30;
const DAY = 86_400_000;

function hhmm(iso: string): string {
  return /T(\d\d:\d\d)/.exec(iso)?.[1] ?? iso;
}

export function Timeline() {
  const t = useT();
  const plan = useSel((s) => s.plan);
  const geography = useSel((s) => s.geography) as { features?: { properties?: Record<string, unknown> }[] } | null;
  const vehicles = useSel((s) => s.vehicles);
  const events = useSel((s) => s.events);
  const actual = useSel((s) => s.actual);
  const tz = useSel((s) => s.timezone);
  const tick = useSel((s) => Math.floor(s.atMs / 10_000));
  const nowLine = useRef<SVGGElement>(null);
  const atMs = useSel((s) => s.atMs);
  const atRef = useRef(atMs);
  atRef.current = atMs;

  const day0 = plan ? dayStartMs(plan) : 0;
  const x = (tMs: number) => LABEL + ((tMs - day0) / DAY) * (W - LABEL - 10);

  const schools = useMemo(
    () => (geography?.features ?? []).filter((f) => f.properties?.kind === 'school').map((f) => ({ id: String(f.properties?.id), name: String(f.properties?.name ?? f.properties?.id), windows: (f.properties?.windows as string[] | undefined) ?? [] })),
    [geography],
  );
  const now0 = atMs || Date.now();
  const flown = flownBars(actual, vehicles, now0);
  const droneKey = [...(plan?.schedule.sorties.map((s) => s.drone) ?? []), ...flown.map((b) => b.drone)].join(',');
  const drones = useMemo(() => [...new Set(droneKey.split(',').filter(Boolean))].sort(), [droneKey]);

  useEffect(() => {
    const id = setInterval(() => {
      const g = nowLine.current;
      if (g && plan) g.setAttribute('transform', `translate(${x(atRef.current || Date.now())},0)`);
    }, 1000);
    return () => clearInterval(id);
  });

  if (!plan) return <main className="timeline-view"><p className="muted" data-testid="no-plan">{t('noPlan')}</p></main>;
  const now = now0;
  const faults = events.filter((e) => e.severity === 'alert');
  const rows: { key: string; label: string; cls: string }[] = [
    ...schools.map((s) => ({ key: `school:${s.id}`, label: s.name.split(' ')[0] ?? s.id, cls: 'school-row' })),
    { key: 'gaps', label: t('gaps'), cls: 'gap-row' },
    ...drones.map((d) => ({ key: `drone:${d}`, label: d, cls: 'drone-row' })),
  ];
  const rowY = (key: string) => 30 + rows.findIndex((r) => r.key === key) * ROW;
  const H = 30 + rows.length * ROW + 10;
  const counts = { patrol: plan.schedule.sorties.filter((s) => s.kind === 'patrol').length, school: plan.schedule.sorties.filter((s) => s.kind === 'school').length };
  const unexecuted = !actual?.runner;
  const records = new Map((actual?.sorties ?? []).map((r) => [r.id, r] as const));
  // The planned bar: thin and outlined, in the upper half of its drone's row.
  const bar = (s: ScheduleSortieView) => {
    const state = plannedState(s, actual);
    const r = records.get(s.id);
    const y = rowY(`drone:${s.drone}`);
    const x0 = x(ms(s.launch));
    const x1 = x(ms(s.land));
    const why = r?.reason ? `\n${r.reason}` : '';
    return (
      <g key={s.id} className={`sortie plan ${s.kind} ${state}`} data-testid={`sortie-${s.id}`} data-state={state}>
        <title>{`${s.id} · ${t(`kind.${s.kind}`)} · ${t('planBar')} ${hhmm(s.launch)}–${hhmm(s.land)} · ${t(`outcome.${state}`)}${why}\n${s.dock} · ${s.targets.join(', ')}`}</title>
        <rect x={x0} y={y + 3} width={Math.max(1.5, x1 - x0)} height={ROW / 2 - 5} rx={2} />
      </g>
    );
  };
  // What was flown: solid, beneath the plan.
  const flownBar = (b: FlownBar) => {
    const y = rowY(`drone:${b.drone}`);
    if (y < 30) return null;
    const x0 = x(b.fromMs);
    const x1 = x(b.toMs);
    const label = b.sortie ? `${b.sortie}${b.replaces ? ` · ${t('replacesSortie', { sortie: b.replaces })}` : ''}` : t('outcome.manual');
    return (
      <g key={`f-${b.key}`} className={`flown ${b.outcome}`} data-testid={`flown-${b.key}`} data-outcome={b.outcome}>
        <title>{`${label} · ${t('flownBar')} ${stationTime(b.fromMs, tz, true)}–${stationTime(b.toMs, tz, true)} · ${t(`outcome.${b.outcome}`)}${b.reason ? `\n${b.reason}` : ''}`}</title>
        <rect x={x0} y={y + ROW / 2} width={Math.max(2, x1 - x0)} height={ROW / 2 - 3} rx={2} />
      </g>
    );
  };
  // Runner sorties whose slot moved to a drone the plan did not have for it (a reassignment) show only as flown.
  void tick;
  return (
    <main className="timeline-view" data-testid="timeline">
      <div className="timeline-head">
        <h2>{t('timeline')} · {plan.schedule.station} · {plan.schedule.date}</h2>
        <span>{t('sortiesPlanned')} <b data-testid="sortie-count">{plan.schedule.sorties.length}</b> ({t('kind.patrol')} {counts.patrol} · {t('kind.school')} {counts.school})</span>
        <span>{t('fleetLowerBound')} <b>{plan.schedule.fleet_lower_bound}</b></span>
        <span>{t('gaps')} <b data-testid="gap-count">{plan.schedule.gaps.length}</b></span>
        <span>{t('sortiesFlown')} <b data-testid="flown-count">{dayCounts(actual, vehicles, now, day0).flown}</b></span>
        {unexecuted && <span className="plan-badge" data-testid="plan-unexecuted">{t('planNotExecuted')}</span>}
        <span className="legend">
          <i className="lg plan" />{t('planBar')} <i className="lg flown" />{t('flownBar')} <i className="lg late" />{t('outcome.late')}
          <i className="lg cut-short" />{t('outcome.cut-short')} <i className="lg missed" />{t('outcome.missed')} <i className="lg reassigned" />{t('outcome.reassigned')}
          <i className="lg manual" />{t('outcome.manual')} <i className="lg fault" />{t('state.fault')} <i className="lg gap" />{t('gap')}
        </span>
      </div>
      <svg viewBox={`0 0 ${W} ${H}`} className="timeline" preserveAspectRatio="xMinYMin meet">
        {Array.from({ length: 25 }, (_, h) => (
          <g key={h} className="hour">
            <line x1={x(day0 + h * 3_600_000)} x2={x(day0 + h * 3_600_000)} y1={22} y2={H - 6} />
            <text x={x(day0 + h * 3_600_000)} y={16}>{String(h).padStart(2, '0')}</text>
          </g>
        ))}
        {rows.map((r) => (
          <g key={r.key} className={`row ${r.cls}`}>
            <rect x={0} y={rowY(r.key)} width={W} height={ROW} />
            <text x={8} y={rowY(r.key) + 17}>{r.label}</text>
          </g>
        ))}
        {schools.flatMap((s) =>
          s.windows.map((w) => {
            const [a, b] = w.split('-');
            const from = Date.parse(`${plan.schedule.date}T${a}:00${/([+-]\d\d:\d\d)$/.exec(plan.schedule.sorties[0]?.launch ?? '')?.[1] ?? '+08:00'}`);
            const to = from + (Date.parse(`1970-01-01T${b}:00Z`) - Date.parse(`1970-01-01T${a}:00Z`));
            return <rect key={`${s.id}-${w}`} className="window" x={x(from)} y={rowY(`school:${s.id}`) + 3} width={x(to) - x(from)} height={ROW - 6}><title>{`${s.name} ${w}`}</title></rect>;
          }),
        )}
        {/* A school's cover as flown: the runner's school sorties' time on station (none without a runner). */}
        {(actual?.sorties ?? []).filter((r) => r.kind === 'school').map((r) => {
          const target = plan.schedule.sorties.find((p) => p.id === plannedId(r.id))?.targets[0] ?? '';
          const y = rowY(`school:${target}`);
          const iv = onStation(r, now);
          return y < 30 || !iv ? null : <rect key={`cov-${r.id}`} className="school-cover" x={x(iv[0])} y={y + 9} width={Math.max(1.5, x(iv[1]) - x(iv[0]))} height={ROW - 18}><title>{`${r.id} ${r.drone} ${stationTime(iv[0], tz, true)}–${stationTime(iv[1], tz, true)}`}</title></rect>;
        })}
        {plan.schedule.gaps.map((g, i) => (
          <g key={`gap-${i}`} className="gap" data-testid="gap">
            <title>{`${t('gap')} ${g.target} ${hhmm(g.from)}–${hhmm(g.to)}: ${g.reason}`}</title>
            <rect x={x(ms(g.from))} y={rowY('gaps') + 3} width={Math.max(3, x(ms(g.to)) - x(ms(g.from)))} height={ROW - 6} />
            {rows.some((r) => r.key === `school:${g.target}`) && (
              <rect x={x(ms(g.from))} y={rowY(`school:${g.target}`) + 3} width={Math.max(3, x(ms(g.to)) - x(ms(g.from)))} height={ROW - 6} />
            )}
          </g>
        ))}
        {plan.schedule.sorties.map(bar)}
        {flown.map(flownBar)}
        {faults.filter((e) => e.atMs >= day0 && e.atMs < day0 + DAY).map((e, i) => {
          const d = vehicles.find((v) => v.sysid === e.sysid)?.id;
          if (!d || !drones.includes(d)) return null;
          const y = rowY(`drone:${d}`);
          const fx = x(e.atMs);
          return <path key={`f-${i}`} className="fault-mark" data-testid="fault" d={`M${fx},${y + 2} l5,9 l-10,0 z`}><title>{wordEvent(t, e)}</title></path>;
        })}
        <g ref={nowLine} className="now" transform={`translate(${x(now)},0)`} data-testid="now-line">
          <line x1={0} x2={0} y1={20} y2={H - 4} />
          <text x={3} y={28}>{t('now')}</text>
        </g>
      </svg>
    </main>
  );
}
