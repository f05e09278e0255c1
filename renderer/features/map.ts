/**
 * The jurisdiction map: station geography (boundary, patrol lines and areas, no-fly zones, schools, docks,
 * hotspots), every drone as a heading arrow with its trail (cleared when it lands), its current sortie's route
 * with progress, and the targets of go-to / orbit commands; drones standing together on the ground as one marker
 * with their count and names (dock-stack.ts), a click listing them to pick one. Everything moves from store subscriptions, never React renders, so
 * 10 Hz telemetry of a whole fleet costs no re-render. Coordinates stay WGS-84 (see basemap.ts).
 */
import L from 'leaflet';
import type { VehicleView } from '../../common/api/contract.js';
import type { ConsoleState, ConsoleStore } from '../state/store.js';
import { mountBasemap } from './basemap.js';
import { droneSortie, plannedId } from './sortie.js';
import { dockStacks, stackLabel, type DockStack } from './dock-stack.js';
import { translate } from '../i18n.js';

const KIND_STYLE: Record<string, L.PathOptions> = {
  boundary: { color: '#60a5fa', weight: 2, fill: false, dashArray: '6 4' },
  'patrol-line': { color: '#22d3ee', weight: 3, opacity: 0.8 },
  'patrol-area': { color: '#4ade80', weight: 1, fillOpacity: 0.1 },
  'no-fly': { color: '#f87171', weight: 1.5, fillColor: '#dc2626', fillOpacity: 0.25 },
  hotspot: { color: '#fbbf24', weight: 1, fillOpacity: 0.15 },
};
const TRAIL_POINTS = 600;

export interface MapOptions {
  /** Called with a clicked point (WGS-84) when the store asks to pick one. */
  onPick?: (latDeg: number, lonDeg: number) => void;
  /** Drone click selects it. */
  onSelect?: (sysid: number) => void;
  /** Right-click (context menu) on the map: "go and look here" at that point. */
  onContext?: (latDeg: number, lonDeg: number) => void;
  fit?: 'geography';
}

export function pointIcon(kind: string): L.DivIcon {
  const cls = kind === 'dock' ? 'kx-dock' : kind === 'school' ? 'kx-school' : 'kx-point';
  const glyph = kind === 'dock' ? 'H' : kind === 'school' ? '学' : '';
  return L.divIcon({ className: `kx-poi ${cls}`, html: glyph, iconSize: [18, 18], iconAnchor: [9, 9] });
}

/** Text for Leaflet's tooltips and icons: Leaflet puts a string in as HTML, so names from the station's files and
 * ids from drones go in as text nodes, never as markup (a fleet file naming a drone `<img onerror=…>` shows that text). */
export function textElement(text: string, className?: string): HTMLElement {
  const el = document.createElement('span');
  if (className) el.className = className;
  el.textContent = text;
  return el;
}

/** Escapes text for the few places Leaflet takes markup (a div icon's html). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function droneIcon(id: string): L.DivIcon {
  return L.divIcon({
    className: 'kx-drone',
    iconSize: [28, 28],
    iconAnchor: [14, 14],
    html: `<svg class="kx-arrow" viewBox="-14 -14 28 28" width="28" height="28"><path d="M0,-12 L8,9 L0,4 L-8,9 Z"/></svg><span class="kx-label">${escapeHtml(id)}</span>`,
  });
}

/** The station's geography (boundary, patrol lines and areas, no-fly zones, schools, docks, hotspots) as one layer. */
export function geographyLayer(geo: unknown, o: { interactive?: boolean } = {}): L.GeoJSON {
  return L.geoJSON(geo as GeoJSON.FeatureCollection, {
    interactive: o.interactive ?? true,
    style: (f) => KIND_STYLE[String(f?.properties?.kind)] ?? { color: '#94a3b8' },
    pointToLayer: (f, latlng) => {
      const kind = String(f.properties?.kind);
      if (kind === 'hotspot') return L.circleMarker(latlng, { radius: 4, color: '#fbbf24', weight: 1, fillOpacity: 0.6, interactive: o.interactive ?? true });
      return L.marker(latlng, { icon: pointIcon(kind), keyboard: false, interactive: o.interactive ?? true });
    },
    onEachFeature: (f, l) => {
      const name = String(f.properties?.name ?? f.properties?.id ?? '');
      if (name) l.bindTooltip(textElement(name), { direction: 'top', className: 'kx-tip' });
    },
  });
}

