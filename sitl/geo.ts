/**
 * Local East-North-Up frame around a home point, converted to and from WGS-84 latitude/longitude with the
 * flat-earth approximation ArduPilot itself uses for short distances (R = 6 378 137 m, longitude scaled by
 * cos(latitude)). Good to centimetres over a 20 km² jurisdiction.
 */
export const EARTH_RADIUS_M = 6_378_137;
const DEG = Math.PI / 180;

export interface GeoPoint {
  latDeg: number;
  lonDeg: number;
}

export interface Home extends GeoPoint {
  /** Home altitude above mean sea level, metres. */
  altAmslM: number;
}

export interface Enu {
  eM: number;
  nM: number;
}

export function enuFromLatLon(home: GeoPoint, latDeg: number, lonDeg: number): Enu {
  const nM = (latDeg - home.latDeg) * DEG * EARTH_RADIUS_M;
  const eM = (lonDeg - home.lonDeg) * DEG * EARTH_RADIUS_M * Math.cos(home.latDeg * DEG);
  return { eM, nM };
}

export function latLonFromEnu(home: GeoPoint, eM: number, nM: number): GeoPoint {
  const latDeg = home.latDeg + nM / EARTH_RADIUS_M / DEG;
  const lonDeg = home.lonDeg + eM / (EARTH_RADIUS_M * Math.cos(home.latDeg * DEG)) / DEG;
  return { latDeg, lonDeg };
}

/** Degrees to 1e7-scaled integer degrees, as MAVLink carries them. */
export function toE7(deg: number): number {
  return Math.round(deg * 1e7);
}

export function fromE7(e7: number): number {
  return e7 / 1e7;
}

/** Wrap an angle in degrees into [0, 360). */
export function wrap360(deg: number): number {
  const d = deg % 360;
  return d < 0 ? d + 360 : d;
}

/** Wrap an angle in degrees into (-180, 180]. */
export function wrap180(deg: number): number {
  const d = wrap360(deg);
  return d > 180 ? d - 360 : d;
}

/** Compass bearing (0 = north, clockwise) of an ENU vector, degrees in [0, 360). */
export function bearingDeg(eM: number, nM: number): number {
  return wrap360(Math.atan2(eM, nM) / DEG);
}
