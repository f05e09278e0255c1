/**
 * A sortie route as a MAVLink mission (ArduPilot Copter): take off at the dock to the sortie altitude, set
 * the cruise speed, fly the transit and on-station waypoints, point the camera (DO_SET_ROI) and hover
 * (NAV_LOITER_TIME) where the route holds, release the camera, fly back and land on the dock. Altitudes are
 * relative to home (MAV_FRAME_GLOBAL_RELATIVE_ALT), home being the launch dock. The geofence carries the
 * no-fly zones as exclusion polygons and the rally point is the dock.
 */
import { item, type Mission, type MissionItem } from '../formats/items.js';
import type { P } from '../geo/vec.js';
import type { SortieRoute } from './routes.js';
import type { World } from './world.js';

export function routeMission(w: World, r: SortieRoute, cruiseMps: number): Mission {
  const ll = (p: P) => {
    const [lon, lat] = w.frame.toLonLat(p);
    return { lat: Math.round(lat * 1e7) / 1e7, lon: Math.round(lon * 1e7) / 1e7 };
  };
  const home = ll(r.dock);
  const alt = r.altM;
  const items: MissionItem[] = [item.takeoff(home.lat, home.lon, alt), item.speed(cruiseMps)];
  for (const p of r.out.slice(1, -1)) {
    const q = ll(p);
    items.push(item.waypoint(q.lat, q.lon, alt));
  }
  for (const [k, s] of r.station.entries()) {
    if (k === 0 && !s.loiterS && Math.hypot(s.p.x - r.dock.x, s.p.y - r.dock.y) < 1) continue; // already above the dock
    const q = ll(s.p);
    if (s.loiterS !== undefined && s.loiterS > 0.5) {
      items.push(item.waypoint(q.lat, q.lon, alt));
      if (s.roi) {
        const g = ll(s.roi);
        items.push(item.roi(g.lat, g.lon, 0));
      }
      items.push(item.loiterTime(q.lat, q.lon, alt, Math.round(s.loiterS)));
      if (s.roi) items.push(item.roiNone());
    } else items.push(item.waypoint(q.lat, q.lon, alt));
  }
  for (const p of r.back.slice(1, -1)) {
    const q = ll(p);
    items.push(item.waypoint(q.lat, q.lon, alt));
  }
  items.push(item.land(home.lat, home.lon));
  return {
    home: { ...home, altM: 0 },
    items,
    cruiseMps,
    hoverMps: 5,
    fenceExclusions: w.j.noFly.map((z) => z.outer.map(([lon, lat]): [number, number] => [lat, lon])),
    rally: [{ ...home, altM: alt }],
  };
}

/** The lon/lat polyline the mission flies (dock → … → dock), for GeoJSON and KML exports. */
export function routeLonLat(w: World, r: SortieRoute): [number, number][] {
  const pts = [...r.out, ...r.station.map((s) => s.p).slice(1), ...r.back.slice(1)];
  return pts.map((p) => {
    const [lon, lat] = w.frame.toLonLat(p);
    return [Math.round(lon * 1e7) / 1e7, Math.round(lat * 1e7) / 1e7];
  });
}
