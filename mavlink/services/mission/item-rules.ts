/**
 * ArduPilot's checks of one uploaded mission item, as one rule table for the simulator (which answers with the
 * same MISSION_ACK codes) and for the station (which checks a plan before it sends anything). It lives in
 * mavlink/ because it is the firmware's wire contract (MISSION_ITEM_INT fields → MAV_MISSION_RESULT), like the
 * quirks: sitl/ and station/ both import mavlink/, while missions/ stays pure and firmware-free.
 *
 * In ArduPilot's order (libraries/AP_Mission/AP_Mission.cpp):
 *  1. sanity_check_params: param1..4 infinite → INVALID_PARAMn; NaN → INVALID_PARAMn except param4 of
 *     NAV_WAYPOINT, NAV_LAND, NAV_TAKEOFF, NAV_VTOL_TAKEOFF and param3/param4 of NAV_VTOL_LAND;
 *  2. mavlink_int_to_mission_cmd: command 0 → INVALID; a command it does not convert → UNSUPPORTED;
 *  3. for commands stored with a location (stored_in_location): latitude beyond ±90° → INVALID_PARAM5_X,
 *     longitude beyond ±180° → INVALID_PARAM6_Y, z NaN or |z| ≥ LOCATION_ALT_MAX_M (83 000 m) →
 *     INVALID_PARAM7, a frame other than GLOBAL/RELATIVE_ALT/TERRAIN (and their _INT forms) or MISSION →
 *     UNSUPPORTED_FRAME.
 * Fence (AC_PolyFence_loader) and rally (AP_Rally) items: their own commands only, else UNSUPPORTED.
 *
 * For the station, `nanDefault` says where a NaN may be replaced by the field's default before upload (MAVLink:
 * NaN means "use the default") because the command does not use the value or 0 is its documented default; where
 * it is null the item is refused instead.
 */
import { common } from 'mavlink-mappings';
import type { MissionType, WireItem } from './types.js';

const R = common.MavMissionResult;

/** ArduPilot's LOCATION_ALT_MAX_M: |z| at or beyond this is refused (INVALID_PARAM7). */
export const LOCATION_ALT_MAX_M = 83_000;

/** Params (0-based) that may be NaN per command (AP_Mission::sanity_check_params). */
const NAN_ALLOWED: ReadonlyMap<number, readonly number[]> = new Map([
  [16, [3]], // NAV_WAYPOINT: yaw
  [21, [3]], // NAV_LAND
  [22, [3]], // NAV_TAKEOFF
  [84, [3]], // NAV_VTOL_TAKEOFF
  [85, [2, 3]], // NAV_VTOL_LAND
]);

/**
 * Commands mavlink_int_to_mission_cmd converts (ArduCopter 4.7; the switch of AP_Mission.cpp). Anything else is
 * MAV_MISSION_UNSUPPORTED at upload.
 */
export const ARDUPILOT_MISSION_COMMANDS: ReadonlySet<number> = new Set([
  16, 17, 18, 19, 20, 21, 22, 30, 31, 82, 83, 84, 85, 92, 93, 94, 112, 114, 115, 177, 178, 179, 181, 182, 183, 184, 189, 191,
  193, 194, 195, 197, 201, 202, 203, 205, 206, 207, 208, 210, 211, 212, 213, 215, 216, 217, 218, 222, 223, 531, 532, 534, 600, 601,
  1000, 2000, 2001, 2500, 2501, 3000, 42600, 42702, 42703,
]);

/** Commands whose x/y/z are a location (AP_Mission::stored_in_location). */
const STORED_IN_LOCATION: ReadonlySet<number> = new Set([16, 17, 18, 19, 21, 22, 30, 31, 82, 84, 85, 92, 94, 179, 189, 191, 195, 201]);

/** Frames a located item may use (GLOBAL 0, MISSION 2, RELATIVE_ALT 3, GLOBAL_INT 5, RELATIVE_ALT_INT 6, TERRAIN 10/11). */
export const LOCATION_FRAMES: ReadonlySet<number> = new Set([0, 2, 3, 5, 6, 10, 11]);

export const FENCE_COMMANDS: ReadonlySet<number> = new Set([5000, 5001, 5002, 5003, 5004]);
export const RALLY_COMMANDS: ReadonlySet<number> = new Set([5100]);

/**
 * A NaN's safe replacement per command and param (0-based), for the station; null: refuse. Commands not listed:
 * refuse every NaN. Where ArduPilot allows NaN (NAN_ALLOWED) the NaN is sent as it is.
 */
