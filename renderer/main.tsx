/** The web console (and the desktop window's page): header, map, a card per drone, events. */
import { StrictMode, useEffect, useRef } from 'react';
import { createRoot } from 'react-dom/client';
import { useStore } from 'zustand';
import 'leaflet/dist/leaflet.css';
import './styles.css';
import type { VehicleView } from '../station/api/contract.js';
import { connectStation } from './api/client.js';
import { mountMap } from './features/map.js';
import { STRINGS, type StringKey } from './i18n.js';
import { createConsoleStore, type ConsoleStore } from './state/store.js';

const store = createConsoleStore();

function useT(s: ConsoleStore) {
  const lang = useStore(s, (x) => x.lang);
  return (k: StringKey) => STRINGS[lang][k];
}

function fmt(v: number | null, digits = 0, unit = ''): string {
  return v === null ? '—' : `${v.toFixed(digits)}${unit}`;
}

function DroneCard({ v }: { v: VehicleView }) {
  const t = useT(store);
  return (
    <div className={`card ${v.connected ? '' : 'lost'}`} data-testid={`drone-${v.id}`}>
      <div className="card-head">
        <b>{v.id}</b> <span className="sysid">#{v.sysid}</span>
        {!v.connected && <span className="badge lost">{t('lost')}</span>}
        <span className={`badge ${v.armed ? 'armed' : ''}`}>{v.armed ? t('armed') : t('disarmed')}</span>
      </div>
      <div className="grid">
        <span>{t('mode')}</span><b data-testid="mode">{v.mode}</b>
        <span>{t('altitude')}</span><b data-testid="alt">{fmt(v.altRelM, 1, ' m')}</b>
        <span>{t('speed')}</span><b>{fmt(v.groundSpeedMps, 1, ' m/s')}</b>
        <span>{t('battery')}</span><b>{fmt(v.batteryPct, 0, ' %')} {fmt(v.batteryV, 1, ' V')}</b>
        <span>{t('gps')}</span><b>{v.gpsFixType !== null && v.gpsFixType < 2 ? t('noFix') : fmt(v.gpsSatellites)}</b>
        <span>{t('link')}</span><b>{fmt(v.linkLossPct, 1, ' %')}</b>
      </div>
      {v.lastText && <div className="text">{v.lastText}</div>}
    </div>
  );
}

function App() {
  const t = useT(store);
  const link = useStore(store, (s) => s.link);
  const vehicles = useStore(store, (s) => s.vehicles);
  const events = useStore(store, (s) => s.events);
  const simulated = useStore(store, (s) => s.simulated);
  const station = useStore(store, (s) => s.station);
  const lang = useStore(store, (s) => s.lang);
  const mapEl = useRef<HTMLDivElement>(null);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  useEffect(() => (mapEl.current ? mountMap(mapEl.current, store) : undefined), []);
  return (
    <div className="app">
      <header>
        <h1>{t('title')}</h1>
        <span data-testid="station">{station}{simulated ? ` · ${t('simulated')}` : ''}</span>
        <span className={`link ${link}`} data-testid="link">{t(link)}</span>
        <button data-testid="lang" onClick={() => store.setState({ lang: lang === 'zh-CN' ? 'en' : 'zh-CN' })}>
          {t('language')}
        </button>
      </header>
      <main>
        <div className="map" ref={mapEl} data-testid="map" />
        <aside>
          <h2>{t('drones')} ({vehicles.length})</h2>
          {vehicles.length === 0 && <p>{t('noDrones')}</p>}
          {vehicles.map((v) => <DroneCard key={`${v.sysid}`} v={v} />)}
          <h2>{t('events')}</h2>
          <ul className="events">
            {events.slice(0, 30).map((e, i) => (
              <li key={i} className={e.severity}>
                {new Date(e.atMs).toLocaleTimeString(lang)} {e.text}
              </li>
            ))}
          </ul>
        </aside>
      </main>
    </div>
  );
}

const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
connectStation(store, wsUrl);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
