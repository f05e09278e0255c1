/**
 * The replay map: the desk's basemap setup (none / offline MBTiles / OSM / Tianditu / AMap with its GCJ-02 tiles
 * shifted, features/basemap.ts; every coordinate stays WGS-84), the station geography faintly, the flight's
 * whole track, the part flown up to the cursor, home, and the drone with its heading at the cursor time. The
 * marker moves from the player's store subscription, never a React render.
 */
import L from 'leaflet';
import type { FlightDetail } from '../../common/api/contract.js';
import { mountBasemap } from '../features/basemap.js';
import { droneIcon, geographyLayer, pointIcon } from '../features/map.js';
import { translate } from '../i18n.js';
import type { ConsoleStore } from '../state/store.js';
import { droneName, indexAt, poseAt, trackOf } from './model.js';
import type { Player } from './player.js';

/** The flown part is redrawn at most this often (it can be thousands of points). */
const FLOWN_EVERY_MS = 250;

export function mountReplayMap(el: HTMLElement, store: ConsoleStore, detail: FlightDetail, player: Player): () => void {
  const map = L.map(el, { zoomControl: true, attributionControl: false, keyboard: false });
  map.setView([24.59, 118.265], 14);
  L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
  const offBasemap = mountBasemap(map, store);
  const geo = store.getState().geography;
  if (geo) geographyLayer(geo, { interactive: false }).setStyle({ opacity: 0.45, fillOpacity: 0.05 }).addTo(map);

  const track = trackOf(detail.samples);
  const lls = track.map((p) => L.latLng(p.latDeg, p.lonDeg));
  const whole = L.polyline(lls, { color: '#64748b', weight: 3, opacity: 0.9, interactive: false, className: 'replay-track' }).addTo(map);
  const flown = L.polyline([], { color: '#a78bfa', weight: 3.5, opacity: 0.95, interactive: false, className: 'replay-flown' }).addTo(map);
  el.dataset.trackPoints = String(lls.length);

  const homeLL = detail.home ? L.latLng(detail.home.latDeg, detail.home.lonDeg) : lls[0];
  if (homeLL) {
    L.marker(homeLL, { icon: pointIcon('dock'), keyboard: false, zIndexOffset: 500 })
      .bindTooltip(() => translate(store.getState().lang, 'home'), { direction: 'top', className: 'kx-tip' })
      .addTo(map);
  }

  const marker = L.marker(lls[0] ?? homeLL ?? [0, 0], { icon: droneIcon(droneName(detail.flight)), keyboard: false, interactive: false, zIndexOffset: 1000 });
  if (lls.length > 0) marker.addTo(map);
  const mEl = marker.getElement();
  mEl?.classList.add('armed', 'replay-drone');
  if (mEl) mEl.dataset.testid = 'replay-drone';
  const arrow = mEl?.querySelector<SVGElement>('.kx-arrow') ?? null;

  if (lls.length > 1) map.fitBounds(whole.getBounds(), { padding: [30, 30], maxZoom: 18 });
  else if (homeLL) map.setView(homeLL, 17);

  let flownIdx = -2;
  let flownAt = 0;
  const draw = (t: number, force = false) => {
    const p = poseAt(track, t);
    if (p) {
      marker.setLatLng([p.latDeg, p.lonDeg]);
      if (arrow) arrow.style.transform = `rotate(${p.headingDeg ?? 0}deg)`;
      if (mEl) {
        mEl.dataset.lat = p.latDeg.toFixed(7);
        mEl.dataset.lon = p.lonDeg.toFixed(7);
      }
    }
    const i = indexAt(track, t);
    const now = performance.now();
    if (i !== flownIdx && (force || now - flownAt > FLOWN_EVERY_MS)) {
      flownIdx = i;
      flownAt = now;
      flown.setLatLngs(i < 0 ? [] : p ? [...lls.slice(0, i + 1), L.latLng(p.latDeg, p.lonDeg)] : lls.slice(0, i + 1));
    }
  };
  draw(player.store.getState().t, true);
  const unsub = player.store.subscribe((s, prev) => {
    if (s.t !== prev.t) draw(s.t, !s.playing);
  });
  // While paused the flown part is exact; the throttle only applies during play.
  const offFrame = player.onFrame((t, playing) => {
    if (!playing && flownIdx !== indexAt(track, t)) draw(t, true);
  });
  const ro = new ResizeObserver(() => map.invalidateSize());
  ro.observe(el);
  return () => {
    ro.disconnect();
    offFrame();
    unsub();
    offBasemap();
    map.remove();
  };
}
