/** The coverage freshness layer of the wall screen: recomputed every 30 s (and when the plan arrives), below the drones. */
import L from 'leaflet';
import type { Track } from '../../missions/plan/freshness.js';
import type { ConsoleStore } from '../state/store.js';
import { coverage, SWATH_M, type Coverage } from './coverage.js';

const STYLE: Record<string, L.PathOptions> = {
  fresh: { fillColor: '#22c55e', fillOpacity: 0.28 },
  orange: { fillColor: '#f97316', fillOpacity: 0.32 },
  red: { fillColor: '#dc2626', fillOpacity: 0.3 },
  never: { fillColor: '#dc2626', fillOpacity: 0.12 },
};

export function mountCoverage(map: L.Map, store: ConsoleStore, onCounts: (c: Coverage['counts']) => void): () => void {
  const pane = map.createPane('coverage');
  pane.style.zIndex = '350';
  // Its own canvas: drone trails repaint theirs often, these ~2000 cells only every 30 s.
  const renderer = L.canvas({ pane: 'coverage' });
  let layer: L.GeoJSON | undefined;
  // Live tracks: where armed drones were, sampled every 2 s of station time.
  const live = new Map<number, Track>();
  let lastSample = 0;
  const sample = () => {
    const s = store.getState();
    if (s.atMs - lastSample < 2000) return;
    lastSample = s.atMs;
    for (const v of s.vehicles) {
      if (!v.armed || v.latDeg === null || v.lonDeg === null) continue;
      let t = live.get(v.sysid);
      if (!t) live.set(v.sysid, (t = { swathM: SWATH_M, points: [] }));
      t.points.push({ at: [v.lonDeg, v.latDeg], timeMs: s.atMs });
      if (t.points.length > 2000) t.points.splice(0, t.points.length - 2000);
    }
  };
  const draw = () => {
    const s = store.getState();
    const c = coverage(s.geography, s.plan, s.actual, [...live.values()].filter((t) => t.points.length > 1), s.atMs || Date.now());
    if (!c) return;
    layer?.remove();
    layer = L.geoJSON(c.geojson as GeoJSON.FeatureCollection, {
      pane: 'coverage',
      interactive: false,
      style: (f) => {
        const st = String(f?.properties?.status);
        const base = STYLE[st] ?? STYLE.never!;
        const h = Number(f?.properties?.hours_since_seen ?? 0);
        const fade = st === 'fresh' ? Math.max(0.1, (base.fillOpacity ?? 0.3) * (1 - h / 24)) : base.fillOpacity;
        return { ...base, fillOpacity: fade, stroke: false, renderer };
      },
    }).addTo(map);
    onCounts(c.counts);
  };
  draw();
  const timer = setInterval(draw, 30_000);
  const unsub = store.subscribe((s, p) => {
    if (s.vehicles !== p.vehicles) sample();
    if (s.plan !== p.plan || s.geography !== p.geography || s.actual?.sorties.length !== p.actual?.sorties.length) draw();
  });
  return () => {
    clearInterval(timer);
    unsub();
    layer?.remove();
  };
}
