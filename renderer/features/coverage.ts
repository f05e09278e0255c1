/**
 * Coverage freshness for the wall screen: how long since each 100 m cell of the jurisdiction was seen from
 * the air, from the routes the patrol runner's sorties actually flew (each timed along its route from the
 * drone's recorded arrival on station to its departure, cut at now) and the drones' live positions while armed.
 * A planned sortie nobody flew covers nothing. The grid and its colours are the
 * planner's (missions/plan/freshness.ts): fresh, orange after 24 h, red after 72 h or never seen.
 */
import { groundDistanceM } from '../../common/geo.js';
import type { LonLat } from '../../missions/jurisdiction.js';
import { addTracks, emptyGrid, freshnessGeoJSON, summary, type CellStatus, type Track } from '../../missions/plan/freshness.js';
import type { ActualMessage, PlanMessage } from '../../common/api/contract.js';
import { onStation, plannedId } from './sortie.js';

/** Ground width seen: a camera at the patrol altitude (60 m) with a ~90° field of view sees ~120 m across. */
export const SWATH_M = 120;

/** The boundary ring of the station's geography, if any. */
export function boundaryRing(geo: unknown): LonLat[] | undefined {
  const f = (geo as { features?: { properties?: { kind?: string }; geometry?: { type?: string; coordinates?: unknown } }[] } | null)?.features?.find(
    (x) => x.properties?.kind === 'boundary',
  );
  if (f?.geometry?.type === 'Polygon') return (f.geometry.coordinates as LonLat[][])[0];
  if (f?.geometry?.type === 'MultiPolygon') return (f.geometry.coordinates as LonLat[][][])[0]?.[0];
  return undefined;
}

const dist = (a: LonLat, b: LonLat) => groundDistanceM({ latDeg: a[1], lonDeg: a[0] }, { latDeg: b[1], lonDeg: b[0] });

/** Each flown sortie's route, timed in proportion to distance over its recorded time on station, cut at now. */
export function flownTracks(plan: PlanMessage, actual: ActualMessage | null, nowMs: number): Track[] {
  const out: Track[] = [];
  for (const r of actual?.sorties ?? []) {
    const iv = onStation(r, nowMs);
    const route = plan.routes.find((x) => x.id === plannedId(r.id))?.coords;
    if (!iv || !route || route.length < 2 || iv[0] >= nowMs) continue;
    // Still on station: the route is timed over the planned span from arrival, and cut at now.
    const t0 = iv[0];
    const t1 = r.offStationAtMs ?? r.landedAtMs ?? t0 + Math.max(60_000, r.planned.offMs - r.planned.onMs);
    const cum = [0];
    for (let i = 1; i < route.length; i++) cum.push(cum[i - 1]! + dist(route[i - 1]!, route[i]!));
    const L = cum[cum.length - 1]! || 1;
    const points: Track['points'] = [];
    for (let i = 0; i < route.length; i++) {
      const t = t0 + ((t1 - t0) * cum[i]!) / L;
      if (t <= nowMs) {
        points.push({ at: route[i]!, timeMs: t });
        continue;
      }
      // Cut the leg at now.
      const prev = points[points.length - 1];
      if (prev) {
        const f = (nowMs - prev.timeMs) / (t - prev.timeMs);
        const a = route[i - 1]!;
        const b = route[i]!;
        points.push({ at: [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])], timeMs: nowMs });
      }
      break;
    }
    if (points.length > 1) out.push({ swathM: SWATH_M, points });
  }
  return out;
}

export interface Coverage {
  geojson: { type: 'FeatureCollection'; features: unknown[] };
  counts: Record<CellStatus, number>;
}

export function coverage(geo: unknown, plan: PlanMessage | null, actual: ActualMessage | null, live: Track[], nowMs: number): Coverage | undefined {
  const ring = boundaryRing(geo);
  if (!ring) return undefined;
  const g = emptyGrid(ring, { cellM: 100 });
  addTracks(g, [...(plan ? flownTracks(plan, actual, nowMs) : []), ...live]);
  return { geojson: freshnessGeoJSON(g, nowMs), counts: summary(g, nowMs) };
}
