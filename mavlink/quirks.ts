/**
 * Firmware differences as data. A `Quirks` value is chosen from HEARTBEAT.autopilot (and type) and read by
 * the services and the station; nothing subclasses per firmware.
 *
 *  - ArduPilot (Copter table): flight modes are HEARTBEAT.custom_mode numbers; takeoff needs GUIDED; the
 *    mission upload is answered with the legacy MISSION_REQUEST; home is mission item 0; a mode change sent
 *    at boot can be accepted and then lost (check the heartbeat, send again); streams via
 *    SET_MESSAGE_INTERVAL with REQUEST_DATA_STREAM as a fallback; DO_PAUSE_CONTINUE may be refused outside
 *    AUTO, so pausing falls back to BRAKE (continue: back to the mode before the pause); DO_REPOSITION
 *    falls back to SET_POSITION_TARGET_GLOBAL_INT in GUIDED.
 *  - PX4: custom_mode packs main mode in bits 16..23 and sub mode in bits 24..31; DO_SET_MODE takes
 *    param2 = main mode, param3 = sub mode.
 *  - generic: no custom modes; the name comes from base_mode flags, DO_SET_MODE param1 = base_mode.
 */
import { minimal } from 'mavlink-mappings';

export type Firmware = 'ardupilot' | 'px4' | 'generic';

export interface ModeEntry {
  name: string;
  /** The HEARTBEAT.custom_mode value (generic: the base_mode flags, without SAFETY_ARMED). */
  customMode: number;
}

export type ModeEncoding = 'custom-mode' | 'px4-main-sub' | 'base-mode';

export interface Quirks {
  firmware: Firmware;
  modeEncoding: ModeEncoding;
  modes: readonly ModeEntry[];
  /** Mode the vehicle must be in for MAV_CMD_NAV_TAKEOFF (undefined: any). */
  takeoffMode: string | undefined;
  /** Mode to switch to for land / RTL / pause fallback / position hold (undefined: use the command). */
  landMode: string | undefined;
  rtlMode: string | undefined;
  pauseFallbackMode: string | undefined;
  /** Mode needed by DO_REPOSITION / SET_POSITION_TARGET_GLOBAL_INT. */
  guidedMode: string | undefined;
  /** DO_REPOSITION refused → send SET_POSITION_TARGET_GLOBAL_INT in guidedMode. */
  gotoFallbackPositionTarget: boolean;
  /** The vehicle asks for mission items with legacy MISSION_REQUEST (id 40), not MISSION_REQUEST_INT. */
  missionRequestLegacy: boolean;
  /** Mission item 0 is home (overwritten by the vehicle); real items start at 1. */
  homeAtSeq0: boolean;
  /**
   * A duplicate MISSION_ITEM during an upload draws MISSION_ACK INVALID_SEQUENCE while the transfer goes on
   * (ArduPilot): the uploader must not take that ACK as the end of the transfer.
   */
  missionInvalidSequenceNonFatal: boolean;
  /** MISSION_ACK / MISSION_COUNT carry opaque_id and MISSION_CURRENT carries mission_id (mission identity). */
  missionOpaqueId: boolean;
  /**
   * How read-back items differ from what was sent (see mavlink/services/mission/verify.ts): DO items come back
   * in frame 0, NAV_LOITER_TIME param3 is stored only as a direction (±1).
   */
  missionReadback: 'ardupilot' | 'exact';
  /**
   * How PARAM_VALUE/PARAM_SET carry integers in their float field when AUTOPILOT_VERSION does not say
   * (MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_BYTEWISE / _C_CAST): ArduPilot casts, PX4 copies the bytes.
   */
  paramEncoding: 'cast' | 'bytewise';
  /** The whole parameter set can be read as `@PARAM/param.pck` over MAVFTP (ArduPilot 4.1+). */
  paramPck: boolean;
  /** Stream requests: SET_MESSAGE_INTERVAL first, REQUEST_DATA_STREAM when it is unsupported. */
  streams: 'message-interval' | 'message-interval-or-data-stream';
  /** A mode change right after boot can be accepted and then lost: confirm in heartbeats, resend. */
  modeMayRevert: boolean;
  /** The mode that flies the uploaded mission (undefined: none known by name). */
  missionMode: string | undefined;
  /**
   * Modes the vehicle's own failsafes switch to from the mission (battery, GCS/RC loss, fence, EKF): leaving
   * `missionMode` for one of these, unasked, is the drone taking itself home or down.
   */
  failsafeModes: readonly string[];
  /**
   * MAV_CMD_DO_ORBIT flies a circle round a point (PX4's Orbit mode). ArduCopter answers it UNSUPPORTED: its
   * GCS_MAVLink has no handler for it (ArduPilot PR #32434, "add MAV_CMD_DO_ORBIT support in Guided mode", is
   * still open); its CIRCLE mode circles a point CIRCLE_RADIUS ahead of the nose, set by parameter.
   */
  orbitCommand: boolean;
}

