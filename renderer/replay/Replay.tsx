/**
 * 回放 Replay (`?view=replay[&flight=ID]`): reviewers replay any recorded flight. On the left the flights the
 * station recorded (GET /api/flights), newest first, filtered by drone; the open flight (GET /api/flights/<id>)
 * fills the rest: its track on the map with home and the drone at the cursor, a scrubber with play / pause and
 * 1× / 4× / 16× (space, ←/→), altitude, ground speed and battery charts with the cursor line, the events
 * (click to seek) and its video on /ws/replay, following the replay clock. Times are station time.
 */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { FlightDetail, FlightEvent, FlightSummary } from '../../common/api/contract.js';
import type { StringKey } from '../i18n.js';
import { fmt, useConsole, useSel, useT, type T } from '../ui/context.js';
import { fetchFlight, fetchFlights, ReplayLoadError, type LoadProgress } from './api.js';
import { mountCharts } from './charts.js';
import { byDrone, droneName, dronesOf, eventIndexAt, fmtDate, fmtDistance, fmtSpan, fmtTime, newestFirst, RATES, setReplayTimeZone, trackOf } from './model.js';
import { Player } from './player.js';
import { mountReplayMap } from './track-map.js';
import { ReplayVideo } from './ReplayVideo.js';
import './replay.css';

function setFlightParam(id: string | null): void {
  const u = new URL(location.href);
  if (id) u.searchParams.set('flight', id);
  else u.searchParams.delete('flight');
  history.replaceState(null, '', u);
}

