/**
 * A sortie route as a MAVLink mission (ArduPilot Copter): take off at the dock to the sortie altitude, set
 * the cruise speed, fly the transit and on-station waypoints, point the camera (DO_SET_ROI) and hover
 * (NAV_LOITER_TIME) where the route holds, release the camera, fly back and land on the dock. Altitudes are
 * relative to home (MAV_FRAME_GLOBAL_RELATIVE_ALT), home being the launch dock. The geofence carries the
 * no-fly zones as exclusion polygons and the rally point is the dock.
 */
import { isNav, item, type Mission, type MissionItem } from '../formats/items.js';
import type { P } from '../geo/vec.js';
import type { SortieRoute } from './routes.js';
import type { SortieMarks } from '../../common/formats/schedule.js';
import type { World } from './world.js';

/**
 * The mission and its marks (schedule.json `marks`, mission sequence numbers: 0 is home, 1 the first item):
 * where the planner put the sortie's post and its route home, so that the runner need not guess them.
 */
export function routeMission(w: World, r: SortieRoute, cruiseMps: number, kind: 'patrol' | 'school' = 'patrol'): Mission & { marks: SortieMarks } {
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
  // Indices into `items` (the sequence number is one more: home is 0).
  let firstStation = -1;
  let lastStationNav = -1;
  let loiter = -1;
  for (const [k, s] of r.station.entries()) {
    if (k === 0 && !s.loiterS && Math.hypot(s.p.x - r.dock.x, s.p.y - r.dock.y) < 1) continue; // already above the dock
    const q = ll(s.p);
    if (firstStation < 0) firstStation = items.length;
    if (s.loiterS !== undefined && s.loiterS > 0.5) {
      items.push(item.waypoint(q.lat, q.lon, alt));
      if (s.roi) {
        const g = ll(s.roi);
        items.push(item.roi(g.lat, g.lon, 0));
      }
      if (loiter < 0) loiter = items.length;
      lastStationNav = items.length;
      items.push(item.loiterTime(q.lat, q.lon, alt, Math.round(s.loiterS)));
      if (s.roi) items.push(item.roiNone());
    } else {
      // A patrol loop that comes back over the dock: reaching for that point is already the way home.
      if (Math.hypot(s.p.x - r.dock.x, s.p.y - r.dock.y) >= 1) lastStationNav = items.length;
      items.push(item.waypoint(q.lat, q.lon, alt));
    }
  }
  // The leg home starts after the post's last navigation item (a DO item after it, e.g. releasing the camera, runs at once).
  const back = lastStationNav >= 0 ? lastStationNav + 1 : items.length;
  for (const p of r.back.slice(1, -1)) {
    const q = ll(p);
    items.push(item.waypoint(q.lat, q.lon, alt));
  }
  items.push(item.land(home.lat, home.lon));
  const seq = (i: number) => i + 1;
  // The first navigation item at or after `i`: a set-current is confirmed by MISSION_CURRENT, which shows NAV items only.
  const nav = (i: number) => {
    let j = i;
    while (j < items.length - 1 && !isNav(items[j]!)) j++;
    return j;
  };
  // A school post is a hover (its first loiter); a patrol may hover at hot spots along its route, which are not its post.
  const hover = kind === 'school' && loiter >= 0;
  const marks: SortieMarks = {
    // On station: a hover post when at its hover; a patrol once past the takeoff (it patrols on its way out too).
    on_station: hover ? seq(loiter) : seq(1),
    // Holding for relief: back to the hover, or to the start of the patrol route.
    hold: hover ? seq(loiter) : seq(nav(firstStation >= 0 ? firstStation : 2)),
    return: seq(back),
    resume: seq(nav(back)),
  };
  return {
    marks,
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
