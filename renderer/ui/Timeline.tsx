/**
 * The day timeline: each drone's sorties of the day plan as bars (patrol, school post) coloured by state
 * (done, flying, planned, fault), the school windows, the plan's gaps, alerts as fault marks, and a now-line
 * moved by a timer (no React render per tick).
 */
import { useEffect, useMemo, useRef } from 'react';
import type { ScheduleSortieView } from '../../station/api/contract.js';
import { dayStartMs, ms, sortieState } from '../features/sortie.js';
import { useSel, useT } from './context.js';

const W = 1400;
const LABEL = 110;
const ROW = 26;
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
  const drones = useMemo(() => [...new Set(plan?.schedule.sorties.map((s) => s.drone) ?? [])].sort(), [plan]);

  useEffect(() => {
    const id = setInterval(() => {
      const g = nowLine.current;
      if (g && plan) g.setAttribute('transform', `translate(${x(atRef.current || Date.now())},0)`);
    }, 1000);
    return () => clearInterval(id);
  });

  if (!plan) return <main className="timeline-view"><p className="muted" data-testid="no-plan">{t('noPlan')}</p></main>;
  const now = atMs || Date.now();
  const sysidOf = (drone: string) => vehicles.find((v) => v.id === drone)?.sysid;
  const faults = events.filter((e) => e.severity === 'alert');
  const rows: { key: string; label: string; cls: string }[] = [
    ...schools.map((s) => ({ key: `school:${s.id}`, label: s.name.split(' ')[0] ?? s.id, cls: 'school-row' })),
    { key: 'gaps', label: t('gaps'), cls: 'gap-row' },
    ...drones.map((d) => ({ key: `drone:${d}`, label: d, cls: 'drone-row' })),
  ];
  const rowY = (key: string) => 30 + rows.findIndex((r) => r.key === key) * ROW;
  const H = 30 + rows.length * ROW + 10;
  const counts = { patrol: plan.schedule.sorties.filter((s) => s.kind === 'patrol').length, school: plan.schedule.sorties.filter((s) => s.kind === 'school').length };
  const bar = (s: ScheduleSortieView) => {
    const state = sortieState(s, now, faults, sysidOf);
    const y = rowY(`drone:${s.drone}`);
    const x0 = x(ms(s.launch));
    const x1 = x(ms(s.land));
    return (
      <g key={s.id} className={`sortie ${s.kind} ${state}`} data-testid={`sortie-${s.id}`} data-state={state}>
        <title>{`${s.id} · ${t(`kind.${s.kind}`)} · ${t(`state.${state}`)}\n${hhmm(s.launch)}–${hhmm(s.land)} · ${s.dock}\n${s.targets.join(', ')}`}</title>
        <rect x={x0} y={y + 4} width={Math.max(1.5, x1 - x0)} height={ROW - 8} rx={2} />
      </g>
    );
  };
  void tick;
  return (
    <main className="timeline-view" data-testid="timeline">
      <div className="timeline-head">
        <h2>{t('timeline')} · {plan.schedule.station} · {plan.schedule.date}</h2>
        <span>{t('sortiesPlanned')} <b data-testid="sortie-count">{plan.schedule.sorties.length}</b> ({t('kind.patrol')} {counts.patrol} · {t('kind.school')} {counts.school})</span>
        <span>{t('fleetLowerBound')} <b>{plan.schedule.fleet_lower_bound}</b></span>
        <span>{t('gaps')} <b data-testid="gap-count">{plan.schedule.gaps.length}</b></span>
        <span className="legend">
          <i className="lg patrol" />{t('kind.patrol')} <i className="lg school" />{t('kind.school')} <i className="lg done" />{t('state.done')}
          <i className="lg active" />{t('state.active')} <i className="lg fault" />{t('state.fault')} <i className="lg gap" />{t('gap')}
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
        {plan.schedule.sorties.filter((s) => s.kind === 'school').map((s) => {
          const y = rowY(`school:${s.targets[0] ?? ''}`);
          return y < 30 ? null : <rect key={`cov-${s.id}`} className="school-cover" x={x(ms(s.on_station))} y={y + 9} width={x(ms(s.off_station)) - x(ms(s.on_station))} height={ROW - 18} />;
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
        {faults.filter((e) => e.atMs >= day0 && e.atMs < day0 + DAY).map((e, i) => {
          const d = vehicles.find((v) => v.sysid === e.sysid)?.id;
          if (!d || !drones.includes(d)) return null;
          const y = rowY(`drone:${d}`);
          const fx = x(e.atMs);
          return <path key={`f-${i}`} className="fault-mark" data-testid="fault" d={`M${fx},${y + 2} l5,9 l-10,0 z`}><title>{e.text}</title></path>;
        })}
        <g ref={nowLine} className="now" transform={`translate(${x(now)},0)`} data-testid="now-line">
          <line x1={0} x2={0} y1={20} y2={H - 4} />
          <text x={3} y={28}>{t('now')}</text>
        </g>
      </svg>
    </main>
  );
}
