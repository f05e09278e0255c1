/**
 * Where AUTO flies a NAV item (mission-auto.ts walks the list): the point an item names, the speeds of
 * WPNAV and RTL, the landing descent rate, and one tick of LOITER_TURNS' circle.
 */
import type { WireItem } from '../mavlink/services/mission/types.js';
import { bearingDeg, enuFromLatLon, fromE7, type Home } from './geo.js';
import type { ParamStore } from './params.js';
import type { CopterPhysics, PhysicsState } from './physics.js';

/** A point to fly to, metres east, north and up from home. */
export interface NavTarget {
  eM: number;
  nM: number;
  upM: number;
}

/** How far a LOITER_TURNS circle has turned, and the bearing from its centre at the last tick. */
export interface CircleTrack {
  turnedDeg: number;
  lastBearing: number;
}

/** The point an item names (lat/lon 0: here; alt 0: the current altitude, except for LAND). */
export function navTarget(it: WireItem, s: PhysicsState, home: Home): NavTarget {
  const here = it.x === 0 && it.y === 0;
  const { eM, nM } = here ? { eM: s.eM, nM: s.nM } : enuFromLatLon(home, fromE7(it.x), fromE7(it.y));
  const amsl = it.frame === 0 || it.frame === 5;
  let upM = amsl ? it.z - home.altAmslM : it.z;
  if (it.z === 0 && !amsl && it.command !== 21) upM = s.upM;
  return { eM, nM, upM };
}

/** Waypoint speed: DO_CHANGE_SPEED's, or WPNAV_SPEED. */
export function navSpeed(host: { readonly nav: { speedMps: number | undefined }; readonly params: ParamStore }): number {
  return host.nav.speedMps ?? host.params.get('WPNAV_SPEED') / 100;
}

/** Return speed: RTL_SPEED, or WPNAV_SPEED when it is 0 (DO_CHANGE_SPEED does not apply). */
export function rtlSpeed(params: ParamStore): number {
  const r = params.get('RTL_SPEED');
  return r > 0 ? r / 100 : params.get('WPNAV_SPEED') / 100;
}

/** The descent rate of a landing: LAND_SPEED_HIGH (or WPNAV_SPEED_DN) above LAND_ALT_LOW, LAND_SPEED below. */
export function landDescent(params: ParamStore, upM: number): { kind: 'rate'; vuMps: number } {
  const lowAlt = params.get('LAND_ALT_LOW') / 100;
  const high = params.get('LAND_SPEED_HIGH') > 0 ? params.get('LAND_SPEED_HIGH') / 100 : params.get('WPNAV_SPEED_DN') / 100;
  return { kind: 'rate', vuMps: -(upM > lowAlt ? high : params.get('LAND_SPEED') / 100) };
}

/**
 * One tick of LOITER_TURNS around `c`: p1 turns of radius |p3| (p3 < 0: counter-clockwise; 0: CIRCLE_RADIUS).
 * Sets the physics' commands and counts the turn in `track`; true once the turns are done (nothing set then).
 */
export function circleStep(it: WireItem, c: NavTarget, track: CircleTrack, physics: CopterPhysics, params: ParamStore, speedMps: number): boolean {
  const s = physics.state;
  const radius = Math.abs(it.params[2]) > 0 ? Math.abs(it.params[2]) : params.get('CIRCLE_RADIUS') / 100 || 10;
  const ccw = it.params[2] < 0;
  physics.vertical = { kind: 'altitude', upM: c.upM };
  const de = s.eM - c.eM;
  const dn = s.nM - c.nM;
  const dist = Math.hypot(de, dn);
  if (dist < 1e-3) {
    physics.horizontal = { kind: 'position', eM: c.eM, nM: c.nM + radius, speedMps };
    return false;
  }
  const bearing = bearingDeg(de, dn);
  if (Number.isFinite(track.lastBearing) && dist > radius * 0.5) {
    let d = bearing - track.lastBearing;
    if (d > 180) d -= 360;
    if (d < -180) d += 360;
    track.turnedDeg += ccw ? -d : d;
  }
  track.lastBearing = bearing;
  if (track.turnedDeg >= 360 * Math.max(0, it.params[0]) - 1) return true;
  const ue = de / dist;
  const un = dn / dist;
  const te = ccw ? -un : un;
  const tn = ccw ? ue : -ue;
  const speed = Math.min(speedMps, Math.sqrt(physics.limits.accelMps2 * radius) * 0.9);
  const radial = Math.max(-3, Math.min(3, (radius - dist) * 0.8));
  physics.horizontal = { kind: 'velocity', veMps: te * speed + ue * radial, vnMps: tn * speed + un * radial };
  return false;
}
