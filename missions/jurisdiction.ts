/**
 * The jurisdiction GeoJSON (../shared/formats/jurisdiction.md): one FeatureCollection, WGS-84 [lon, lat],
 * each feature's `properties.kind` one of the contract's kinds. Validated into typed data with defaults.
 * Errors name the feature (its id, else its index), the field and what is wrong. Unknown properties and
 * unknown kinds are ignored (unknown kinds come back as warnings), since people draw these files in QGIS; a
 * feature with no kind at all is an error naming it.
 */
import type { Result } from '../common/result.js';
import { type InputIssue, inputError, typeName } from './errors.js';

export type LonLat = [number, number];

export interface Boundary { id: string; name: string; ring: LonLat[]; maxAltitudeM: number; timezone: string }
export interface Dock { id: string; name: string; at: LonLat; bays: number; chargeMin: number | undefined }
export interface PatrolLine { id: string; name: string; path: LonLat[]; altitudeM: number; priority: 1 | 2 | 3 }
export interface PatrolArea { id: string; name: string; outer: LonLat[]; holes: LonLat[][]; altitudeM: number; swathM: number }
export interface School { id: string; name: string; gate: LonLat; windows: { from: string; to: string }[]; hoverAltitudeM: number }
export interface Hotspot { id: string; at: LonLat; weight: number; radiusM: number }
export interface NoFly { id: string; name: string; reason: string; outer: LonLat[]; holes: LonLat[][] }

export interface Jurisdiction {
  boundary: Boundary;
  docks: Dock[];
  lines: PatrolLine[];
  areas: PatrolArea[];
  schools: School[];
  hotspots: Hotspot[];
  noFly: NoFly[];
}

export const KINDS = ['boundary', 'dock', 'patrol-line', 'patrol-area', 'school', 'hotspot', 'no-fly'] as const;
const WINDOW = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

