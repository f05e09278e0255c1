/**
 * Exports of a planned day: every route as GeoJSON (one LineString per sortie with its schedule fields),
 * as KML (one Placemark per sortie), each sortie as `.plan` JSON or `.waypoints` text, and the planned routes
 * as timed tracks (for a coverage-freshness forecast of the day).
 */
import { toPlan, type PlanJson } from '../formats/qgc-plan.js';
import { toKml } from '../formats/kml.js';
import { toWaypoints } from '../formats/wpl.js';
import type { DayPlan, PlannedSortie } from './day.js';
import type { Track } from './freshness.js';
import { parseIso } from './timezone.js';

export function routesGeoJSON(plan: DayPlan): { type: 'FeatureCollection'; features: unknown[] } {
  return {
    type: 'FeatureCollection',
    features: plan.sorties.map(({ sortie, route }) => ({
      type: 'Feature',
      properties: { ...sortie },
      geometry: { type: 'LineString', coordinates: route.map(([lon, lat]) => [lon, lat, sortie.altitude_m]) },
    })),
  };
}

export function routesKml(plan: DayPlan): string {
  return toKml(`${plan.schedule.station} ${plan.schedule.date}`, plan.sorties.map(({ sortie, route }) => ({
    name: sortie.id,
    description: `${sortie.kind} ${sortie.drone} ${sortie.launch} → ${sortie.land}: ${sortie.targets.join(', ')}`,
    coords: route.map(([lon, lat]) => ({ lon, lat, altM: sortie.altitude_m })),
  })));
}

export const sortiePlan = (s: PlannedSortie): PlanJson => toPlan(s.mission);
export const sortieWaypoints = (s: PlannedSortie): string => toWaypoints(s.mission.home, s.mission.items);

/** Each sortie's route as a track timed from on_station to off_station in proportion to distance. */
export function plannedTracks(plan: DayPlan, swathM = 80): Track[] {
  const w = plan.world;
  return plan.sorties.map(({ sortie, route }) => {
    const t0 = parseIso(sortie.on_station)!;
    const t1 = parseIso(sortie.off_station)!;
    const xy = route.map((p) => w.frame.toXY(p));
    const cum = [0];
    for (let i = 1; i < xy.length; i++) cum.push(cum[i - 1]! + Math.hypot(xy[i]!.x - xy[i - 1]!.x, xy[i]!.y - xy[i - 1]!.y));
    const L = cum[cum.length - 1]! || 1;
    return { swathM, points: route.map((at, i) => ({ at, timeMs: t0 + ((t1 - t0) * cum[i]!) / L })) };
  });
}
