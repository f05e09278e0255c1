/**
 * The MAVLink mission item model shared by planners, file formats and mission transfer: one item per
 * MISSION_ITEM_INT, params p1…p7 with p5/p6 the latitude/longitude in degrees and p7 the altitude in metres in
 * the item's frame. NaN in a param means "unset" (QGroundControl writes it as null). Altitudes in this
 * planner are always relative to home (the launch dock): MAV_FRAME_GLOBAL_RELATIVE_ALT.
 */
import { MAV_CMD, MAV_FRAME } from '../../common/mav-cmd.js';

export type Params7 = [number, number, number, number, number, number, number];

export interface MissionItem {
  command: number;
  frame: number;
  params: Params7;
  autoContinue: boolean;
}

/** Commands whose p5/p6/p7 are a position the vehicle flies to. */
export const NAV_COMMANDS: ReadonlySet<number> = new Set([
  MAV_CMD.NAV_WAYPOINT, MAV_CMD.NAV_LOITER_UNLIM, MAV_CMD.NAV_LOITER_TURNS, MAV_CMD.NAV_LOITER_TIME,
  MAV_CMD.NAV_RETURN_TO_LAUNCH, MAV_CMD.NAV_LAND, MAV_CMD.NAV_TAKEOFF,
]);

export const isNav = (it: MissionItem): boolean => NAV_COMMANDS.has(it.command);

/** Home for a mission file: where the vehicle launches (the dock), altitude AMSL or 0 when unknown. */
export interface Home { lat: number; lon: number; altM: number }

export interface Mission {
  home: Home;
  items: MissionItem[];
  cruiseMps: number;
  hoverMps: number;
  /** Exclusion polygons ([lat, lon] vertices) carried in the .plan's geofence. */
  fenceExclusions?: [number, number][][];
  /** Inclusion polygons ([lat, lon] vertices). */
  fenceInclusions?: [number, number][][];
  rally?: { lat: number; lon: number; altM: number }[];
}

const rel = MAV_FRAME.GLOBAL_RELATIVE_ALT;

export const item = {
  takeoff: (lat: number, lon: number, altM: number): MissionItem => ({ command: MAV_CMD.NAV_TAKEOFF, frame: rel, params: [0, 0, 0, 0, lat, lon, altM], autoContinue: true }),
  waypoint: (lat: number, lon: number, altM: number, holdS = 0): MissionItem => ({ command: MAV_CMD.NAV_WAYPOINT, frame: rel, params: [holdS, 0, 0, 0, lat, lon, altM], autoContinue: true }),
  loiterTime: (lat: number, lon: number, altM: number, seconds: number): MissionItem => ({ command: MAV_CMD.NAV_LOITER_TIME, frame: rel, params: [seconds, 0, 0, 1, lat, lon, altM], autoContinue: true }),
  speed: (mps: number): MissionItem => ({ command: MAV_CMD.DO_CHANGE_SPEED, frame: MAV_FRAME.MISSION, params: [1, mps, -1, 0, 0, 0, 0], autoContinue: true }),
  /** Point the camera/yaw at a location (ArduPilot DO_SET_ROI, 201); all zeros cancels. */
  roi: (lat: number, lon: number, altM: number): MissionItem => ({ command: MAV_CMD.DO_SET_ROI, frame: rel, params: [0, 0, 0, 0, lat, lon, altM], autoContinue: true }),
  roiNone: (): MissionItem => ({ command: MAV_CMD.DO_SET_ROI, frame: rel, params: [0, 0, 0, 0, 0, 0, 0], autoContinue: true }),
  videoStart: (): MissionItem => ({ command: MAV_CMD.VIDEO_START_CAPTURE, frame: MAV_FRAME.MISSION, params: [0, 0, 0, 0, 0, 0, 0], autoContinue: true }),
  videoStop: (): MissionItem => ({ command: MAV_CMD.VIDEO_STOP_CAPTURE, frame: MAV_FRAME.MISSION, params: [0, 0, 0, 0, 0, 0, 0], autoContinue: true }),
  land: (lat: number, lon: number): MissionItem => ({ command: MAV_CMD.NAV_LAND, frame: rel, params: [0, 0, 0, 0, lat, lon, 0], autoContinue: true }),
  rtl: (): MissionItem => ({ command: MAV_CMD.NAV_RETURN_TO_LAUNCH, frame: rel, params: [0, 0, 0, 0, 0, 0, 0], autoContinue: true }),
};

/** Same item, params compared with NaN = NaN and coordinates to 1e-7°. */
export function sameItem(a: MissionItem, b: MissionItem, tol = 1e-6): boolean {
  if (a.command !== b.command || a.frame !== b.frame || a.autoContinue !== b.autoContinue) return false;
  return a.params.every((v, i) => {
    const w = b.params[i]!;
    if (Number.isNaN(v) || Number.isNaN(w)) return Number.isNaN(v) && Number.isNaN(w);
    return Math.abs(v - w) <= tol * Math.max(1, Math.abs(v));
  });
}
