/**
 * The daily report as a page a station chief reads and prints (`?view=report`): the day's sorties planned and
 * flown, patrol minutes covered against planned, the flights outside the patrol, the alerts this console holds
 * and the "go and look here" dispatches, every time in the station's time zone (named once), in the console's
 * language. The print button is Chromium's print (A4, print CSS in styles.css): "Save as PDF" there is the PDF.
 */
import { reportModel, type ReportSortieRow } from '../features/report.js';
import { stationTime } from '../features/sortie.js';
import type { StringKey } from '../i18n.js';
import { utcOffset } from './Header.js';
import { dispatchCause, useSel, useT, wordEvent, wordSaid } from './context.js';

export function Report() {
  const t = useT();
  const tz = useSel((s) => s.timezone);
  const station = useSel((s) => s.station);
  const plan = useSel((s) => s.plan);
  const actual = useSel((s) => s.actual);
  const vehicles = useSel((s) => s.vehicles);
  const events = useSel((s) => s.events);
  const atMs = useSel((s) => s.atMs);
  const now = atMs || Date.now();
  const m = reportModel(plan, actual, vehicles, now);
  const hm = (ms: number | null) => (ms === null ? '—' : stationTime(ms, tz, true));
  const span = (a: number | null, b: number | null) => (a === null ? '—' : `${hm(a)}–${b === null ? '…' : hm(b)}`);
  const date = plan?.schedule.date ?? new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date(now));
  const alerts = events.filter((e) => e.severity === 'alert' || e.severity === 'warning');
  const dispatches = actual?.dispatches ?? [];
  const outcome = (r: ReportSortieRow) => t(`outcome.${r.outcome}` as StringKey);
  return (
    <main className="report" data-testid="report">
      <div className="report-tools no-print">
        <button data-testid="report-print" onClick={() => window.print()}>{t('reportPrint')}</button>
        <span className="muted">{t('reportPrintHint')}</span>
      </div>
      <h1>{t('reportTitle')}</h1>
      <p className="report-meta" data-testid="report-meta">
        {t('reportFor', { station, date, tz: `${tz} ${utcOffset(tz, now)}` })} · {t('reportGenerated', { time: stationTime(now, tz, true) })}
      </p>
      {!actual?.runner && <p className="report-note" data-testid="report-plan-only">{t('reportPlanOnly')}</p>}
      <h2>{t('reportSummary')}</h2>
      <table className="report-summary">
        <tbody>
          <tr><th>{t('sortiesFlown')}</th><td data-testid="r-flown">{m.flown}</td><th>{t('outcome.missed')}</th><td data-testid="r-missed">{m.missed}</td></tr>
          <tr><th>{t('minutesCovered')}</th><td data-testid="r-minutes">{t('reportMinutesOf', { covered: m.minutesCovered, planned: m.minutesPlanned })}</td><th>{t('dispatches')}</th><td>{dispatches.length}</td></tr>
        </tbody>
      </table>
      <h2>{t('reportSorties')}</h2>
      <table className="report-table" data-testid="report-sorties">
        <thead><tr><th>{t('colSortie')}</th><th>{t('colDrone')}</th><th>{t('colKind')}</th><th>{t('colPlanned')}</th><th>{t('colFlown')}</th><th>{t('colOutcome')}</th><th>{t('colReason')}</th></tr></thead>
        <tbody>
          {m.sorties.map((r) => (
            <tr key={r.id} data-testid={`r-sortie-${r.id}`} data-outcome={r.outcome} className={`oc-${r.outcome}`}>
              <td>{r.id}</td><td>{r.drone}</td><td>{t(`kind.${r.kind}` as StringKey)}</td><td>{span(r.plannedFromMs, r.plannedToMs)}</td><td>{span(r.flownFromMs, r.flownToMs)}</td><td>{outcome(r)}</td><td>{r.reason ?? ''}</td>
            </tr>
          ))}
          {m.sorties.length === 0 && <tr><td colSpan={7}>{t('reportNone')}</td></tr>}
        </tbody>
      </table>
      <h2>{t('reportFlights')}</h2>
      <table className="report-table" data-testid="report-flights">
        <thead><tr><th>{t('colDrone')}</th><th>{t('colFlown')}</th><th>{t('colMinutes')}</th></tr></thead>
        <tbody>
          {m.otherFlights.map((f, i) => <tr key={i}><td>{f.drone}</td><td>{span(f.fromMs, f.toMs)}</td><td>{Math.round((f.toMs - f.fromMs) / 60_000)}</td></tr>)}
          {m.otherFlights.length === 0 && <tr><td colSpan={3}>{t('reportNone')}</td></tr>}
        </tbody>
      </table>
      <h2>{t('reportAlerts')}</h2>
      <table className="report-table" data-testid="report-alerts">
        <thead><tr><th>{t('colTime')}</th><th>{t('colText')}</th></tr></thead>
        <tbody>
          {alerts.map((e, i) => <tr key={i} className={e.severity}><td>{stationTime(e.atMs, tz)}</td><td>{wordEvent(t, e)}</td></tr>)}
          {alerts.length === 0 && <tr><td colSpan={2}>{t('reportNone')}</td></tr>}
        </tbody>
      </table>
      <h2>{t('reportDispatches')}</h2>
      <table className="report-table" data-testid="report-dispatches">
        <thead><tr><th>{t('colTime')}</th><th>{t('colDrone')}</th><th>{t('colPoint')}</th><th>{t('colOutcome')}</th></tr></thead>
        <tbody>
          {dispatches.map((d) => (
            <tr key={d.id}><td>{hm(d.requestedAtMs)}</td><td>{d.drone ?? '—'}</td><td>{d.request.latDeg.toFixed(5)}, {d.request.lonDeg.toFixed(5)}</td><td>{t(`dstate.${d.state}` as StringKey)}{d.reason ? ` · ${dispatchCause(t, d)}` : ''}{(d.notes ?? []).map((n) => ` · ${wordSaid(t, n) ?? n.code}`).join('')}</td></tr>
          ))}
          {dispatches.length === 0 && <tr><td colSpan={4}>{t('reportNone')}</td></tr>}
        </tbody>
      </table>
    </main>
  );
}
