/**
 * Seeded randomness and synthetic stations for property tests and benchmarks: a mulberry32 PRNG, random
 * star-shaped polygons with a hole, and a generated city (any size, any number of no-fly zones) written as
 * a jurisdiction GeoJSON + fleet JSON that follow the input contract, so they go through the real parsers.
 */
import type { P } from '../geo/vec.js';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A star-shaped polygon (k vertices, radii in [rMin, rMax]) around c, and a rectangular hole inside it. */
export function randomAreaWithHole(r: () => number, c: P = { x: 0, y: 0 }): { outer: P[]; hole: P[] } {
  const k = 6 + Math.floor(r() * 8);
  const rMin = 300 + r() * 150;
  const outer: P[] = [];
  for (let i = 0; i < k; i++) {
    const a = ((i + 0.2 + 0.6 * r()) / k) * 2 * Math.PI;
    const rad = rMin + r() * 350;
    outer.push({ x: c.x + rad * Math.cos(a), y: c.y + rad * Math.sin(a) });
  }
  const hw = 40 + r() * 60;
  const hh = 40 + r() * 60;
  const off = { x: c.x + (r() - 0.5) * rMin * 0.6, y: c.y + (r() - 0.5) * rMin * 0.6 };
  const hole = [{ x: off.x - hw, y: off.y - hh }, { x: off.x + hw, y: off.y - hh }, { x: off.x + hw, y: off.y + hh }, { x: off.x - hw, y: off.y + hh }];
  return { outer, hole };
}

type Feature = { type: 'Feature'; properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } };

/**
 * A rectangular-ish city of about `areaKm2` around (lon0, lat0) with `noFly` no-fly zones, docks, lines,
 * areas (one with a hole), schools and hotspots, and a fleet of `drones` drones.
 */
export function generatedCity(seed: number, areaKm2 = 20, noFly = 6, drones = 10, lon0 = 104.06, lat0 = 30.66): { geo: unknown; fleet: unknown } {
  const r = rng(seed);
  const W = Math.sqrt(areaKm2 * 1.25) * 1000;
  const H = (areaKm2 * 1e6) / W;
  const mPerDegLat = 110_850;
  const mPerDegLon = 111_320 * Math.cos((lat0 * Math.PI) / 180);
  const ll = (x: number, y: number) => [Math.round((lon0 + x / mPerDegLon) * 1e7) / 1e7, Math.round((lat0 + y / mPerDegLat) * 1e7) / 1e7];
  const rect = (x: number, y: number, w: number, h: number) => [[ll(x, y), ll(x + w, y), ll(x + w, y + h), ll(x, y + h), ll(x, y)]];
  const f = (kind: string, id: string, type: string, coordinates: unknown, extra: Record<string, unknown> = {}): Feature => ({ type: 'Feature', properties: { kind, id, ...extra }, geometry: { type, coordinates } });
  const features: Feature[] = [];
  // an L-shaped boundary: a W × H rectangle with its north-east quarter cut
  features.push(f('boundary', 'gen-city', 'Polygon', [[ll(0, 0), ll(W, 0), ll(W, H * 0.6), ll(W * 0.7, H * 0.6), ll(W * 0.7, H), ll(0, H), ll(0, 0)]], { max_altitude_m: 120, timezone: 'Asia/Shanghai' }));
  const zones: [number, number, number, number][] = [];
  for (let i = 0; i < noFly; i++) {
    const w = 150 + r() * 250;
    const h = 150 + r() * 250;
    const x = W * 0.08 + r() * (W * 0.55);
    const y = H * 0.08 + r() * (H * 0.45);
    zones.push([x, y, w, h]);
    features.push(f('no-fly', `nofly-${i + 1}`, 'Polygon', rect(x, y, w, h), { reason: 'generated' }));
  }
  const clear = (x: number, y: number) => zones.every(([zx, zy, w, h]) => x < zx - 120 || x > zx + w + 120 || y < zy - 120 || y > zy + h + 120);
  const spot = (x0: number, y0: number, x1: number, y1: number): [number, number] => {
    for (let k = 0; k < 200; k++) {
      const x = x0 + r() * (x1 - x0);
      const y = y0 + r() * (y1 - y0);
      if (clear(x, y)) return [x, y];
    }
    return [x0, y0];
  };
  const docks = [spot(W * 0.3, H * 0.3, W * 0.45, H * 0.45), spot(W * 0.1, H * 0.7, W * 0.3, H * 0.9), spot(W * 0.7, H * 0.1, W * 0.9, H * 0.3)];
  docks.forEach(([x, y], i) => features.push(f('dock', `dock-${i + 1}`, 'Point', ll(x, y), { bays: 4, charge_minutes: 30 })));
  // lines cross the city (and so some no-fly zones); the planner must route around them
  features.push(f('patrol-line', 'line-east-west', 'LineString', [ll(W * 0.05, H * 0.35), ll(W * 0.5, H * 0.38), ll(W * 0.95, H * 0.33)], { priority: 3 }));
  features.push(f('patrol-line', 'line-north-south', 'LineString', [ll(W * 0.4, H * 0.05), ll(W * 0.42, H * 0.5), ll(W * 0.38, H * 0.95)], { priority: 2 }));
  const [ax, ay] = spot(W * 0.05, H * 0.6, W * 0.3, H * 0.75);
  features.push(f('patrol-area', 'area-old-town', 'Polygon', [
    [ll(ax, ay), ll(ax + 500, ay), ll(ax + 500, ay + 400), ll(ax, ay + 400), ll(ax, ay)],
    [ll(ax + 200, ay + 150), ll(ax + 200, ay + 250), ll(ax + 320, ay + 250), ll(ax + 320, ay + 150), ll(ax + 200, ay + 150)],
  ], { altitude_m: 70, swath_m: 70 }));
  for (let i = 0; i < 3; i++) {
    const [x, y] = spot(W * 0.1, H * 0.1, W * 0.65, H * 0.9);
    features.push(f('school', `school-${i + 1}`, 'Point', ll(x, y), { windows: ['07:20-08:00', '11:30-12:10', '16:30-17:30'] }));
  }
  for (let i = 0; i < 10; i++) {
    const [x, y] = spot(W * 0.05, H * 0.05, W * 0.65, H * 0.95);
    features.push(f('hotspot', `hot-${i + 1}`, 'Point', ll(x, y), { weight: 1 + Math.floor(r() * 15), radius_m: 150 }));
  }
  const fleet = {
    station: 'gen-city', timezone: 'Asia/Shanghai', patrol: { sorties_per_day: 72, sortie_minutes: 20, first_launch: '00:00' }, reserve_percent: 25,
    drones: Array.from({ length: drones }, (_, i) => ({ id: `G-${i + 1}`, sysid: 30 + i, dock: `dock-${(i % 3) + 1}`, endurance_minutes: 55, cruise_mps: 12, charge_minutes: 30 })),
  };
  return { geo: { type: 'FeatureCollection', features }, fleet };
}