const NAN_DEFAULT: ReadonlyMap<number, readonly (number | null)[]> = new Map([
  [16, [0, 0, 0, null]], // WAYPOINT: hold 0 s, acceptance/pass radius unused by Copter
  [17, [0, 0, 0, 0]], // LOITER_UNLIM: radius/direction → default, yaw unused
  [18, [null, 0, 0, 0]], // LOITER_TURNS: the number of turns is needed
  [19, [null, 0, 0, 0]], // LOITER_TIME: the time is needed; heading/radius-direction/xtrack default 0
  [20, [0, 0, 0, 0]], // RETURN_TO_LAUNCH: no params
  [21, [0, 0, 0, null]], // LAND: abort alt and precision mode default 0
  [22, [0, 0, 0, null]], // TAKEOFF: pitch (Plane) unused by Copter
  [112, [null, 0, 0, 0]], // CONDITION_DELAY: the delay is needed
  [177, [null, null, 0, 0]], // DO_JUMP: target and repeat are needed
  [178, [null, null, 0, 0]], // DO_CHANGE_SPEED: type and speed are needed; throttle unused by Copter
  [201, [null, 0, 0, 0]], // DO_SET_ROI: the mode is needed
]);

export interface ItemProblem {
  /** Index in the list as sent (the mission's 0 is home). */
  seq: number;
  command: number;
  field: 'param1' | 'param2' | 'param3' | 'param4' | 'x' | 'y' | 'z' | 'frame' | 'command';
  /** MAV_MISSION_RESULT ArduPilot answers with. */
  code: number;
  /** e.g. "MAV_MISSION_INVALID_PARAM4". */
  codeName: string;
  value: number;
  /** Set when the station may replace the value (a NaN with a safe default). */
  coerceTo?: number;
}

const PARAM_FIELDS = ['param1', 'param2', 'param3', 'param4'] as const;
const PARAM_CODES = [R.INVALID_PARAM1, R.INVALID_PARAM2, R.INVALID_PARAM3, R.INVALID_PARAM4];

export function missionResultCodeName(code: number): string {
  const name = (common.MavMissionResult as unknown as Record<number, string>)[code];
  return name ? `MAV_MISSION_${name}` : `MAV_MISSION_RESULT(${code})`;
}

function problem(it: WireItem, field: ItemProblem['field'], code: number, value: number, coerceTo?: number): ItemProblem {
  return { seq: it.seq, command: it.command, field, code, codeName: missionResultCodeName(code), value, ...(coerceTo !== undefined ? { coerceTo } : {}) };
}

/** The first problem ArduPilot would answer for this item (in its order), or undefined. */
export function checkItemArduPilot(type: MissionType, it: WireItem): ItemProblem | undefined {
  if (type === 'fence' || type === 'rally') {
    const known = type === 'fence' ? FENCE_COMMANDS : RALLY_COMMANDS;
    if (!known.has(it.command)) return problem(it, 'command', R.UNSUPPORTED, it.command);
    if (!LOCATION_FRAMES.has(it.frame)) return problem(it, 'frame', R.UNSUPPORTED_FRAME, it.frame);
    return locationProblem(it);
  }
  const nanOk = NAN_ALLOWED.get(it.command) ?? [];
  for (let i = 0; i < 4; i++) {
    const v = it.params[i]!;
    if (Number.isFinite(v)) continue;
    if (Number.isNaN(v) && nanOk.includes(i)) continue;
    const d = Number.isNaN(v) ? NAN_DEFAULT.get(it.command)?.[i] : undefined;
    return problem(it, PARAM_FIELDS[i]!, PARAM_CODES[i]!, v, d ?? undefined);
  }
  if (it.command === 0) return problem(it, 'command', R.INVALID, 0);
  if (!ARDUPILOT_MISSION_COMMANDS.has(it.command)) return problem(it, 'command', R.UNSUPPORTED, it.command);
  if (!STORED_IN_LOCATION.has(it.command)) return undefined;
  const loc = locationProblem(it);
  if (loc) return loc;
  if (!LOCATION_FRAMES.has(it.frame)) return problem(it, 'frame', R.UNSUPPORTED_FRAME, it.frame);
  return undefined;
}

function locationProblem(it: WireItem): ItemProblem | undefined {
  if (!(Math.abs(it.x) <= 900_000_000)) return problem(it, 'x', R.INVALID_PARAM5_X, it.x);
  if (!(Math.abs(it.y) <= 1_800_000_000)) return problem(it, 'y', R.INVALID_PARAM6_Y, it.y);
  if (Number.isNaN(it.z) || Math.abs(it.z) >= LOCATION_ALT_MAX_M) return problem(it, 'z', R.INVALID_PARAM7, it.z);
  return undefined;
}

/** Whether the command's x/y/z are a location ArduPilot checks. */
export function storedInLocation(command: number): boolean {
  return STORED_IN_LOCATION.has(command);
}

/** "item 3 (NAV_LOITER_TIME) param4 = NaN: MAV_MISSION_INVALID_PARAM4". */
export function describeProblem(p: ItemProblem, commandName: (c: number) => string = defaultCommandName): string {
  const v = Number.isNaN(p.value) ? 'NaN' : String(p.value);
  return `item ${p.seq} (${commandName(p.command)}) ${p.field} = ${v}: ${p.codeName}`;
}

function defaultCommandName(c: number): string {
  const n = (common.MavCmd as unknown as Record<number, string>)[c];
  return n ?? `command ${c}`;
}