/** ArduCopter custom modes (ArduCopter/mode.h). */
export const COPTER_MODES: readonly ModeEntry[] = [
  ['STABILIZE', 0], ['ACRO', 1], ['ALT_HOLD', 2], ['AUTO', 3], ['GUIDED', 4], ['LOITER', 5], ['RTL', 6],
  ['CIRCLE', 7], ['LAND', 9], ['DRIFT', 11], ['SPORT', 13], ['FLIP', 14], ['AUTOTUNE', 15], ['POSHOLD', 16],
  ['BRAKE', 17], ['THROW', 18], ['AVOID_ADSB', 19], ['GUIDED_NOGPS', 20], ['SMART_RTL', 21], ['FLOWHOLD', 22],
  ['FOLLOW', 23], ['ZIGZAG', 24], ['SYSTEMID', 25], ['AUTOROTATE', 26], ['AUTO_RTL', 27], ['TURTLE', 28],
].map(([name, customMode]) => ({ name: name as string, customMode: customMode as number }));

/** PX4 main modes (px4_custom_mode.h) and the sub modes of AUTO and POSCTL. */
const PX4_MAIN = { MANUAL: 1, ALTCTL: 2, POSCTL: 3, AUTO: 4, ACRO: 5, OFFBOARD: 6, STABILIZED: 7, RATTITUDE: 8 };
const PX4_AUTO_SUB = { READY: 1, TAKEOFF: 2, LOITER: 3, MISSION: 4, RTL: 5, LAND: 6, FOLLOW_TARGET: 8, PRECLAND: 9 };

export function px4CustomMode(main: number, sub = 0): number {
  return ((main & 0xff) << 16) + (sub & 0xff) * 0x1000000;
}

export const PX4_MODES: readonly ModeEntry[] = [
  ...Object.entries(PX4_MAIN)
    .filter(([n]) => n !== 'AUTO')
    .map(([name, main]) => ({ name, customMode: px4CustomMode(main) })),
  { name: 'POSCTL.ORBIT', customMode: px4CustomMode(PX4_MAIN.POSCTL, 1) },
  ...Object.entries(PX4_AUTO_SUB).map(([sub, n]) => ({ name: `AUTO.${sub}`, customMode: px4CustomMode(4, n) })),
];

const F = minimal.MavModeFlag;
/** Generic: names for base_mode flag combinations (MAV_MODE without the armed bit). */
export const GENERIC_MODES: readonly ModeEntry[] = [
  { name: 'MANUAL', customMode: F.MANUAL_INPUT_ENABLED },
  { name: 'STABILIZE', customMode: F.MANUAL_INPUT_ENABLED | F.STABILIZE_ENABLED },
  { name: 'GUIDED', customMode: F.MANUAL_INPUT_ENABLED | F.STABILIZE_ENABLED | F.GUIDED_ENABLED },
  { name: 'AUTO', customMode: F.MANUAL_INPUT_ENABLED | F.STABILIZE_ENABLED | F.GUIDED_ENABLED | F.AUTO_ENABLED },
];

export const ARDUPILOT_COPTER: Quirks = {
  firmware: 'ardupilot',
  modeEncoding: 'custom-mode',
  modes: COPTER_MODES,
  takeoffMode: 'GUIDED',
  landMode: 'LAND',
  rtlMode: 'RTL',
  pauseFallbackMode: 'BRAKE',
  guidedMode: 'GUIDED',
  gotoFallbackPositionTarget: true,
  missionRequestLegacy: true,
  homeAtSeq0: true,
  missionInvalidSequenceNonFatal: true,
  missionOpaqueId: true,
  missionReadback: 'ardupilot',
  paramEncoding: 'cast',
  paramPck: true,
  streams: 'message-interval-or-data-stream',
  modeMayRevert: true,
  missionMode: 'AUTO',
  // ArduCopter's failsafe actions (ArduCopter/events.cpp, FS_* parameters): RTL, LAND, SMART_RTL and AUTO_RTL (the
  // mission's DO_LAND_START). BRAKE, a fence action too, is left out: it is also the pause the station sends.
  failsafeModes: ['RTL', 'LAND', 'SMART_RTL', 'AUTO_RTL'],
  orbitCommand: false,
};

