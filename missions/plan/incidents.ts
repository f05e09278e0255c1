/**
 * Incident import: CSV (a header naming lat, lon, time, type in any order; Chinese headers 纬度/经度/时间/类型
 * accepted) or GeoJSON Point features, then DBSCAN clustering in the local metric frame into hotspots
 * (weight = incidents in the cluster, radius = farthest member from the centroid, at least epsM). Errors name
 * the file, the CSV line (1-based, header = line 1) or feature, and the field.
 */
import { ok, type Result } from '../../common/result.js';
import { type InputIssue, inputError, typeName } from '../errors.js';
import { localFrame, ringCentre } from '../geo/frame.js';
import { dist } from '../geo/vec.js';
import type { Hotspot, LonLat } from '../jurisdiction.js';
import { parseIso } from './timezone.js';

export interface Incident { at: LonLat; timeMs: number | undefined; type: string; source: string }

const ALIASES: Record<string, string[]> = {
  lat: ['lat', 'latitude', '纬度', 'y'],
  lon: ['lon', 'lng', 'long', 'longitude', '经度', 'x'],
  time: ['time', 'timestamp', 'datetime', 'date', '时间'],
  type: ['type', 'category', 'kind', '类型', '警情类型'],
};

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

export function parseIncidentsCsv(text: string, file: string): Result<Incident[], 'invalid-input'> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const issues: InputIssue[] = [];
  const header = splitCsv(lines[0] ?? '').map((h) => h.toLowerCase());
  const col: Record<string, number> = {};
  for (const [key, names] of Object.entries(ALIASES)) {
    const i = header.findIndex((h) => names.includes(h));
    if (i >= 0) col[key] = i;
  }
  for (const need of ['lat', 'lon'] as const) if (col[need] === undefined) issues.push({ where: 'line 1 (header)', problem: `no "${need}" column (found: ${header.join(', ') || 'nothing'})` });
  if (issues.length) return inputError(file, issues);
  const out: Incident[] = [];
  for (let n = 1; n < lines.length; n++) {
    if (!lines[n]!.trim()) continue;
    const f = splitCsv(lines[n]!);
    const where = `line ${n + 1}`;
    const lat = Number(f[col.lat!]);
    const lon = Number(f[col.lon!]);
    if (f[col.lat!] === undefined || f[col.lat!] === '' || !Number.isFinite(lat) || lat < -90 || lat > 90) issues.push({ where: `${where}, lat`, problem: `must be a latitude (−90…90), found ${JSON.stringify(f[col.lat!] ?? '')}` });
    if (f[col.lon!] === undefined || f[col.lon!] === '' || !Number.isFinite(lon) || lon < -180 || lon > 180) issues.push({ where: `${where}, lon`, problem: `must be a longitude (−180…180), found ${JSON.stringify(f[col.lon!] ?? '')}` });
    let timeMs: number | undefined;
    const ts = col.time === undefined ? '' : f[col.time] ?? '';
    if (ts) {
      timeMs = parseIso(ts.includes('T') ? ts : ts.replace(' ', 'T'));
      if (timeMs === undefined) issues.push({ where: `${where}, time`, problem: `must be ISO 8601 with an offset (e.g. 2026-11-23T21:40:00+08:00), found ${JSON.stringify(ts)}` });
    }
    out.push({ at: [lon, lat], timeMs, type: col.type === undefined ? '' : f[col.type] ?? '', source: where });
  }
  if (issues.length) return inputError(file, issues);
  return ok(out);
}

