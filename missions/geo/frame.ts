/**
 * The local metric frame: a tangent plane (east x, north y, metres) around an origin, with the WGS-84
 * ellipsoid's radii of curvature at the origin's latitude (meridian M, prime vertical N). The east scale uses
 * each point's own parallel (N(φ)·cos φ), so east–west distances are exact on every parallel and north–south
 * distances exact along meridians; over a 20 km² city the geodesic error stays far below 0.1 %
 * (frame.test.ts checks it against Vincenty's inverse formula).
 */
import type { LonLat } from '../jurisdiction.js';
import type { P } from './vec.js';

export const WGS84_A = 6378137;
export const WGS84_F = 1 / 298.257223563;
const E2 = WGS84_F * (2 - WGS84_F);
const RAD = Math.PI / 180;

function primeVerticalM(latRad: number): number {
  return WGS84_A / Math.sqrt(1 - E2 * Math.sin(latRad) ** 2);
}

/** Meridian arc length from the equator to latitude φ (series, sub-millimetre). */
function meridianArcM(latRad: number): number {
  const e4 = E2 * E2;
  const e6 = e4 * E2;
  return WGS84_A * ((1 - E2 / 4 - (3 * e4) / 64 - (5 * e6) / 256) * latRad
    - ((3 * E2) / 8 + (3 * e4) / 32 + (45 * e6) / 1024) * Math.sin(2 * latRad)
    + ((15 * e4) / 256 + (45 * e6) / 1024) * Math.sin(4 * latRad)
    - ((35 * e6) / 3072) * Math.sin(6 * latRad));
}

export interface LocalFrame {
  origin: LonLat;
  toXY(p: LonLat): P;
  toLonLat(p: P): LonLat;
}

export function localFrame(origin: LonLat): LocalFrame {
  const lat0 = origin[1] * RAD;
  const arc0 = meridianArcM(lat0);
  // north: exact meridian arc; invert by Newton on the arc (two iterations suffice at city scale)
  const latFromY = (y: number): number => {
    let lat = lat0 + y / WGS84_A;
    for (let i = 0; i < 4; i++) {
      const m = (WGS84_A * (1 - E2)) / (1 - E2 * Math.sin(lat) ** 2) ** 1.5;
      lat -= (meridianArcM(lat) - arc0 - y) / m;
    }
    return lat;
  };
  return {
    origin,
    toXY([lon, lat]) {
      const phi = lat * RAD;
      return { x: (lon - origin[0]) * RAD * primeVerticalM(phi) * Math.cos(phi), y: meridianArcM(phi) - arc0 };
    },
    toLonLat({ x, y }) {
      const phi = latFromY(y);
      return [origin[0] + x / (primeVerticalM(phi) * Math.cos(phi)) / RAD, phi / RAD];
    },
  };
}

/** Centroid of a ring's vertices (a good enough origin for the frame). */
export function ringCentre(ring: LonLat[]): LonLat {
  let x = 0;
  let y = 0;
  for (const p of ring) {
    x += p[0];
    y += p[1];
  }
  return [x / Math.max(1, ring.length), y / Math.max(1, ring.length)];
}
