/**
 * The jurisdiction map. Drone markers move from store subscriptions, not React renders, so 10 Hz telemetry
 * for a whole fleet costs no re-render. No tile layer yet (offline networks): the station's own geography is
 * the basemap; tiles arrive with the desktop-UI issue. Coordinates stay WGS-84.
 */
import L from 'leaflet';
import type { VehicleView } from '../../station/api/contract.js';
import type { ConsoleStore } from '../state/store.js';

const KIND_STYLE: Record<string, L.PathOptions> = {
  boundary: { color: '#1d4ed8', weight: 2, fill: false },
  'patrol-line': { color: '#0891b2', weight: 3 },
  'patrol-area': { color: '#16a34a', weight: 1, fillOpacity: 0.12 },
  'no-fly': { color: '#dc2626', weight: 1, fillOpacity: 0.25 },
};

export function mountMap(el: HTMLElement, store: ConsoleStore): () => void {
  const map = L.map(el, { zoomControl: true, attributionControl: false, preferCanvas: true });
  map.setView([24.59, 118.265], 14);
  const markers = new Map<number, L.CircleMarker>();
  let geoDrawn = false;

  const drawGeography = (geo: unknown) => {
    if (geoDrawn || !geo) return;
    geoDrawn = true;
    const layer = L.geoJSON(geo as GeoJSON.FeatureCollection, {
      style: (f) => KIND_STYLE[String(f?.properties?.kind)] ?? { color: '#6b7280' },
      pointToLayer: (f, latlng) =>
        L.circleMarker(latlng, {
          radius: 5,
          color: f.properties?.kind === 'dock' ? '#7c3aed' : f.properties?.kind === 'school' ? '#ea580c' : '#6b7280',
        }).bindTooltip(String(f.properties?.name ?? f.properties?.id ?? '')),
    }).addTo(map);
    const b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [10, 10] });
  };

  const drawVehicles = (vs: VehicleView[]) => {
    const seen = new Set<number>();
    for (const v of vs) {
      if (v.latDeg === null || v.lonDeg === null || (v.latDeg === 0 && v.lonDeg === 0)) continue;
      seen.add(v.sysid);
      let m = markers.get(v.sysid);
      if (!m) {
        m = L.circleMarker([v.latDeg, v.lonDeg], { radius: 7, weight: 2 }).bindTooltip(v.id, { permanent: true, direction: 'right' });
        m.addTo(map);
        markers.set(v.sysid, m);
      }
      m.setLatLng([v.latDeg, v.lonDeg]);
      m.setStyle({ color: v.connected ? (v.armed ? '#dc2626' : '#059669') : '#6b7280' });
    }
    for (const [id, m] of markers) {
      if (seen.has(id)) continue;
      m.remove();
      markers.delete(id);
    }
  };

  drawGeography(store.getState().geography);
  drawVehicles(store.getState().vehicles);
  const unsub = store.subscribe((s, prev) => {
    if (s.geography !== prev.geography) drawGeography(s.geography);
    if (s.vehicles !== prev.vehicles) drawVehicles(s.vehicles);
  });
  return () => {
    unsub();
    map.remove();
  };
}