export function parseIncidentsGeoJSON(json: unknown, file: string): Result<Incident[], 'invalid-input'> {
  const fc = json as { type?: unknown; features?: unknown };
  if (typeof json !== 'object' || json === null || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    return inputError(file, [{ where: '(top level)', problem: 'must be a GeoJSON FeatureCollection' }]);
  }
  const issues: InputIssue[] = [];
  const out: Incident[] = [];
  fc.features.forEach((f: unknown, i: number) => {
    const ft = f as { geometry?: { type?: unknown; coordinates?: unknown }; properties?: Record<string, unknown> };
    const c = ft?.geometry?.coordinates;
    if (ft?.geometry?.type !== 'Point' || !Array.isArray(c) || typeof c[0] !== 'number' || typeof c[1] !== 'number') {
      issues.push({ where: `features[${i}].geometry`, problem: `must be a Point [lon, lat], found ${typeName(ft?.geometry?.type)}` });
      return;
    }
    const t = ft.properties?.time;
    const timeMs = typeof t === 'string' ? parseIso(t) : undefined;
    if (t !== undefined && timeMs === undefined) issues.push({ where: `features[${i}].properties.time`, problem: `must be ISO 8601 with an offset, found ${typeName(t)}` });
    out.push({ at: [c[0], c[1]], timeMs, type: typeof ft.properties?.type === 'string' ? (ft.properties.type as string) : '', source: `features[${i}]` });
  });
  if (issues.length) return inputError(file, issues);
  return ok(out);
}

/** DBSCAN (grid-hashed neighbour search) into hotspots, largest cluster first; noise points are dropped. */
export function clusterHotspots(incidents: Incident[], opts: { epsM?: number; minPts?: number; idPrefix?: string } = {}): Hotspot[] {
  const eps = opts.epsM ?? 150;
  const minPts = opts.minPts ?? 3;
  if (!incidents.length) return [];
  const frame = localFrame(ringCentre(incidents.map((i) => i.at)));
  const pts = incidents.map((i) => frame.toXY(i.at));
  const grid = new Map<string, number[]>();
  const key = (x: number, y: number) => `${Math.floor(x / eps)},${Math.floor(y / eps)}`;
  pts.forEach((p, i) => {
    const k = key(p.x, p.y);
    const b = grid.get(k);
    if (b) b.push(i);
    else grid.set(k, [i]);
  });
  const neighbours = (i: number): number[] => {
    const p = pts[i]!;
    const gx = Math.floor(p.x / eps);
    const gy = Math.floor(p.y / eps);
    const out: number[] = [];
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) for (const j of grid.get(`${gx + dx},${gy + dy}`) ?? []) if (dist(p, pts[j]!) <= eps) out.push(j);
    return out;
  };
  const label = new Int32Array(pts.length).fill(-2); // -2 unvisited, -1 noise
  let c = 0;
  for (let i = 0; i < pts.length; i++) {
    if (label[i] !== -2) continue;
    const nb = neighbours(i);
    if (nb.length < minPts) {
      label[i] = -1;
      continue;
    }
    label[i] = c;
    const queue = [...nb];
    while (queue.length) {
      const j = queue.pop()!;
      if (label[j] === -1) label[j] = c;
      if (label[j] !== -2) continue;
      label[j] = c;
      const nb2 = neighbours(j);
      if (nb2.length >= minPts) queue.push(...nb2);
    }
    c++;
  }
  const clusters: number[][] = Array.from({ length: c }, () => []);
  label.forEach((l, i) => l >= 0 && clusters[l]!.push(i));
  return clusters
    .map((m) => {
      const cx = m.reduce((s, i) => s + pts[i]!.x, 0) / m.length;
      const cy = m.reduce((s, i) => s + pts[i]!.y, 0) / m.length;
      const r = Math.max(eps, ...m.map((i) => dist(pts[i]!, { x: cx, y: cy })));
      const at = frame.toLonLat({ x: cx, y: cy });
      return { at: [Math.round(at[0] * 1e7) / 1e7, Math.round(at[1] * 1e7) / 1e7] as LonLat, weight: m.length, radiusM: Math.round(r) };
    })
    .sort((a, b) => b.weight - a.weight)
    .map((h, k) => ({ id: `${opts.idPrefix ?? 'inc'}-${k + 1}`, ...h }));
}
