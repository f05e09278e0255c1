/**
 * Coverage freshness: a square grid over the jurisdiction (cells whose centre is inside the boundary) holding
 * when each cell was last seen from the air. A cell is seen when its centre passes within swath/2 of a flown
 * track; the time is interpolated along the leg. Like the stations' colour-coded records, a cell turns
 * orange after `orangeAfterH` hours unseen and red after `redAfterH` (configurable); never seen is red too.
 * `staleness` turns the grid into a weight ≥ 1 the next day's planner uses to favour stale places.
 */
import { type LocalFrame, localFrame, ringCentre } from '../geo/frame.js';
import { type P, pointInRing } from '../geo/vec.js';
import type { LonLat } from '../jurisdiction.js';

export interface TrackPoint { at: LonLat; timeMs: number }
export interface Track { points: TrackPoint[]; swathM: number }
export interface FreshnessOptions { cellM: number; orangeAfterH: number; redAfterH: number }
export const DEFAULT_FRESHNESS: FreshnessOptions = { cellM: 100, orangeAfterH: 24, redAfterH: 72 };

export interface FreshnessGrid {
  frame: LocalFrame;
  opts: FreshnessOptions;
  x0: number;
  y0: number;
  nx: number;
  ny: number;
  inside: Uint8Array;
  /** Last seen (UTC ms) per cell, NaN when never. */
  lastSeenMs: Float64Array;
}

export type CellStatus = 'fresh' | 'orange' | 'red' | 'never';

export function emptyGrid(boundary: LonLat[], options: Partial<FreshnessOptions> = {}): FreshnessGrid {
  const opts = { ...DEFAULT_FRESHNESS, ...options };
  const frame = localFrame(ringCentre(boundary));
  const ring = boundary.map((p) => frame.toXY(p));
  const xs = ring.map((p) => p.x);
  const ys = ring.map((p) => p.y);
  const x0 = Math.min(...xs);
  const y0 = Math.min(...ys);
  const nx = Math.max(1, Math.ceil((Math.max(...xs) - x0) / opts.cellM));
  const ny = Math.max(1, Math.ceil((Math.max(...ys) - y0) / opts.cellM));
  const inside = new Uint8Array(nx * ny);
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) inside[j * nx + i] = pointInRing(centre(x0, y0, opts.cellM, i, j), ring) ? 1 : 0;
  return { frame, opts, x0, y0, nx, ny, inside, lastSeenMs: new Float64Array(nx * ny).fill(NaN) };
}

const centre = (x0: number, y0: number, c: number, i: number, j: number): P => ({ x: x0 + (i + 0.5) * c, y: y0 + (j + 0.5) * c });

/** Marks the cells the tracks saw (keeps the latest time per cell). Mutates and returns the grid. */
export function addTracks(g: FreshnessGrid, tracks: Track[]): FreshnessGrid {
  const c = g.opts.cellM;
  for (const t of tracks) {
    const r = t.swathM / 2;
    const pts = t.points.map((p) => ({ p: g.frame.toXY(p.at), t: p.timeMs }));
    for (let k = 0; k < pts.length; k++) {
      const a = pts[Math.max(0, k - 1)]!;
      const b = pts[k]!;
      const i0 = Math.max(0, Math.floor((Math.min(a.p.x, b.p.x) - r - g.x0) / c));
      const i1 = Math.min(g.nx - 1, Math.floor((Math.max(a.p.x, b.p.x) + r - g.x0) / c));
      const j0 = Math.max(0, Math.floor((Math.min(a.p.y, b.p.y) - r - g.y0) / c));
      const j1 = Math.min(g.ny - 1, Math.floor((Math.max(a.p.y, b.p.y) + r - g.y0) / c));
      const dx = b.p.x - a.p.x;
      const dy = b.p.y - a.p.y;
      const l2 = dx * dx + dy * dy;
      for (let j = j0; j <= j1; j++) {
        for (let i = i0; i <= i1; i++) {
          const q = centre(g.x0, g.y0, c, i, j);
          const u = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((q.x - a.p.x) * dx + (q.y - a.p.y) * dy) / l2));
          if (Math.hypot(q.x - (a.p.x + u * dx), q.y - (a.p.y + u * dy)) > r) continue;
          const when = a.t + u * (b.t - a.t);
          const k2 = j * g.nx + i;
          const prev = g.lastSeenMs[k2]!;
          if (Number.isNaN(prev) || when > prev) g.lastSeenMs[k2] = when;
        }
      }
    }
  }
  return g;
}

export function statusOf(g: FreshnessGrid, k: number, nowMs: number): CellStatus {
  const t = g.lastSeenMs[k]!;
  if (Number.isNaN(t)) return 'never';
  const ageH = (nowMs - t) / 3.6e6;
  return ageH >= g.opts.redAfterH ? 'red' : ageH >= g.opts.orangeAfterH ? 'orange' : 'fresh';
}

