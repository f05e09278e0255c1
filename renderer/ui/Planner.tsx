/**
 * The planner view (航线规划): the day plan's sorties; open a sortie's `.plan` (served by the station from the
 * plan directory) or a local `.plan` / `.waypoints` / `.kml`; edit it as QGroundControl's plan view does —
 * click the map to add a waypoint or a hover with the camera on its point, insert, move, delete, set altitude
 * and hold, drag on the map, undo and redo (Ctrl+Z / Ctrl+Y) — with the station's checks live on each item
 * (jurisdiction, no-fly zones with the margin, the ceiling, the battery with the reserve); save as `.plan`,
 * `.waypoints` or KML; upload to the sortie's drone (PlanUpload). The editing itself is pure
 * (features/plan-edit.ts); this view holds the state and draws it.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import L from 'leaflet';
import { usableFlightS } from '../../missions/fleet.js';
import { copterReturnParams } from '../../missions/plan/copter-return.js';
import { mountMap } from '../features/map.js';
import { missionIssues, rulesOf, wordIssue } from '../features/flight-check.js';
import {
  applyEdit, batteryChecks, estimateRoute, issuesByItem, MAX_FILE_BYTES, readMission, record, redo, rows as rowsOf, startHistory, totals, undo, writeMission,
  type EditOp, type FileKind, type History, type ItemCheck, type RouteEstimate,
} from '../features/plan-edit.js';
import { mayFly } from '../state/store.js';
import { useConsole, useSel, useT } from './context.js';
import { drawPlan } from './plan-map.js';
import { PlanItems, type Tool } from './PlanItems.js';
import { PlanUpload } from './PlanUpload.js';
import type { T } from '../features/words.js';

function download(f: { name: string; text: string; type: string }) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([f.text], { type: f.type }));
  a.download = f.name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

const minutes = (s: number) => Math.round(s / 6) / 10;
/** A hold as people write it: seconds up to two minutes, whole minutes beyond (含停留 51 分钟, not 3060 秒). */
const holdWords = (s: number, t: T) => (s < 120 ? `${Math.round(s)} ${t('secondsUnit')}` : `${Math.round(s / 60)} ${t('minutes')}`);

/** What the estimate assumes, in the pilot's words: the speeds, the return as RTL flies it, whose parameters. */
function assumptions(t: T, est: RouteEstimate, drone: string, fromDrone: readonly string[], refused: readonly string[]): string[] {
  const p = est.params;
  const low = Math.max(p.landAltLowM, 1);
  const land = p.landSpeedMps;
  const out = [t('planAssumes', { speed: p.wpnavSpeedMps, up: p.wpnavSpeedUpMps, dn: p.wpnavSpeedDnMps })];
  const r = est.ret;
  if (r) {
    const o = { alt: Math.round(r.returnAltM), rtl: p.rtlAltM, speed: r.speedMps, loiter: r.loiterS, low, land, min: minutes(r.totalS) };
    out.push(t(r.from === 'rtl' ? 'planAssumesRtl' : 'planAssumesImplied', o));
    if (r.hoversAtFinal) out.push(t('planAssumesFinal', { final: p.rtlAltFinalM }));
  } else if (Number.isFinite(est.flightS)) out.push(t('planAssumesLand', { low, land }));
  out.push(fromDrone.length ? t('planParamsDrone', { drone, names: fromDrone.join(' ') }) : t('planParamsDefault'));
  if (refused.length) out.push(t('planParamsRefused', { names: refused.map((r) => r.split(' ')[0]).join(' ') }));
  out.push(t('planNotModelled'));
  return out;
}

function wordCheck(t: T, c: ItemCheck, reservePct: number): string {
  if (c.code === 'flight') return wordIssue(t, c.issue);
  if (c.code === 'endless') return t('check.endless');
  return t('check.battery', { need: minutes(c.needS), usable: minutes(c.usableS), reserve: reservePct });
}