interface DroneLayers {
  marker: L.Marker;
  arrow: SVGElement | null;
  trail: L.Polyline;
  route: L.Polyline;
  progress: L.CircleMarker;
  target: L.Polyline;
  targetRing: L.Circle;
  last: string;
  /** Trail points not drawn yet. */
  pending: L.LatLng[];
  wasArmed: boolean;
}

/** Drones standing together on the ground: one marker (count and names); a click lists them to pick one. */
interface StackLayer {
  marker: L.Marker;
  stack: DockStack;
  sig: string;
}

export function mountMap(el: HTMLElement, store: ConsoleStore, o: MapOptions = {}): { map: L.Map; destroy(): void } {
  const map = L.map(el, { zoomControl: true, attributionControl: false, preferCanvas: true });
  // Where a place is on the canvas, for end-to-end tests and debugging (as window.kongxunStore).
  (el as unknown as { kongxunMap?: L.Map }).kongxunMap = map;
  map.setView([24.59, 118.265], 14);
  L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
  const offBasemap = mountBasemap(map, store);
  const drones = new Map<number, DroneLayers>();
  const dirtyTrails = new Set<DroneLayers>();
  const flushTrails = () => {
    for (const d of dirtyTrails) {
      const pts = (d.trail.getLatLngs() as L.LatLng[]).concat(d.pending);
      d.pending = [];
      d.trail.setLatLngs(pts.length > TRAIL_POINTS ? pts.slice(pts.length - TRAIL_POINTS) : pts);
    }
    dirtyTrails.clear();
  };
  const trailTimer = setInterval(flushTrails, 500);
  let geoDrawn = false;

  const drawGeography = (geo: unknown) => {
    if (geoDrawn || !geo) return;
    geoDrawn = true;
    const layer = geographyLayer(geo).addTo(map);
    const b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [16, 16] });
  };

  const layersFor = (v: VehicleView): DroneLayers => {
    let d = drones.get(v.sysid);
    if (d) return d;
    const marker = L.marker([v.latDeg!, v.lonDeg!], { icon: droneIcon(v.id), keyboard: false, zIndexOffset: 1000 }).addTo(map);
    marker.on('click', () => o.onSelect?.(v.sysid));
    const el = marker.getElement();
    if (el) el.dataset.drone = v.id;
    d = {
      marker,
      arrow: el?.querySelector('.kx-arrow') ?? null,
      trail: L.polyline([], { color: '#a78bfa', weight: 2, opacity: 0.7, interactive: false }).addTo(map),
      route: L.polyline([], { color: '#38bdf8', weight: 2, opacity: 0.6, dashArray: '4 6', interactive: false }).addTo(map),
      progress: L.circleMarker([0, 0], { radius: 4, color: '#38bdf8', fillOpacity: 1, interactive: false }),
      target: L.polyline([], { color: '#fde047', weight: 2, dashArray: '6 6', interactive: false }).addTo(map),
      targetRing: L.circle([0, 0], { radius: 50, color: '#fde047', weight: 1.5, fill: false, interactive: false }),
      last: '',
      pending: [],
      wasArmed: v.armed,
    };
    drones.set(v.sysid, d);
    return d;
  };

  const stacks = new Map<string, StackLayer>();
  const openStack = (key: string) => {
    const sl = stacks.get(key);
    if (!sl) return;
    const { lang, selected } = store.getState();
    const box = document.createElement('div');
    box.className = 'kx-stack-list';
    box.dataset.testid = 'dock-stack-list';
    box.append(textElement(translate(lang, 'stackTitle', { n: sl.stack.members.length }), 'kx-stack-title'));
    for (const m of sl.stack.members) {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.testid = `stack-${m.id}`;
      b.className = m.sysid === selected ? 'selected' : '';
      const state = !m.connected ? translate(lang, 'lost') : m.mode;
      b.textContent = `${m.id} · ${m.batteryPct === null ? '—' : `${Math.round(m.batteryPct)}%`} · ${state}`;
      b.onclick = () => {
        o.onSelect?.(m.sysid);
        map.closePopup();
      };
      b.disabled = !o.onSelect;
      box.append(b);
    }
    L.popup({ closeButton: true, autoPan: true, offset: [0, -10] }).setLatLng(sl.marker.getLatLng()).setContent(box).openOn(map);
  };
  const drawStacks = (list: DockStack[], selected: number | null) => {
    const keep = new Set<string>();
    for (const st of list) {
      keep.add(st.key);
      const sel = st.members.some((m) => m.sysid === selected);
      const sig = `${st.members.map((m) => `${m.id}${m.connected ? '' : '!'}`).join(',')}|${sel ? selected : ''}`;
      let sl = stacks.get(st.key);
      if (!sl) {
        const marker = L.marker([st.latDeg, st.lonDeg], { icon: L.divIcon({ className: 'kx-stack' }), keyboard: false, zIndexOffset: 900 }).addTo(map);
        const key = st.key;
        marker.on('click', () => openStack(key));
        sl = { marker, stack: st, sig: '' };
        stacks.set(st.key, sl);
      }
      sl.stack = st;
      sl.marker.setLatLng([st.latDeg, st.lonDeg]);
      if (sl.sig !== sig) {
        sl.sig = sig;
        const lost = st.members.filter((m) => !m.connected).length;
        sl.marker.setIcon(L.divIcon({
          className: `kx-stack${sel ? ' selected' : ''}${lost ? ' has-lost' : ''}`,
          iconSize: [30, 22],
          iconAnchor: [15, 11],
          html: `<span class="kx-stack-count">${st.members.length}</span><span class="kx-label">${escapeHtml(stackLabel(st.members))}</span>`,
        }));
        const el = sl.marker.getElement();
        if (el) {
          el.dataset.testid = 'dock-stack';
          el.dataset.drones = st.members.map((m) => m.id).join(',');
        }
      }
    }
    for (const [key, sl] of stacks) {
      if (keep.has(key)) continue;
      sl.marker.remove();
      stacks.delete(key);
    }
  };

  const drawVehicles = (s: ConsoleState) => {
    const seen = new Set<number>();
    const stackList = dockStacks(s.vehicles);
    const stacked = new Set(stackList.flatMap((st) => st.members.map((m) => m.sysid)));
    drawStacks(stackList, s.selected);
    for (const v of s.vehicles) {
      if (v.latDeg === null || v.lonDeg === null || (v.latDeg === 0 && v.lonDeg === 0)) continue;
      seen.add(v.sysid);
      const d = layersFor(v);
      const ll = L.latLng(v.latDeg, v.lonDeg);
      d.marker.setLatLng(ll);
      if (d.arrow) d.arrow.style.transform = `rotate(${v.headingDeg ?? 0}deg)`;
      const el = d.marker.getElement();
      if (el) {
        const state = !v.connected ? 'lost' : v.armed ? 'armed' : 'idle';
        for (const c of ['lost', 'armed', 'idle']) el.classList.toggle(c, c === state);
        el.classList.toggle('selected', v.sysid === s.selected);
        // Standing with others on the ground: drawn by its stack's marker, not on top of them.
        el.classList.toggle('stacked', stacked.has(v.sysid));
        // Just above a stack (taking off from its dock): its name goes on the left, clear of the stack's names.
        const nearStack = !stacked.has(v.sysid) && stackList.some((st) => Math.abs(st.latDeg - v.latDeg!) < 0.0005 && Math.abs(st.lonDeg - v.lonDeg!) < 0.0008);
        el.classList.toggle('label-left', nearStack);
      }
      // Landed: the flight's trail goes (the next flight draws its own).
      if (d.wasArmed && !v.armed) {
        d.trail.setLatLngs([]);
        d.pending = [];
        dirtyTrails.delete(d);
      }
      d.wasArmed = v.armed;
      // Trail: the flown path since the console opened (while armed), capped. Points collect here and reach
      // the canvas twice a second (flushTrails): a 10 Hz repaint of every trail is the costliest thing on the map.
      const key = `${v.latDeg.toFixed(6)},${v.lonDeg.toFixed(6)}`;
      if (v.armed && key !== d.last) {
        d.pending.push(ll);
        dirtyTrails.add(d);
      }
      d.last = key;
      const w = v.sysid === s.selected ? 3 : 2;
      if (d.trail.options.weight !== w) d.trail.setStyle({ weight: w });
      // The sortie the runner has this drone on (none without a runner): its route and, while on station,
      // where it should be along it.
      const sortie = droneSortie(s.actual, v, s.atMs);
      const route = sortie ? s.plan?.routes.find((r) => r.id === plannedId(sortie.id)) : undefined;
      if (route && route.coords.length > 1) {
        const pts = route.coords.map(([lon, lat]) => L.latLng(lat, lon));
        if (d.route.getLatLngs().length !== pts.length) d.route.setLatLngs(pts);
        const f = sortie?.progress ?? 0;
        const at = pts[Math.min(pts.length - 1, Math.floor(f * (pts.length - 1)))]!;
        d.progress.setLatLng(at).addTo(map);
      } else if (d.route.getLatLngs().length) {
        d.route.setLatLngs([]);
        d.progress.remove();
      }
      // Go-to / orbit target.
      const t = s.targets[v.sysid];
      if (t && v.armed) {
        d.target.setLatLngs([ll, [t.latDeg, t.lonDeg]]);
        if (t.kind === 'orbit') d.targetRing.setLatLng([t.latDeg, t.lonDeg]).addTo(map);
        else d.targetRing.remove();
      } else {
        d.target.setLatLngs([]);
        d.targetRing.remove();
      }
    }
    for (const [id, d] of drones) {
      if (seen.has(id)) continue;
      dirtyTrails.delete(d);
      for (const l of [d.marker, d.trail, d.route, d.progress, d.target, d.targetRing]) l.remove();
      drones.delete(id);
    }
  };

  map.on('click', (e: L.LeafletMouseEvent) => {
    if (store.getState().pick) o.onPick?.(e.latlng.lat, e.latlng.lng);
  });
  map.on('contextmenu', (e: L.LeafletMouseEvent) => o.onContext?.(e.latlng.lat, e.latlng.lng));
  // The point a "go and look here" dialog is open for, and the points of today's dispatches still under way.
  const lookMarks = L.layerGroup().addTo(map);
  const drawLooks = (s: ConsoleState) => {
    lookMarks.clearLayers();
    if (s.lookAt) L.circleMarker([s.lookAt.latDeg, s.lookAt.lonDeg], { radius: 7, color: '#facc15', weight: 2, fillOpacity: 0.3 }).addTo(lookMarks);
    for (const d of s.actual?.dispatches ?? []) {
      if (!['queued', 'en_route', 'on_scene'].includes(d.state)) continue;
      L.circle([d.request.latDeg, d.request.lonDeg], { radius: Math.max(20, d.request.radiusM), color: '#f472b6', weight: 2, dashArray: '4 3', fillOpacity: 0.08 }).addTo(lookMarks);
    }
  };
  const setPicking = (p: ConsoleState['pick']) => el.classList.toggle('picking', p !== null);

  drawGeography(store.getState().geography);
  drawVehicles(store.getState());
  const unsub = store.subscribe((s, prev) => {
    if (s.geography !== prev.geography) drawGeography(s.geography);
    if (s.vehicles !== prev.vehicles || s.selected !== prev.selected || s.targets !== prev.targets || s.plan !== prev.plan) drawVehicles(s);
    if (s.pick !== prev.pick) setPicking(s.pick);
    if (s.lookAt !== prev.lookAt || s.actual !== prev.actual) drawLooks(s);
  });
  const ro = new ResizeObserver(() => map.invalidateSize());
  ro.observe(el);
  return {
    map,
    destroy: () => {
      clearInterval(trailTimer);
      ro.disconnect();
      unsub();
      offBasemap();
      map.remove();
    },
  };
}