const fmtBytes = (n: number): string => (n < 1024 * 1024 ? `${Math.max(1, Math.round(n / 1024))} kB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

function errorText(t: T, e: unknown, id: string | null): string {
  if (e instanceof ReplayLoadError) {
    const head = id === null ? t('replayListFailed') : e.kind === 'not-found' ? t('replayNotFound', { id }) : t('replayLoadFailed', { id });
    return `${head}: ${e.kind === 'network' ? `${t('replayNetwork')} (${e.reason})` : e.reason}`;
  }
  return `${id === null ? t('replayListFailed') : t('replayLoadFailed', { id })}: ${String(e)}`;
}

export function Replay() {
  const { store } = useConsole();
  const t = useT();
  // The open flight (main.tsx takes `&flight=ID` from the address), kept in the address for a reload or a link.
  const flightId = useSel((s) => s.replayFlight);
  // Times in the station's zone, as on every other screen (set before anything below formats one).
  setReplayTimeZone(useSel((s) => s.timezone));
  useEffect(() => setFlightParam(store.getState().replayFlight), [store]);
  const open = (id: string) => {
    store.setState({ replayFlight: id });
    setFlightParam(id);
  };
  return (
    <main className="replay" data-testid="replay">
      <FlightList selected={flightId} onOpen={open} />
      {flightId ? (
        <FlightReview key={flightId} id={flightId} />
      ) : (
        <section className="replay-main replay-placeholder">
          <p className="muted">{t('replayPick')}</p>
        </section>
      )}
    </main>
  );
}

function Spinner({ label }: { label: string }) {
  return (
    <span className="replay-loading" data-testid="replay-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </span>
  );
}

function VideoIcon({ title }: { title: string }) {
  return (
    <svg className="flight-video" data-testid="flight-video" viewBox="0 0 20 14" width="18" height="13" role="img" aria-label={title}>
      <title>{title}</title>
      <rect x="1" y="2" width="12" height="10" rx="2" />
      <path d="M14 5.5 L19 3 V11 L14 8.5 Z" />
    </svg>
  );
}

function FlightList({ selected, onOpen }: { selected: string | null; onOpen: (id: string) => void }) {
  const t = useT();
  const [list, setList] = useState<FlightSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [drone, setDrone] = useState('');
  const [reload, setReload] = useState(0);
  useEffect(() => {
    const ac = new AbortController();
    setLoading(true);
    fetchFlights(ac.signal)
      .then((l) => {
        setList(newestFirst(l));
        setError(null);
      })
      .catch((e: unknown) => !ac.signal.aborted && setError(e))
      .finally(() => !ac.signal.aborted && setLoading(false));
    return () => ac.abort();
  }, [reload]);
  const drones = useMemo(() => dronesOf(list ?? []), [list]);
  const shown = useMemo(() => byDrone(list ?? [], drone), [list, drone]);
  return (
    <aside className="replay-list" data-testid="flight-list">
      <div className="replay-list-head">
        <span className="panel-title">{t('replayFlights')}{list ? ` (${shown.length})` : ''}</span>
        <select data-testid="flight-filter" value={drone} onChange={(e) => setDrone(e.target.value)} aria-label={t('drones')}>
          <option value="">{t('replayAllDrones')}</option>
          {drones.map((d) => (
            <option key={d} value={d}>{d}</option>
          ))}
        </select>
        <button data-testid="flight-refresh" onClick={() => setReload((n) => n + 1)} disabled={loading}>{t('replayRefresh')}</button>
      </div>
      {loading && <Spinner label={t('replayLoading')} />}
      {error !== null && (
        <div className="error" data-testid="flight-list-error">
          {errorText(t, error, null)} <button onClick={() => setReload((n) => n + 1)}>{t('replayRetry')}</button>
        </div>
      )}
      {list && shown.length === 0 && (
        <p className="muted" data-testid="flight-list-empty">{drone ? t('replayNoFlightsDrone', { drone }) : t('replayNoFlights')}</p>
      )}
      <ul className="flights">
        {shown.map((f) => (
          <li
            key={f.id}
            className={`flight ${f.id === selected ? 'selected' : ''} ${f.truncated ? 'truncated' : ''}`}
            data-testid="flight"
            data-flight={f.id}
            data-drone={droneName(f)}
            tabIndex={0}
            onClick={() => onOpen(f.id)}
            onKeyDown={(e) => e.key === 'Enter' && onOpen(f.id)}
          >
            <div className="flight-head">
              <b className="drone-id">{droneName(f)}</b>
              <span className="flight-when">{fmtDate(f.startMs)} {fmtTime(f.startMs)}</span>
              <span className="spacer" />
              {f.video.length > 0 && <VideoIcon title={t('replayHasVideo')} />}
              {f.truncated && <span className="badge truncated" data-testid="flight-truncated" title={t('replayTruncatedHint')}>{t('replayTruncated')}</span>}
            </div>
            <div className="flight-stats">
              <span>{t('replayDuration')} <b>{fmtSpan(f.endMs - f.startMs)}</b></span>
              <span>{t('replayMaxAlt')} <b>{fmt(f.maxAltRelM, 0, ' m')}</b></span>
              <span>{t('replayDistance')} <b>{fmtDistance(f.distanceM)}</b></span>
              <span>{t('replayMinBattery')} <b className={f.minBatteryPct !== null && f.minBatteryPct < 25 ? 'bad' : ''}>{fmt(f.minBatteryPct, 0, '%')}</b></span>
            </div>
          </li>
        ))}
      </ul>
    </aside>
  );
}

function FlightReview({ id }: { id: string }) {
  const t = useT();
  const [detail, setDetail] = useState<FlightDetail | null>(null);
  const [progress, setProgress] = useState<LoadProgress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const ac = new AbortController();
    setError(null);
    setProgress({ bytes: 0, total: null });
    fetchFlight(id, ac.signal, (p) => setProgress(p))
      .then((d) => setDetail(d))
      .catch((e: unknown) => !ac.signal.aborted && setError(e))
      .finally(() => !ac.signal.aborted && setProgress(null));
    return () => ac.abort();
  }, [id, attempt]);
  if (error !== null) {
    return (
      <section className="replay-main replay-placeholder">
        <div className="error replay-error" data-testid="replay-error">
          {errorText(t, error, id)}
          <button onClick={() => setAttempt((n) => n + 1)}>{t('replayRetry')}</button>
        </div>
      </section>
    );
  }
  if (!detail) {
    const p = progress;
    const label = t('replayLoadingFlight', { id });
    const amount = p && p.bytes > 0 ? ` ${t('replayBytes', { size: p.total ? `${Math.round((100 * p.bytes) / p.total)}%` : fmtBytes(p.bytes) })}` : '';
    return (
      <section className="replay-main replay-placeholder">
        <Spinner label={`${label}${amount}`} />
      </section>
    );
  }
  return <FlightPlayer detail={detail} />;
}

function wordFlightEvent(t: T, e: FlightEvent): string {
  switch (e.kind) {
    case 'mode': {
      const to = /(?:→|->|\bto)\s*(\S+)\s*$/.exec(e.text)?.[1];
      return to ? t('fev.mode', { mode: to }) : e.text;
    }
    case 'statustext':
      return t('fev.statustext', { text: e.text });
    case 'armed':
    case 'disarmed':
    case 'link-lost':
    case 'link-regained':
      return t(`fev.${e.kind}` as StringKey);
    default:
      return e.text;
  }
}

function FlightPlayer({ detail }: { detail: FlightDetail }) {
  const { store } = useConsole();
  const t = useT();
  const lang = useSel((s) => s.lang);
  const f = detail.flight;
  const player = useMemo(() => new Player(f.startMs, Math.max(f.startMs, f.endMs)), [f.startMs, f.endMs]);
  const hasTrack = useMemo(() => trackOf(detail.samples).length > 0, [detail]);
  const mapEl = useRef<HTMLDivElement>(null);
  const altEl = useRef<HTMLDivElement>(null);
  const speedEl = useRef<HTMLDivElement>(null);
  const battEl = useRef<HTMLDivElement>(null);

  useEffect(() => {
    player.start();
    return () => player.stop();
  }, [player]);
  useEffect(() => (mapEl.current ? mountReplayMap(mapEl.current, store, detail, player) : undefined), [store, detail, player]);
  useEffect(() => {
    if (!altEl.current || !speedEl.current || !battEl.current) return;
    return mountCharts({ alt: altEl.current, speed: speedEl.current, battery: battEl.current }, detail.samples, player, lang);
  }, [detail, player, lang]);
  // Keys: space plays / pauses, ←/→ step 5 s — except while typing in a field or choosing in a list.
  useEffect(() => {
    const typing = (el: EventTarget | null) =>
      el instanceof HTMLElement && (el.isContentEditable || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el instanceof HTMLInputElement && el.type !== 'range'));
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      if (e.key === ' ' || e.code === 'Space') {
        e.preventDefault();
        if (!e.repeat) player.toggle();
      } else if (e.key === 'ArrowLeft') {
        e.preventDefault();
        player.stepBack();
      } else if (e.key === 'ArrowRight') {
        e.preventDefault();
        player.stepForward();
      }
    };
    // A focused button must not also "click" on the space key's release.
    const onKeyUp = (e: KeyboardEvent) => {
      if ((e.key === ' ' || e.code === 'Space') && !typing(e.target)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKeyUp);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKeyUp);
    };
  }, [player]);

  return (
    <>
      <section className="replay-main" data-testid="replay-flight" data-flight={f.id}>
        <div className="replay-title">
          <b className="drone-id">{droneName(f)}</b>
          <span>{fmtDate(f.startMs)} {fmtTime(f.startMs)}–{fmtTime(f.endMs)}</span>
          <span className="muted">{t('replayDuration')} <b>{fmtSpan(f.endMs - f.startMs)}</b></span>
          <span className="muted">{t('replayMaxAlt')} <b>{fmt(f.maxAltRelM, 1, ' m')}</b></span>
          <span className="muted">{t('replayDistance')} <b>{fmtDistance(f.distanceM)}</b></span>
          <span className="muted">{t('replayMinBattery')} <b>{fmt(f.minBatteryPct, 0, '%')}</b></span>
          {f.truncated && <span className="badge truncated" title={t('replayTruncatedHint')}>{t('replayTruncated')}</span>}
          <span className="spacer" />
          <span className="muted tlog" title={`${t('replayTlog')}: ${f.tlog}`}>{f.tlog}</span>
        </div>
        <div className="replay-map-wrap">
          <div className="map" ref={mapEl} data-testid="replay-map" />
          {!hasTrack && <div className="replay-map-msg">{t('replayNoPosition')}</div>}
        </div>
        <Scrubber player={player} detail={detail} />
        <div className="replay-charts">
          <div className="chart-box">
            <div className="panel-title">{t('altitude')} <span className="unit">· m</span></div>
            <div className="chart" ref={altEl} data-testid="chart-alt" />
          </div>
          <div className="chart-box">
            <div className="panel-title">{t('speed')} <span className="unit">· m/s</span></div>
            <div className="chart" ref={speedEl} data-testid="chart-speed" />
          </div>
          <div className="chart-box">
            <div className="panel-title">{t('battery')} <span className="unit">· % · V</span></div>
            <div className="chart" ref={battEl} data-testid="chart-battery" />
          </div>
        </div>
      </section>
      <aside className="replay-side">
        <div className="panel-title">{t('replayVideo')}</div>
        <ReplayVideo flight={f} player={player} />
        <div className="panel-title">{t('replayEvents')} ({detail.events.length})</div>
        <FlightEvents events={detail.events} player={player} />
      </aside>
    </>
  );
}

function Scrubber({ player, detail }: { player: Player; detail: FlightDetail }) {
  const t = useT();
  const f = detail.flight;
  const span = Math.max(0, f.endMs - f.startMs);
  const { store } = player;
  const [cursor, setCursor] = useState(() => store.getState());
  useEffect(() => store.subscribe(setCursor), [store]);
  const at = cursor.t;
  return (
    <div className="replay-bar" data-testid="replay-bar">
      <button
        className="play"
        data-testid="replay-play"
        data-playing={cursor.playing ? 'true' : 'false'}
        onClick={() => player.toggle()}
        title={`${cursor.playing ? t('replayPause') : t('replayPlay')} (Space)`}
      >
        {cursor.playing ? `❚❚ ${t('replayPause')}` : `▶ ${t('replayPlay')}`}
      </button>
      <div className="scrub">
        <EventTicks events={detail.events} startMs={f.startMs} span={span} player={player} />
        <input
          type="range"
          data-testid="replay-scrubber"
          min={0}
          max={span}
          step="any"
          value={Math.round(at - f.startMs)}
          onChange={(e) => player.seek(f.startMs + Number(e.target.value))}
          onKeyDown={(e) => {
            // The page's ←/→ step (5 s) applies here too, not the input's own small step.
            if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') e.preventDefault();
          }}
          aria-label={t('replayKeys')}
        />
      </div>
      <span className="replay-time" data-testid="replay-time" data-t={Math.round(at)}>
        <b>{fmtTime(at)}</b> <span className="muted">{fmtSpan(at - f.startMs)} / {fmtSpan(span)}</span>
      </span>
      <span className="rates" role="group" aria-label={t('replayRate')}>
        {RATES.map((r) => (
          <button key={r} data-testid={`rate-${r}`} className={cursor.rate === r ? 'active' : ''} onClick={() => player.setRate(r)}>
            {r}×
          </button>
        ))}
      </span>
      <span className="keys muted">{t('replayKeys')}</span>
    </div>
  );
}

/** The events as marks over the scrubber (a click seeks there); drawn once, not on every clock tick. */
const EventTicks = memo(function EventTicks({ events, startMs, span, player }: { events: FlightEvent[]; startMs: number; span: number; player: Player }) {
  return (
    <div className="event-ticks" aria-hidden="true">
      {span > 0 &&
        events.map((e, i) => (
          <span key={i} className={`tick ${e.level}`} title={fmtTime(e.t)} style={{ left: `${(100 * (e.t - startMs)) / span}%` }} onClick={() => player.seek(e.t)} />
        ))}
    </div>
  );
});

function FlightEvents({ events, player }: { events: FlightEvent[]; player: Player }) {
  const t = useT();
  const { store } = player;
  const [current, setCurrent] = useState(() => eventIndexAt(events, store.getState().t));
  useEffect(() => store.subscribe((s) => setCurrent(eventIndexAt(events, s.t))), [store, events]);
  const start = player.startMs;
  if (events.length === 0) return <p className="muted">{t('replayNoEvents')}</p>;
  return (
    <ul className="events replay-events" data-testid="replay-events">
      {events.map((e, i) => (
        <li
          key={`${e.t}-${i}`}
          className={`${e.level} ${i === current ? 'current' : ''}`}
          data-testid="replay-event"
          data-kind={e.kind}
          title={e.text}
          onClick={() => player.seek(e.t)}
        >
          <span className="time">{fmtTime(e.t)}</span>
          <span className="offset">+{fmtSpan(e.t - start)}</span> {wordFlightEvent(t, e)}
        </li>
      ))}
    </ul>
  );
}