export function Planner() {
  const { store } = useConsole();
  const t = useT();
  const plan = useSel((s) => s.plan);
  const lang = useSel((s) => s.lang);
  const geography = useSel((s) => s.geography);
  const fleet = useSel((s) => s.fleet);
  const flies = useSel((s) => mayFly(s.who));
  const takeoffAltM = useSel((s) => s.takeoffAltM);
  const [sortie, setSortie] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [hist, setHist] = useState<History | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [tool, setTool] = useState<Tool>('waypoint');
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [target, setTarget] = useState<number | null>(null);
  const [fit, setFit] = useState(0);
  const mapEl = useRef<HTMLDivElement>(null);
  const layer = useRef<L.LayerGroup | null>(null);
  const mapRef = useRef<L.Map | null>(null);
  const mission = hist?.present ?? null;

  const edit = (op: EditOp) => {
    if (!hist) return;
    const r = applyEdit(hist.present, op);
    if (r.refused) return setNote(`${t('editRefused')}: ${r.refused}`);
    setNote(r.kept ? t('keptCamera', { items: r.kept.map((i) => i + 1).join(lang === 'zh-CN' ? '、' : ', ') }) : '');
    setHist(record(hist, r.mission));
    setSelected(r.select);
  };
  const step = (f: (h: History) => History) => {
    if (!hist) return;
    const h = f(hist);
    setHist(h);
    setSelected((s) => (s !== null && s < h.present.items.length ? s : null));
  };
  // The map's handlers are bound once; they call the latest state through this ref.
  const live = useRef({ edit, tool, selected, takeoffAltM, mission });
  live.current = { edit, tool, selected, takeoffAltM, mission };

  useEffect(() => {
    if (!mapEl.current) return;
    const m = mountMap(mapEl.current, store, {});
    mapRef.current = m.map;
    layer.current = L.layerGroup().addTo(m.map);
    m.map.on('click', (e: L.LeafletMouseEvent) => {
      const l = live.current;
      if (!l.mission || l.tool === 'none') return;
      // The altitude of the place before the new one, else the console's take-off altitude.
      const before = l.mission.items.slice(0, l.selected !== null ? l.selected + 1 : l.mission.items.length).reverse().find((it) => it.params[6] > 0);
      l.edit({ op: 'add', kind: l.tool, lat: e.latlng.lat, lon: e.latlng.lng, altM: before?.params[6] ?? l.takeoffAltM, ...(l.selected !== null ? { after: l.selected } : {}) });
    });
    return m.destroy;
  }, [store]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      if (el && /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) return;
      const k = e.key.toLowerCase();
      if ((e.ctrlKey || e.metaKey) && k === 'z' && !e.shiftKey) step(undo);
      else if ((e.ctrlKey || e.metaKey) && (k === 'y' || (k === 'z' && e.shiftKey))) step(redo);
      else if (e.key === 'Delete' && selected !== null) edit({ op: 'delete', index: selected });
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const open = (n: string, text: string, fromSortie: string | null) => {
    const r = readMission(n, text);
    if (!r.ok) return setError(`${t('fileError')}: ${n}: ${r.reason}`);
    setError('');
    setNote('');
    setName(n.replace(/^.*\//, ''));
    setHist(startHistory(r.value));
    setSelected(null);
    setFit((x) => x + 1);
    // The sortie's own drone by default; a file opened from disk has none until the pilot chooses.
    const drone = fromSortie ? plan?.schedule.sorties.find((s) => s.id === fromSortie)?.drone : undefined;
    // By the fleet file's sysid (from hello), not the live list: a drone not heard yet is still the sortie's, and
    // the choice shows it once it is.
    const st = store.getState();
    setTarget(drone ? (st.fleet?.drones.find((d) => d.id === drone)?.sysid ?? st.vehicles.find((v) => v.id === drone)?.sysid ?? null) : null);
  };

  const pickSortie = async (id: string, file: string) => {
    setSortie(id);
    try {
      const res = await fetch(`/plan-files/${file}`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      open(file, await res.text(), id);
    } catch (e) {
      setError(`${t('fileError')}: ${file}: ${(e as Error).message}`);
    }
  };

  const newMission = () => {
    const v = store.getState().vehicles.find((x) => x.sysid === target);
    const c = v?.latDeg != null && v.lonDeg != null ? { lat: v.latDeg, lon: v.lonDeg } : mapRef.current ? { lat: mapRef.current.getCenter().lat, lon: mapRef.current.getCenter().lng } : null;
    if (!c) return;
    const r = applyEdit({ home: { lat: 0, lon: 0, altM: 0 }, items: [], cruiseMps: 10, hoverMps: 5 }, { op: 'new', lat: c.lat, lon: c.lon, altM: takeoffAltM });
    setSortie(null);
    setName('mission.plan');
    setHist(startHistory(r.mission));
    setSelected(r.select);
    setError('');
  };

  const rows = useMemo(() => (mission ? rowsOf(mission) : []), [mission]);
  const drone = fleet?.drones.find((d) => d.sysid === target);
  // Telemetry changes the vehicles ten times a second: only the chosen drone's name is read here, so that the
  // view (and the markers being dragged) is not redrawn for it.
  const droneId = useSel((s) => s.vehicles.find((v) => v.sysid === target)?.id) ?? drone?.id ?? '';
  // The drone's parameters as a string: telemetry replaces the vehicle objects ten times a second, the parameters seldom change.
  const paramsKey = useSel((s) => JSON.stringify(s.vehicles.find((v) => v.sysid === target)?.copterParams ?? null));
  const copter = useMemo(() => {
    const raw = JSON.parse(paramsKey) as unknown;
    return copterReturnParams(raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined);
  }, [paramsKey]);
  const checks = useMemo(() => {
    if (!mission) return { list: [] as ItemCheck[], est: undefined };
    const est = estimateRoute(mission, copter.params);
    const usable = drone && fleet ? usableFlightS(drone.enduranceMin, fleet.reservePct) : undefined;
    return { list: [...issuesByItem(missionIssues(rulesOf(geography), mission)), ...batteryChecks(est, usable, mission.items.length)], est };
  }, [mission, geography, drone, fleet, copter]);
  const problems = useMemo(() => {
    const by = new Map<number, string[]>();
    for (const c of checks.list) by.set(c.index, [...(by.get(c.index) ?? []), wordCheck(t, c, fleet?.reservePct ?? 0)]);
    return by;
    // t is a new function each render but changes with the language only
  }, [checks, lang, fleet]);

  // The mission on the map, redrawn on every edit; fitted to the view when a mission is opened.
  useEffect(() => {
    const g = layer.current;
    if (!g) return;
    g.clearLayers();
    if (!mission) return;
    drawPlan(g, mission, rows, {
      selected,
      problems: new Map([...problems].map(([k, v]) => [k, v.join('; ')])),
      onSelect: (i) => setSelected(i),
      onMove: (i, lat, lon) => live.current.edit({ op: 'set', index: i, lat, lon }),
    });
  }, [mission, rows, selected, problems]);
  useEffect(() => {
    const g = layer.current;
    const m = mapRef.current;
    if (!g || !m || !fit) return;
    const b = L.latLngBounds([]);
    g.eachLayer((l) => (l instanceof L.Marker ? b.extend(l.getLatLng()) : undefined));
    if (b.isValid() && !m.getBounds().contains(b)) m.fitBounds(b, { padding: [30, 30] });
  }, [fit]);

  const rules = rulesOf(geography);
  const tot = mission && checks.est ? totals(mission, checks.est) : null;
  const bad = new Set(checks.list.map((c) => c.index)).size;
  const base = name.replace(/\.(plan|waypoints|txt|kml)$/i, '') || 'mission';
  const save = (k: FileKind) => mission && download(writeMission(k, base, mission));
  return (
    <main className="planner" data-testid="planner">
      <aside className="fleet">
        <div className="panel-title">{t('planner')}</div>
        <label className="file-open">
          {t('openFile')}
          <input type="file" accept=".plan,.waypoints,.txt,.kml,application/json,application/vnd.google-earth.kml+xml" data-testid="open-file" onChange={async (e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (!f) return;
            if (f.size > MAX_FILE_BYTES) return setError(`${t('fileError')}: ${f.name}: ${t('fileTooLarge', { mb: Math.round(f.size / 1e5) / 10, max: MAX_FILE_BYTES / 1e6 })}`);
            setSortie(null);
            open(f.name, await f.text(), null);
          }} />
        </label>
        <button data-testid="new-mission" onClick={newMission}>{t('newMission')}</button>
        {!plan && <p className="muted">{t('noPlan')}</p>}
        <ul className="sortie-list">
          {plan?.schedule.sorties.map((s) => (
            <li key={s.id} className={sortie === s.id ? 'selected' : ''} onClick={() => void pickSortie(s.id, s.plan)}>
              <b>{s.id}</b> {s.drone} {/T(\d\d:\d\d)/.exec(s.launch)?.[1]} · {t(`kind.${s.kind}`)}
            </li>
          ))}
        </ul>
      </aside>
      <div className="map" ref={mapEl} data-testid="map" />
      <aside className="control planner-control">
        <div className="panel-title">{t('waypoints')} {name && `· ${name}`}</div>
        {error && <p className="error" data-testid="plan-error">{error}</p>}
        {!mission && !error && <p className="muted">{t('noRoute')}</p>}
        {mission && tot && (
          <>
            <p data-testid="mission-summary">
              {t(Number.isFinite(tot.flightS) ? 'planSummary' : 'planSummaryEndless', { items: tot.items, km: (tot.routeM / 1000).toFixed(2), min: minutes(tot.flightS), hold: holdWords(tot.holdS, t) })}
            </p>
            <p className="muted" data-testid="plan-battery">
              {target === null ? t('planBatteryNoDrone')
                : drone && fleet ? t('planBatteryFor', { drone: droneId, endurance: drone.enduranceMin, reserve: fleet.reservePct, usable: minutes(usableFlightS(drone.enduranceMin, fleet.reservePct)) })
                : t('planBatteryUnknown', { drone: droneId })}
            </p>
            {checks.est && (
              <p className="muted plan-assumes" data-testid="plan-assumes">
                {assumptions(t, checks.est, droneId, copter.fromDrone, copter.refused).join(lang === 'zh-CN' ? '；' : '; ')}
              </p>
            )}
            <p className={bad ? 'error' : 'ok'} data-testid="plan-checks">
              {bad ? t('checksBad', { n: bad }) : rules ? t('checksOk', { m: rules.noFlyMarginM, alt: rules.maxAltitudeM }) : t('checksNoGeo')}
            </p>
            <p className="muted">{t('dragHint')}</p>
            {note && <p className="error" data-testid="edit-note">{note}</p>}
            <PlanItems
              mission={mission} rows={rows} selected={selected} problems={problems} tool={tool}
              canUndo={!!hist?.past.length} canRedo={!!hist?.future.length}
              setTool={setTool} select={setSelected} edit={edit} undo={() => step(undo)} redo={() => step(redo)}
            />
            <div className="row">
              <button data-testid="save-plan" onClick={() => save('plan')}>{t('saveAs')} .plan</button>
              <button data-testid="save-waypoints" onClick={() => save('waypoints')}>{t('saveAs')} .waypoints</button>
              <button data-testid="save-kml" onClick={() => save('kml')}>{t('saveAs')} KML</button>
            </div>
            <PlanUpload mission={mission} file={`${base}.plan`} dest={target} setDest={setTarget} sortieDrone={plan?.schedule.sorties.find((s) => s.id === sortie)?.drone ?? null} flies={flies} />
          </>
        )}
      </aside>
    </main>
  );
}
