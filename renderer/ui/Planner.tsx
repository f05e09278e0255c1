/**
 * The planner view: the day plan's sorties; open a sortie's `.plan` (served by the station from the plan
 * directory) or a local `.plan` / `.waypoints` file; see and drag its waypoints on the map; save it as `.plan`
 * or `.waypoints` (missions/formats); upload it to a drone with a progress bar (items sent, then read back)
 * and the verification result, through the station's mission transfer service.
 */
import { useEffect, useRef, useState } from 'react';
import L from 'leaflet';
import { groundDistanceM } from '../../common/geo.js';
import { MAV_CMD } from '../../common/mav-cmd.js';
import type { Mission } from '../../missions/formats/items.js';
import { fromPlan, toPlan } from '../../missions/formats/qgc-plan.js';
import { fromWaypoints, toWaypoints } from '../../missions/formats/wpl.js';
import { mountMap } from '../features/map.js';
import { STRINGS, type StringKey } from '../i18n.js';
import { useConsole, useSel, useT } from './context.js';
import { mayFly } from '../state/store.js';
import { missionIssues, overridable, rulesOf, wordIssue } from '../features/flight-check.js';
import { OverrideDialog } from './Commands.js';

const NAV = new Set<number>([
  MAV_CMD.NAV_WAYPOINT, MAV_CMD.NAV_LOITER_UNLIM, MAV_CMD.NAV_LOITER_TURNS, MAV_CMD.NAV_LOITER_TIME, MAV_CMD.NAV_LAND, MAV_CMD.NAV_TAKEOFF,
]);
const hasPos = (p: number[]) => Number.isFinite(p[4]) && Number.isFinite(p[5]) && !(p[4] === 0 && p[5] === 0);

