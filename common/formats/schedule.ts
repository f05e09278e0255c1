/**
 * The day plan as `schedule.json` carries it (../shared/formats/schedule.md): these field names and meanings
 * are a contract with the patrol runner, the UI and outside systems. Fields beyond the contract are marked.
 */
/**
 * What each part of a sortie's mission is, as mission sequence numbers (0 is home, 1 the .plan's first item):
 * MISSION_CURRENT at or past `on_station` means on station; at or past `return` the route is done and the next
 * leg heads home; holding for relief sets the mission back to `hold`, and relief sends it on from `resume`.
 */
export interface SortieMarks {
  on_station: number;
  hold: number;
  resume: number;
  return: number;
}

export interface ScheduleSortie {
  id: string;
  kind: 'patrol' | 'school';
  drone: string;
  dock: string;
  launch: string;
  on_station: string;
  off_station: string;
  land: string;
  plan: string;
  targets: string[];
  /** The mission's marks (written by the planner; absent in schedules written before them). */
  marks?: SortieMarks;
  /** Beyond the contract: planned flight time, battery used, altitude (relative to the launch dock), route length. */
  flight_minutes: number;
  battery_percent: number;
  altitude_m: number;
  altitude_frame: 'relative-to-launch';
  route_m: number;
}

export interface ScheduleGap {
  kind: 'patrol' | 'school';
  target: string;
  from: string;
  to: string;
  reason: string;
}

export interface Schedule {
  station: string;
  date: string;
  timezone: string;
  fleet_lower_bound: number;
  sorties: ScheduleSortie[];
  gaps: ScheduleGap[];
  /** Beyond the contract: drones available (within dock bays), drones used, and a fleet size known to cover
   * the whole day: the drones used when there is no gap; with gaps, the smallest fleet found by planning again
   * with drones added at docks with free bays, or null when the bays run out first. */
  fleet_size: number;
  drones_used: number;
  fleet_needed: number | null;
}
