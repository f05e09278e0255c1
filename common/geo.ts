/**
 * Places on the Earth, with their units in their names, and the one ground distance the code base uses.
 * Latitude and longitude are WGS-84 degrees; altitudes say their frame (AMSL here).
 */
export interface GeoPoint {
  latDeg: number;
  lonDeg: number;
}

export interface GeoPointAmsl extends GeoPoint {
  /** Altitude above mean sea level, metres. */
  altAmslM: number;
}

/** Mean Earth radius (IUGG), metres. */
export const MEAN_EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/**
 * Great-circle distance on the ground between two points, metres (haversine on a sphere of the mean radius:
 * within 0.5 % of the ellipsoid's geodesic anywhere, far closer over the few km a patrol flies).
 */
export function groundDistanceM(a: GeoPoint, b: GeoPoint): number {
  const dLat = (b.latDeg - a.latDeg) * RAD;
  const dLon = (b.lonDeg - a.lonDeg) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latDeg * RAD) * Math.cos(b.latDeg * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * MEAN_EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The point `metres` from `from` in the direction of `to` (interpolated in degrees: within centimetres over the
 * few km a patrol flies); `from` itself when the two coincide.
 */
export function towardM(from: GeoPoint, to: GeoPoint, metres: number): GeoPoint {
  const d = groundDistanceM(from, to);
  if (!(d > 1e-6)) return { latDeg: from.latDeg, lonDeg: from.lonDeg };
  const k = metres / d;
  return { latDeg: from.latDeg + (to.latDeg - from.latDeg) * k, lonDeg: from.lonDeg + (to.lonDeg - from.lonDeg) * k };
}