/** A mission file's text → Mission (by name or content: `.waypoints` is QGC WPL 110, else `.plan` JSON). */
export function readMission(name: string, text: string): { ok: true; value: Mission } | { ok: false; error: string } {
  if (/\.(waypoints|txt)$/i.test(name) || /^\s*QGC WPL/.test(text)) {
    const w = fromWaypoints(text);
    return w.ok ? { ok: true, value: { ...w.value, cruiseMps: 10, hoverMps: 5 } } : w;
  }
  try {
    return fromPlan(JSON.parse(text));
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

function routeM(m: Mission): number {
  const pts = m.items.filter((it) => NAV.has(it.command) && hasPos(it.params)).map((it) => [it.params[4], it.params[5]] as [number, number]);
  let d = 0;
  for (let i = 1; i < pts.length; i++) {
    const [a, b] = [pts[i - 1]!, pts[i]!];
    d += groundDistanceM({ latDeg: a[0], lonDeg: a[1] }, { latDeg: b[0], lonDeg: b[1] });
  }
  return d;
}

function download(name: string, text: string, type: string) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export function Planner() {
  const { store, client } = useConsole();
  const t = useT();
  const plan = useSel((s) => s.plan);
  const vehicles = useSel((s) => s.vehicles);
  const flies = useSel((s) => mayFly(s.who));
  const upload = useSel((s) => s.upload);
  const [sel, setSel] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [mission, setMission] = useState<Mission | null>(null);
  const [error, setError] = useState('');
  const [target, setTarget] = useState<number | null>(null);
  const mapEl = useRef<HTMLDivElement>(null);
  const layer = useRef<L.LayerGroup | null>(null);
  const mapRef = useRef<L.Map | null>(null);

  useEffect(() => {
    if (!mapEl.current) return;
    const m = mountMap(mapEl.current, store, {});
    mapRef.current = m.map;
    layer.current = L.layerGroup().addTo(m.map);
    return m.destroy;
  }, [store]);

  const open = (n: string, text: string) => {
    const r = readMission(n, text);
    if (!r.ok) {
      setError(`${t('fileError')}: ${n}: ${r.error}`);
      return;
    }
    setError('');
    setName(n.replace(/^.*\//, ''));
    setMission(r.value);
  };

  const pickSortie = async (id: string, file: string) => {
    setSel(id);
    try {
      const res = await fetch(`/plan-files/${file}`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      open(file, await res.text());
    } catch (e) {
      setError(`${t('fileError')}: ${file}: ${(e as Error).message}`);
    }
  };

  // Waypoints on the map: a numbered, draggable marker per positioned nav item, and the route through them.
  useEffect(() => {
    const g = layer.current;
    if (!g) return;
    g.clearLayers();
    if (!mission) return;
    const idx = mission.items.map((it, i) => (NAV.has(it.command) && hasPos(it.params) ? i : -1)).filter((i) => i >= 0);
    const line = L.polyline(idx.map((i) => [mission.items[i]!.params[4], mission.items[i]!.params[5]] as [number, number]), { color: '#f472b6', weight: 3 }).addTo(g);
    L.marker([mission.home.lat, mission.home.lon], { icon: L.divIcon({ className: 'kx-wp home', html: 'H', iconSize: [20, 20], iconAnchor: [10, 10] }) }).addTo(g);
    idx.forEach((i, n) => {
      const it = mission.items[i]!;
      const mk = L.marker([it.params[4], it.params[5]], {
        draggable: true,
        icon: L.divIcon({ className: 'kx-wp', html: String(n + 1), iconSize: [20, 20], iconAnchor: [10, 10] }),
      }).addTo(g);
      mk.on('drag', () => {
        const pts = line.getLatLngs() as L.LatLng[];
        pts[n] = mk.getLatLng();
        line.setLatLngs(pts);
      });
      mk.on('dragend', () => {
        const p = mk.getLatLng();
        setMission((m) => {
          if (!m) return m;
          const items = m.items.slice();
          const params = [...items[i]!.params] as typeof it.params;
          params[4] = Math.round(p.lat * 1e7) / 1e7;
          params[5] = Math.round(p.lng * 1e7) / 1e7;
          items[i] = { ...items[i]!, params };
          return { ...m, items };
        });
      });
    });
    if (line.getLatLngs().length > 1 && !mapRef.current?.getBounds().contains(line.getBounds())) mapRef.current?.fitBounds(line.getBounds(), { padding: [30, 30] });
  }, [mission]);

  /** The station's flight check first, as the gateway will run it: a mission through a no-fly zone is not sent. */
  const uploadChecked = (sysid: number, file: string, m: Mission) => {
    const text = JSON.stringify(toPlan(m));
    const issues = missionIssues(rulesOf(store.getState().geography), m);
    if (issues.length === 0) return client.upload(sysid, file, text);
    const drone = store.getState().vehicles.find((v) => v.sysid === sysid)?.id ?? `sys${sysid}`;
    store.setState({ upload: { requestId: `local-${Date.now()}`, sysid, drone, name: file, phase: 'upload', done: 0, total: 0, ok: false, reason: issues.map((i) => i.reason).join('; '), issues, text } });
  };
  const base = name.replace(/\.(plan|waypoints|txt)$/i, '') || 'mission';
  const dest = target ?? vehicles[0]?.sysid ?? null;
  const pct = upload && upload.total > 0 ? Math.round((100 * upload.done) / upload.total) : 0;
  return (
    <main className="planner" data-testid="planner">
      <aside className="fleet">
        <div className="panel-title">{t('planner')}</div>
        <label className="file-open">
          {t('openFile')}
          <input type="file" accept=".plan,.waypoints,.txt,application/json" data-testid="open-file" onChange={async (e) => {
            const f = e.target.files?.[0];
            if (f) open(f.name, await f.text());
          }} />
        </label>
        {!plan && <p className="muted">{t('noPlan')}</p>}
        <ul className="sortie-list">
          {plan?.schedule.sorties.map((s) => (
            <li key={s.id} className={sel === s.id ? 'selected' : ''} onClick={() => void pickSortie(s.id, s.plan)}>
              <b>{s.id}</b> {s.drone} {/T(\d\d:\d\d)/.exec(s.launch)?.[1]} · {t(`kind.${s.kind}`)}
            </li>
          ))}
        </ul>
      </aside>
      <div className="map" ref={mapEl} data-testid="map" />
      <aside className="control">
        <div className="panel-title">{t('waypoints')} {name && `· ${name}`}</div>
        {error && <p className="error" data-testid="plan-error">{error}</p>}
        {!mission && !error && <p className="muted">{t('noRoute')}</p>}
        {mission && (
          <>
            <p data-testid="mission-summary">
              {mission.items.length} {t('item')} · {t('routeLength')} {(routeM(mission) / 1000).toFixed(2)} km
            </p>
            <p className="muted">{t('dragHint')}</p>
            <ol className="wp-list" data-testid="wp-list">
              <li>{t('home')} {mission.home.lat.toFixed(6)}, {mission.home.lon.toFixed(6)}</li>
              {mission.items.map((it, i) => (
                <li key={i}>
                  #{i + 1} cmd {it.command}{hasPos(it.params) ? ` · ${it.params[4].toFixed(6)}, ${it.params[5].toFixed(6)} · ${it.params[6]} m` : ''}
                </li>
              ))}
            </ol>
            <div className="row">
              <button data-testid="save-plan" onClick={() => download(`${base}.plan`, JSON.stringify(toPlan(mission), null, 2), 'application/json')}>{t('saveAs')} .plan</button>
              <button data-testid="save-waypoints" onClick={() => download(`${base}.waypoints`, toWaypoints(mission.home, mission.items), 'text/plain')}>{t('saveAs')} .waypoints</button>
            </div>
            {flies && <div className="row">
              <label>
                {t('uploadTo')}{' '}
                <select data-testid="upload-drone" value={dest ?? ''} onChange={(e) => setTarget(Number(e.target.value))}>
                  {vehicles.map((v) => <option key={v.sysid} value={v.sysid}>{v.id}</option>)}
                </select>
              </label>
              <button data-testid="upload" disabled={dest === null || (upload !== null && upload.ok === undefined)} onClick={() => dest !== null && uploadChecked(dest, `${base}.plan`, mission)}>
                {t('upload')}
              </button>
            </div>}
          </>
        )}
        {upload && (
          <div className="upload" data-testid="upload-status">
            <div>{upload.drone} · {upload.name} · {t(`phase.${upload.phase}`)} {upload.done}/{upload.total || '…'}</div>
            <div className="bar"><span data-testid="upload-bar" style={{ width: `${upload.ok ? 100 : pct}%` }} /></div>
            {upload.ok === true && <div className="ok" data-testid="upload-result">{t('uploadOk', { how: `verify.${upload.verifiedBy}` in STRINGS.en ? t(`verify.${upload.verifiedBy}` as StringKey) : (upload.verifiedBy ?? '—'), count: upload.total })}</div>}
            {upload.ok === false && !upload.issues && <div className="error" data-testid="upload-result">{t('uploadFailed', { reason: upload.reason ?? '' })}</div>}
            {upload.ok === false && upload.issues && (
              <div className="error" data-testid="upload-result">
                {t('uploadRefusedLocal', { reason: upload.issues.map((i) => wordIssue(t, i)).join('; ') })}
                {overridable(upload.issues) && (
                  <button className="link" data-testid="override" onClick={() => store.setState({ override: { kind: 'upload', sysid: upload.sysid, name: upload.name, text: upload.text ?? '', issues: upload.issues! } })}>
                    {t('overrideButton')}
                  </button>
                )}
              </div>
            )}
          </div>
        )}
        <OverrideDialog />
      </aside>
    </main>
  );
}
