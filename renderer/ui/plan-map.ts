/**
 * The planner's mission on the map: home (H), every place the drone flies to as a marker numbered as on the
 * list (the item's sequence number), camera points as camera markers with their number, the route through the
 * places (and back home after a return), and what fails a check in red with the words in its tooltip. Markers
 * drag to move their item; a click selects it.
 */
import L from 'leaflet';
import type { Mission } from '../../missions/formats/items.js';
import { escapeHtml, textElement } from '../features/map.js';
import { isFlown, type Row } from '../features/plan-edit.js';

export interface PlanMapOptions {
  selected: number | null;
  /** Item index → the words of what fails (joined), for red markers. */
  problems: ReadonlyMap<number, string>;
  onSelect(index: number): void;
  onMove(index: number, lat: number, lon: number): void;
}

const icon = (text: string, cls: string) => L.divIcon({ className: `kx-wp ${cls}`, html: escapeHtml(text), iconSize: [22, 22], iconAnchor: [11, 11] });

export function drawPlan(g: L.LayerGroup, m: Mission, rows: readonly Row[], o: PlanMapOptions): L.Polyline {
  g.clearLayers();
  const home: L.LatLngExpression = [m.home.lat, m.home.lon];
  const route: L.LatLng[] = [L.latLng(m.home.lat, m.home.lon)];
  // Where each flown marker sits on the route, to move the line while dragging.
  const onRoute = new Map<number, number>();
  for (const r of rows) {
    if (r.at && isFlown(r.kind)) {
      onRoute.set(r.index, route.length);
      route.push(L.latLng(r.at.lat, r.at.lon));
    }
    if (r.kind === 'rtl') route.push(L.latLng(m.home.lat, m.home.lon));
  }
  const line = L.polyline(route, { color: '#f472b6', weight: 3, interactive: false }).addTo(g);
  L.marker(home, { icon: icon('H', 'home'), keyboard: false }).bindTooltip(textElement('H 0'), { direction: 'top', className: 'kx-tip' }).addTo(g);
  for (const r of rows) {
    if (!r.at) continue;
    const bad = o.problems.get(r.index);
    const cls = [r.kind === 'camera' ? 'camera' : '', o.selected === r.index ? 'sel' : '', bad ? 'bad' : ''].join(' ');
    const mk = L.marker([r.at.lat, r.at.lon], { draggable: true, icon: icon(String(r.seq), cls), zIndexOffset: o.selected === r.index ? 1000 : 0 }).addTo(g);
    if (bad) mk.bindTooltip(textElement(`${r.seq}: ${bad}`), { direction: 'top', className: 'kx-tip', permanent: false });
    mk.on('click', () => o.onSelect(r.index));
    const k = onRoute.get(r.index);
    if (k !== undefined) {
      mk.on('drag', () => {
        const pts = line.getLatLngs() as L.LatLng[];
        pts[k] = mk.getLatLng();
        line.setLatLngs(pts);
      });
    }
    mk.on('dragend', () => {
      const p = mk.getLatLng();
      o.onMove(r.index, p.lat, p.lng);
    });
  }
  return line;
}
