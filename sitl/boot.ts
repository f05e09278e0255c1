/**
 * The boot timeline of a cold ArduCopter, as captured (copter-mission-flight.tlog, real time, EEPROM
 * wiped): ready at 2.35 s, EKF initialised ~4.4 s, GPS fix ~10 s, EKF origin and home ~19.9 s, EKF using
 * GPS (EKF_POS_HORIZ_ABS, armable in GUIDED) at 41.3 s. `warmupMs` (default 41 326) scales the whole
 * timeline so tests and demos can boot faster; every milestone keeps its captured proportion.
 */
import { common } from 'mavlink-mappings';

const S = common.MavSeverity;

export const CAPTURED_WARMUP_MS = 41_326;

export interface BootTimeline {
  /** "ArduPilot Ready": system_status BOOT → STANDBY, arming checks begin. */
  readyMs: number;
  /** RC input valid: the mode switch is applied once (a mode set before this is lost → STABILIZE). */
  rcValidMs: number;
  /** EKF_STATUS_REPORT flags 1024 → 167 (attitude, velocities, relative position). */
  ekfInitMs: number;
  /** GPS 3D fix: GPS_RAW_INT and GLOBAL_POSITION_INT carry a position. */
  gpsFixMs: number;
  /** EKF origin and home set: HOME_POSITION, GPS_GLOBAL_ORIGIN; arming in STABILIZE possible. */
  originMs: number;
  /** EKF uses GPS: EKF_POS_HORIZ_ABS, arming in GUIDED/AUTO possible. */
  positionMs: number;
}

export function bootTimeline(warmupMs: number = CAPTURED_WARMUP_MS): BootTimeline {
  const k = warmupMs / CAPTURED_WARMUP_MS;
  return {
    readyMs: 2353 * k,
    rcValidMs: 2550 * k,
    ekfInitMs: 5890 * k,
    gpsFixMs: 10_140 * k,
    originMs: 19_925 * k,
    positionMs: warmupMs,
  };
}

/** Boot STATUSTEXTs at their captured times (ms since power-on at warmup 41 326 ms). */
export const BOOT_TEXTS: readonly (readonly [number, number, string])[] = [
  [116, S.DEBUG, 'RCInput: decoding UDP (Pulses)'],
  [222, S.INFO, 'Calibrating barometer'],
  [1821, S.INFO, 'Barometer 1 calibration complete'],
  [2353, S.INFO, 'ArduPilot Ready'],
  [2353, S.INFO, 'AHRS: DCM active'],
  [4354, S.INFO, 'EKF3 IMU0 initialised'],
  [4355, S.INFO, 'AHRS: EKF3 active'],
  [5701, S.INFO, 'EKF3 IMU0 tilt alignment complete'],
  [5801, S.INFO, 'EKF3 IMU0 MAG0 initial yaw alignment complete'],
  [9731, S.INFO, 'GPS 1: detected u-blox'],
  [19_925, S.INFO, 'EKF3 IMU0 origin set'],
  [41_326, S.INFO, 'EKF3 IMU0 is using GPS'],
];

/** The 3-line banner sent on PARAM_REQUEST_LIST (and when @PARAM/param.pck is opened). */
export const BANNER: readonly string[] = ['ArduCopter V4.7.0-dev (90700977)', '3d1219c7c4c5404aaa1f6d2a48adfda4', 'Frame: QUAD/PLUS'];

/** For the first seconds after boot STATUSTEXT goes to every link, not only to links the GCS spoke on. */
export const BOOT_TEXT_ALL_LINKS_MS = 3000;

/**
 * The arming refusals during boot (all MAV_RESULT_FAILED, each sent as "Arm: <text>"), in the order and at
 * the times captured: "System not initialised" until ready; "Accels inconsistent" (until ~15 s) then
 * "Gyros inconsistent" (until ~22.7 s) while the IMUs settle; "AHRS: waiting for home" until the origin;
 * "Need Position Estimate" in a mode that needs a position until the EKF uses GPS. Empty = armable.
 */
export function bootArmRefusals(sinceBootMs: number, t: BootTimeline, needsPosition: boolean): string[] {
  const k = t.positionMs / CAPTURED_WARMUP_MS;
  if (sinceBootMs < t.readyMs) return ['System not initialised'];
  const out: string[] = [];
  if (sinceBootMs < 15_000 * k) out.push('Accels inconsistent');
  else if (sinceBootMs < 22_700 * k) out.push('Gyros inconsistent');
  if (sinceBootMs < t.originMs) out.push('AHRS: waiting for home');
  else if (needsPosition && sinceBootMs < t.positionMs) out.push('Need Position Estimate');
  return out;
}