export const PX4: Quirks = {
  firmware: 'px4',
  modeEncoding: 'px4-main-sub',
  modes: PX4_MODES,
  takeoffMode: undefined,
  landMode: undefined,
  rtlMode: undefined,
  pauseFallbackMode: 'AUTO.LOITER',
  guidedMode: undefined,
  gotoFallbackPositionTarget: false,
  missionRequestLegacy: false,
  homeAtSeq0: false,
  missionInvalidSequenceNonFatal: false,
  missionOpaqueId: true,
  missionReadback: 'exact',
  paramEncoding: 'bytewise',
  paramPck: false,
  streams: 'message-interval',
  modeMayRevert: false,
  missionMode: 'AUTO.MISSION',
  failsafeModes: ['AUTO.RTL', 'AUTO.LAND', 'AUTO.PRECLAND'],
  orbitCommand: true,
};

export const GENERIC: Quirks = {
  firmware: 'generic',
  modeEncoding: 'base-mode',
  modes: GENERIC_MODES,
  takeoffMode: undefined,
  landMode: undefined,
  rtlMode: undefined,
  pauseFallbackMode: undefined,
  guidedMode: undefined,
  gotoFallbackPositionTarget: false,
  missionRequestLegacy: false,
  homeAtSeq0: false,
  missionInvalidSequenceNonFatal: false,
  missionOpaqueId: false,
  missionReadback: 'exact',
  paramEncoding: 'cast',
  paramPck: false,
  streams: 'message-interval',
  modeMayRevert: false,
  missionMode: 'AUTO',
  failsafeModes: [],
  orbitCommand: false,
};

/**
 * Quirks for a HEARTBEAT.autopilot value. ArduPilot vehicles other than copters (plane, rover, sub) would
 * need their own mode tables; only the copter table is defined so far and is used for all of them.
 */
export function quirksFor(autopilot: number): Quirks {
  if (autopilot === minimal.MavAutopilot.ARDUPILOTMEGA) return ARDUPILOT_COPTER;
  if (autopilot === minimal.MavAutopilot.PX4) return PX4;
  return GENERIC;
}

const BASE_MODE_MASK = F.MANUAL_INPUT_ENABLED | F.STABILIZE_ENABLED | F.GUIDED_ENABLED | F.AUTO_ENABLED;

/** The mode name shown in a heartbeat, e.g. "GUIDED", "AUTO.MISSION", or "MODE(42)" when unknown. */
export function modeName(q: Quirks, baseMode: number, customMode: number): string {
  if (q.modeEncoding === 'base-mode') {
    const flags = baseMode & BASE_MODE_MASK;
    let best: ModeEntry | undefined;
    for (const m of GENERIC_MODES) if ((flags & m.customMode) === m.customMode) best = m;
    return best?.name ?? 'UNKNOWN';
  }
  const cm = customMode >>> 0;
  const hit = q.modes.find((m) => m.customMode === cm);
  if (hit) return hit.name;
  if (q.modeEncoding === 'px4-main-sub') {
    // A main mode reported with a sub mode we do not know: name the main mode.
    const main = q.modes.find((m) => m.customMode === (cm & 0x00ff0000));
    if (main) return main.name;
  }
  return `MODE(${cm})`;
}

/** The custom_mode number of a mode name (case-insensitive), or undefined if this firmware has no such mode. */
export function modeNumber(q: Quirks, name: string): number | undefined {
  const n = name.trim().toUpperCase();
  return q.modes.find((m) => m.name === n)?.customMode;
}

/** MAV_CMD_DO_SET_MODE params 1..3 for a mode name, or undefined if the name is not a mode of this firmware. */
export function setModeParams(q: Quirks, name: string): [number, number, number] | undefined {
  const cm = modeNumber(q, name);
  if (cm === undefined) return undefined;
  switch (q.modeEncoding) {
    case 'custom-mode':
      return [F.CUSTOM_MODE_ENABLED, cm, 0];
    case 'px4-main-sub':
      return [F.CUSTOM_MODE_ENABLED, (cm >>> 16) & 0xff, (cm >>> 24) & 0xff];
    case 'base-mode':
      return [cm, 0, 0];
  }
}

/** All mode names of this firmware, in table order (for the UI's mode picker). */
export function modeNames(q: Quirks): string[] {
  return q.modes.map((m) => m.name);
}