export function parseJurisdiction(json: unknown, file: string): Result<Jurisdiction, 'invalid-input'> & { warnings: InputIssue[] } {
  const issues: InputIssue[] = [];
  const warnings: InputIssue[] = [];
  const fc = json as { type?: unknown; features?: unknown };
  if (typeof json !== 'object' || json === null || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    return { ...inputError(file, [{ where: '(top level)', problem: 'must be a GeoJSON FeatureCollection with a "features" array' }]), warnings };
  }
  const out: Omit<Jurisdiction, 'boundary'> & { boundary?: Boundary } = { docks: [], lines: [], areas: [], schools: [], hotspots: [], noFly: [] };
  const ids = new Map<string, string>();
  let boundaries = 0;

  fc.features.forEach((f: unknown, i: number) => {
    const feat = f as { type?: unknown; properties?: Record<string, unknown>; geometry?: { type?: unknown; coordinates?: unknown } };
    const props = feat?.properties;
    const rawId = props?.id;
    const where = typeof rawId === 'string' && rawId ? `features[${i}] (id ${rawId})` : `features[${i}]`;
    const bad = (field: string, problem: string) => issues.push({ where: `${where}${field ? `.${field}` : ''}`, problem });
    if (typeof f !== 'object' || f === null || feat.type !== 'Feature') return bad('', 'must be a GeoJSON Feature');
    if (typeof props !== 'object' || props === null) return bad('properties', 'is required (an object with "kind" and "id")');
    const kind = props.kind;
    // A feature without a kind is a broken file (a patrol line drawn without its kind would silently drop
    // out of the plan): refused, naming it. A kind this version does not know is another tool's: ignored.
    if (typeof kind !== 'string' || !kind.trim()) return bad('properties.kind', kind === undefined ? `is required (one of ${KINDS.join(', ')})` : `must be one of ${KINDS.join(', ')}, found ${typeName(kind)}`);
    if (!(KINDS as readonly string[]).includes(kind)) {
      warnings.push({ where, problem: `properties.kind ${typeName(kind)} is not one of ${KINDS.join(', ')}; feature ignored` });
      return;
    }
    const id = typeof rawId === 'string' && rawId.trim() ? rawId : '';
    if (!id) bad('properties.id', rawId === undefined ? 'is required' : `must be a non-empty string, found ${typeName(rawId)}`);
    else if (ids.has(id)) bad('properties.id', `"${id}" is also the id of ${ids.get(id)}; ids must be unique`);
    else ids.set(id, `features[${i}]`);
    const name = typeof props.name === 'string' ? props.name : id;
    const num = (key: string, dflt: number | undefined, min: number, max: number): number => {
      const v = props[key];
      if (v === undefined && dflt !== undefined) return dflt;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
        bad(`properties.${key}`, v === undefined ? 'is required' : `must be a number from ${min} to ${max}, found ${typeName(v)}`);
        return dflt ?? min;
      }
      return v;
    };
    const geom = feat.geometry;
    const gtype = geom?.type;
    const expect = kind === 'dock' || kind === 'school' || kind === 'hotspot' ? 'Point' : kind === 'patrol-line' ? 'LineString' : 'Polygon';
    if (gtype !== expect) return bad('geometry', `a ${kind} must be a ${expect}, found ${gtype === undefined ? 'no geometry' : String(gtype)}`);
    const pos = (p: unknown, at: string): LonLat | undefined => {
      if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number' || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
        bad(`geometry.coordinates${at}`, `must be a [lon, lat] position, found ${typeName(p)}`);
        return undefined;
      }
      if (p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90) {
        bad(`geometry.coordinates${at}`, `[${p[0]}, ${p[1]}] is outside WGS-84 range (lon −180…180, lat −90…90; GeoJSON order is [lon, lat])`);
        return undefined;
      }
      return [p[0], p[1]];
    };
    const line = (c: unknown, at: string, minLen: number): LonLat[] => {
      if (!Array.isArray(c) || c.length < minLen) {
        bad(`geometry.coordinates${at}`, `needs at least ${minLen} positions, found ${Array.isArray(c) ? c.length : typeName(c)}`);
        return [];
      }
      const pts = c.map((p, k) => pos(p, `${at}[${k}]`)).filter((p): p is LonLat => !!p);
      return pts.length === c.length ? pts : [];
    };
    const polygon = (): { outer: LonLat[]; holes: LonLat[][] } => {
      const c = geom!.coordinates;
      if (!Array.isArray(c) || c.length === 0) {
        bad('geometry.coordinates', 'a Polygon needs at least one ring');
        return { outer: [], holes: [] };
      }
      const rings = c.map((r, k) => {
        const ring = line(r, `[${k}]`, 4);
        if (ring.length && (ring[0]![0] !== ring[ring.length - 1]![0] || ring[0]![1] !== ring[ring.length - 1]![1])) {
          bad(`geometry.coordinates[${k}]`, 'ring is not closed (its first and last positions differ)');
        }
        return ring.slice(0, -1);
      });
      return { outer: rings[0] ?? [], holes: rings.slice(1) };
    };
    switch (kind) {
      case 'boundary': {
        boundaries++;
        const { outer } = polygon();
        const tz = props.timezone;
        if (tz !== undefined && (typeof tz !== 'string' || !tz)) bad('properties.timezone', `must be an IANA time zone name, found ${typeName(tz)}`);
        out.boundary = { id, name, ring: outer, maxAltitudeM: num('max_altitude_m', 120, 1, 1000), timezone: typeof tz === 'string' && tz ? tz : 'Asia/Shanghai' };
        break;
      }
      case 'dock': {
        const at = pos(geom!.coordinates, '');
        const cm = props.charge_minutes;
        out.docks.push({ id, name, at: at ?? [0, 0], bays: num('bays', 1, 1, 100), chargeMin: cm === undefined ? undefined : num('charge_minutes', undefined, 0, 1440) });
        break;
      }
      case 'patrol-line': {
        const pr = num('priority', 2, 1, 3);
        if (!Number.isInteger(pr)) bad('properties.priority', `must be 1, 2 or 3, found ${pr}`);
        out.lines.push({ id, name, path: line(geom!.coordinates, '', 2), altitudeM: num('altitude_m', 60, 1, 1000), priority: Math.round(pr) as 1 | 2 | 3 });
        break;
      }
      case 'patrol-area': {
        const { outer, holes } = polygon();
        out.areas.push({ id, name, outer, holes, altitudeM: num('altitude_m', 60, 1, 1000), swathM: num('swath_m', undefined, 1, 5000) });
        break;
      }
      case 'school': {
        const gate = pos(geom!.coordinates, '');
        const ws = props.windows;
        const windows: { from: string; to: string }[] = [];
        if (!Array.isArray(ws) || ws.length === 0) bad('properties.windows', ws === undefined ? 'is required (e.g. ["07:20-08:00"])' : `must be a non-empty array of "HH:MM-HH:MM", found ${typeName(ws)}`);
        else ws.forEach((w: unknown, k: number) => {
          const m = typeof w === 'string' ? WINDOW.exec(w) : null;
          if (!m) return bad(`properties.windows[${k}]`, `must be "HH:MM-HH:MM" (local time), found ${typeName(w)}`);
          const from = `${m[1]}:${m[2]}`;
          const to = `${m[3]}:${m[4]}`;
          if (to <= from) return bad(`properties.windows[${k}]`, `"${w}" ends before it starts`);
          windows.push({ from, to });
        });
        out.schools.push({ id, name, gate: gate ?? [0, 0], windows, hoverAltitudeM: num('hover_altitude_m', 40, 1, 1000) });
        break;
      }
      case 'hotspot': {
        const at = pos(geom!.coordinates, '');
        out.hotspots.push({ id, at: at ?? [0, 0], weight: num('weight', undefined, 0, 1e9), radiusM: num('radius_m', 100, 0, 100_000) });
        break;
      }
      case 'no-fly': {
        const { outer, holes } = polygon();
        out.noFly.push({ id, name, reason: typeof props.reason === 'string' ? props.reason : '', outer, holes });
        break;
      }
    }
  });
  if (boundaries !== 1) issues.push({ where: '(features)', problem: `must have exactly one feature of kind "boundary", found ${boundaries}` });
  if (issues.length) return { ...inputError(file, issues), warnings };
  return { ok: true, value: out as Jurisdiction, warnings };
}
