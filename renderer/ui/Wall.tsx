/**
 * The wall screen (一屏展示, `?view=wall`): the whole jurisdiction with every drone, today's counters
 * (sorties flown, patrol minutes covered, alerts, dispatches), the fleet at a glance and the latest alerts.
 */
import { useEffect, useRef, useState } from 'react';
import { mountCoverage } from '../features/coverage-layer.js';
import type { Coverage } from '../features/coverage.js';
import { mountMap } from '../features/map.js';
import { dayCounts, dayStartMs } from '../features/sortie.js';
import type { ConsoleState } from '../state/store.js';
import { useVideoSources } from '../video/sources.js';
import { VideoView } from '../video/VideoView.js';
import { Events } from './Desk.js';
import { fmt, useConsole, useSel, useT } from './context.js';

/**
 * Today's counters from what happened (features/sortie.ts `dayCounts`): the runner's records, or without a
 * runner the flights in the tlogs — never the plan's clock. Alerts and dispatches are what this console saw.
 */
export function wallCounters(s: ConsoleState): { flown: number; minutes: number; missed: number; alerts: number; dispatches: number; airborne: number; unexecuted: boolean } {
  const now = s.atMs || Date.now();
  const c = dayCounts(s.actual, s.vehicles, now, s.plan ? dayStartMs(s.plan) : null);
  return {
    ...c,
    alerts: s.events.filter((e) => e.severity === 'alert').length,
    dispatches: s.commands.filter((c) => c.ok && (c.command.command === 'goto' || c.command.command === 'orbit')).length,
    airborne: s.vehicles.filter((v) => v.armed).length,
    unexecuted: s.plan !== null && s.actual !== null && !s.actual.runner,
  };
}

export function Wall() {
  const { store } = useConsole();
  const t = useT();
  const c = useSel((s) => JSON.stringify(wallCounters(s)));
  const counters = JSON.parse(c) as ReturnType<typeof wallCounters>;
  const vehicles = useSel((s) => s.vehicles);
  const mapEl = useRef<HTMLDivElement>(null);
  const [cells, setCells] = useState<Coverage['counts'] | null>(null);
  useEffect(() => {
    if (!mapEl.current) return;
    const m = mountMap(mapEl.current, store, {});
    const offCoverage = mountCoverage(m.map, store, setCells);
    return () => {
      offCoverage();
      m.destroy();
    };
  }, [store]);
  const videos = useVideoSources();
  // The tile in focus (enlarged) gets the full-rate stream; every other tile a preview (sub-stream or keyframes).
  const [enlarged, setEnlarged] = useState<string | null>(null);
  // `?view=wall&previews=off`: every tile at full rate (a wall PC that can afford it; the bench's baseline).
  const previews = new URLSearchParams(location.search).get('previews') !== 'off';
  const latestAlert = useSel((s) => s.events.find((e) => e.severity === 'alert'));
  const seenAlert = useRef(latestAlert);
  const openedAt = useRef(Date.now());
  useEffect(() => {
    // A drone that raises an alert is brought into focus: alerts raised since the wall opened (not the recent
    // ones the station replays to a new console), each once.
    if (!latestAlert || latestAlert === seenAlert.current) return;
    seenAlert.current = latestAlert;
    if (latestAlert.atMs < openedAt.current) return;
    const drone = latestAlert.args?.drone ?? store.getState().vehicles.find((v) => v.sysid === latestAlert.sysid)?.id;
    if (drone && videos.some((v) => v.drone === drone)) setEnlarged(drone);
  }, [latestAlert, videos, store]);
  const total = cells ? cells.fresh + cells.orange + cells.red + cells.never : 0;
  const share = (n: number) => (total ? `${Math.round((100 * n) / total)}%` : '—');
  return (
    <main className="wall" data-testid="wall">
      <div className="map" ref={mapEl} data-testid="map" />
      <div className="wall-counters">
        <div className="counter"><span>{t('sortiesFlown')}</span><b data-testid="c-flown">{counters.flown}</b></div>
        <div className="counter"><span>{t('minutesCovered')}</span><b data-testid="c-minutes">{counters.minutes}</b></div>
        <div className="counter alert"><span>{t('alerts')}</span><b data-testid="c-alerts">{counters.alerts}</b></div>
        <div className="counter"><span>{t('dispatches')}</span><b data-testid="c-dispatches">{counters.dispatches}</b></div>
        <div className="counter"><span>{t('airborne')}</span><b data-testid="c-airborne">{counters.airborne} / {vehicles.length}</b></div>
        {counters.missed > 0 && <div className="counter alert"><span>{t('outcome.missed')}</span><b data-testid="c-missed">{counters.missed}</b></div>}
      </div>
      {counters.unexecuted && <div className="plan-badge wall-plan" data-testid="plan-unexecuted">{t('planNotExecuted')}</div>}
      {cells && (
        <div className="wall-legend" data-testid="freshness">
          <b>{t('freshness')}</b>
          <span><i className="sw fresh" />{t('fresh')} <b data-testid="f-fresh">{share(cells.fresh)}</b></span>
          <span><i className="sw orange" />{t('orange')} {share(cells.orange)}</span>
          <span><i className="sw red" />{t('red')} {share(cells.red)}</span>
          <span><i className="sw never" />{t('never')} {share(cells.never)}</span>
        </div>
      )}
      {videos.length > 0 && (
        <div className="wall-videos" data-testid="wall-videos">
          {videos.map((v) => (
            <VideoView key={v.drone} drone={v.drone} preview={previews && enlarged !== v.drone} className={enlarged === v.drone ? 'enlarged' : ''} onClick={() => setEnlarged(enlarged === v.drone ? null : v.drone)} />
          ))}
        </div>
      )}
      <aside className="wall-side">
        <div className="panel-title">{t('drones')}</div>
        <table className="wall-fleet">
          <tbody>
            {vehicles.map((v) => (
              <tr key={v.sysid} className={!v.connected ? 'lost' : v.armed ? 'armed' : ''}>
                <td>{v.id}</td>
                <td>{v.mode}</td>
                <td>{fmt(v.altRelM, 0, ' m')}</td>
                <td>{fmt(v.batteryPct, 0, '%')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="panel-title">{t('events')}</div>
        <Events limit={14} />
      </aside>
    </main>
  );
}