export function summary(g: FreshnessGrid, nowMs: number): Record<CellStatus, number> {
  const out: Record<CellStatus, number> = { fresh: 0, orange: 0, red: 0, never: 0 };
  for (let k = 0; k < g.inside.length; k++) if (g.inside[k]) out[statusOf(g, k, nowMs)]++;
  return out;
}

/** Weight ≥ 1 of a place: 1 when just seen, rising linearly to 3 at the red threshold (and when never seen). */
export function staleness(g: FreshnessGrid, nowMs: number): (p: LonLat) => number {
  return (ll) => {
    const p = g.frame.toXY(ll);
    const i = Math.floor((p.x - g.x0) / g.opts.cellM);
    const j = Math.floor((p.y - g.y0) / g.opts.cellM);
    if (i < 0 || j < 0 || i >= g.nx || j >= g.ny) return 1;
    const t = g.lastSeenMs[j * g.nx + i]!;
    if (Number.isNaN(t)) return 3;
    return 1 + 2 * Math.min(1, Math.max(0, (nowMs - t) / 3.6e6 / g.opts.redAfterH));
  };
}

/** The grid as GeoJSON squares with status and hours since seen, for the wall screen. */
export function freshnessGeoJSON(g: FreshnessGrid, nowMs: number): { type: 'FeatureCollection'; features: unknown[] } {
  const features: unknown[] = [];
  const c = g.opts.cellM;
  for (let j = 0; j < g.ny; j++) for (let i = 0; i < g.nx; i++) {
    const k = j * g.nx + i;
    if (!g.inside[k]) continue;
    const x = g.x0 + i * c;
    const y = g.y0 + j * c;
    const ring = [[x, y], [x + c, y], [x + c, y + c], [x, y + c], [x, y]].map(([a, b]) => g.frame.toLonLat({ x: a!, y: b! }));
    const t = g.lastSeenMs[k]!;
    features.push({
      type: 'Feature',
      properties: { status: statusOf(g, k, nowMs), hours_since_seen: Number.isNaN(t) ? null : Math.round(((nowMs - t) / 3.6e6) * 10) / 10 },
      geometry: { type: 'Polygon', coordinates: [ring] },
    });
  }
  return { type: 'FeatureCollection', features };
}

/**
 * Tracks from GeoJSON LineStrings (e.g. a previous plan's routes.geojson, or flown tracks): vertex times from
 * `properties.times` (one ISO 8601 per vertex), else spread by distance over [on_station, off_station]
 * (ISO 8601). Swath from `properties.swath_m`, else `defaultSwathM`. Features without times are skipped.
 */
export function tracksFromGeoJSON(json: unknown, defaultSwathM = 80, parseTime: (s: string) => number | undefined = Date.parse): Track[] {
  const feats = (json as { features?: unknown })?.features;
  if (!Array.isArray(feats)) return [];
  const out: Track[] = [];
  for (const f of feats as { properties?: Record<string, unknown>; geometry?: { type?: string; coordinates?: unknown } }[]) {
    const c = f?.geometry?.coordinates;
    if (f?.geometry?.type !== 'LineString' || !Array.isArray(c) || c.length < 2) continue;
    const pts = (c as unknown[]).filter((p): p is number[] => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number').map((p): LonLat => [p[0]!, p[1]!]);
    const pr = f.properties ?? {};
    const swathM = typeof pr.swath_m === 'number' ? pr.swath_m : defaultSwathM;
    let times: number[] | undefined;
    if (Array.isArray(pr.times) && pr.times.length === pts.length) times = pr.times.map((t) => (typeof t === 'string' ? parseTime(t) ?? NaN : NaN));
    else if (typeof pr.on_station === 'string' && typeof pr.off_station === 'string') {
      const t0 = parseTime(pr.on_station) ?? NaN;
      const t1 = parseTime(pr.off_station) ?? NaN;
      const frame = localFrame(pts[0]!);
      const xy = pts.map((p) => frame.toXY(p));
      const cum = [0];
      for (let i = 1; i < xy.length; i++) cum.push(cum[i - 1]! + Math.hypot(xy[i]!.x - xy[i - 1]!.x, xy[i]!.y - xy[i - 1]!.y));
      const L = cum[cum.length - 1]! || 1;
      times = cum.map((d) => t0 + ((t1 - t0) * d) / L);
    }
    if (!times || times.some((t) => !Number.isFinite(t))) continue;
    out.push({ swathM, points: pts.map((at, i) => ({ at, timeMs: times![i]! })) });
  }
  return out;
}
