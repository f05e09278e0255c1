/**
 * How ArduCopter flies home and down, for time estimates (pure): the vertical speeds of AUTO, a NAV_LAND's
 * descent, and RTL as ArduCopter/mode_rtl.cpp flies it, from the drone's parameters or their documented
 * defaults (ardupilot.org/copter/docs/parameters.html; the simulator's sitl/param-defaults.ts has the same).
 *
 *  AUTO      climbs at WPNAV_SPEED_UP (250 cm/s), descends at WPNAV_SPEED_DN (150 cm/s). PILOT_SPEED_UP/DN are
 *            the pilot's stick rates in ALT_HOLD/LOITER/… and are not used by AUTO or RTL.
 *  landing   (NAV_LAND, LAND mode and RTL's last phase; Mode::land_run_vertical_control) descends at
 *            LAND_SPEED_HIGH, or WPNAV_SPEED_DN when that is 0, never slower than LAND_SPEED, down to
 *            LAND_ALT_LOW (1000 cm, at least 100 cm), and at LAND_SPEED (50 cm/s) below it.
 *  RTL       (ModeRTL::compute_return_target, return to home, altitude above home):
 *              min      = max(RTL_ALT_MIN 30 cm, current + max(0, RTL_CLIMB_MIN))
 *              target   = max(RTL_ALT (1500 cm), min)
 *              cone     : when RTL_CONE_SLOPE ≥ 0.5, target = min(target, max(distance home × slope, min))
 *              never descends: target = max(target, current)
 *            climb to target above where it is (WPNAV_SPEED_UP), fly home at RTL_SPEED or WPNAV_SPEED when 0
 *            (1000 cm/s; a mission's DO_CHANGE_SPEED does not apply), loiter RTL_LOIT_TIME (5000 ms), then
 *            land when RTL_ALT_FINAL is 0; otherwise descend to RTL_ALT_FINAL (WPNAV_SPEED_DN) and hover there
 *            until the pilot lands it — the estimate then charges that landing too.
 *  Not modelled: rally points (the return is to home), terrain-relative RTL_ALT_TYPE, the fence's altitude
 *  cap, acceleration, wind.
 */

/** The parameters the estimate reads, in SI units (m, m/s, s). */
export interface CopterReturnParams {
  wpnavSpeedMps: number;
  wpnavSpeedUpMps: number;
  wpnavSpeedDnMps: number;
  rtlAltM: number;
  rtlClimbMinM: number;
  rtlConeSlope: number;
  /** RTL_SPEED; 0 means WPNAV_SPEED. */
  rtlSpeedMps: number;
  rtlAltFinalM: number;
  rtlLoiterS: number;
  landSpeedMps: number;
  /** LAND_SPEED_HIGH; 0 means WPNAV_SPEED_DN. */
  landSpeedHighMps: number;
  landAltLowM: number;
}

/** Each parameter: its ArduPilot name, unit divisor to SI, documented default (in the parameter's unit), and allowed range (SI). */
const SPEC: Record<keyof CopterReturnParams, { name: string; div: number; def: number; min: number; max: number }> = {
  wpnavSpeedMps: { name: 'WPNAV_SPEED', div: 100, def: 1000, min: 0.2, max: 50 },
  wpnavSpeedUpMps: { name: 'WPNAV_SPEED_UP', div: 100, def: 250, min: 0.1, max: 10 },
  wpnavSpeedDnMps: { name: 'WPNAV_SPEED_DN', div: 100, def: 150, min: 0.1, max: 5 },
  rtlAltM: { name: 'RTL_ALT', div: 100, def: 1500, min: 0, max: 3000 },
  rtlClimbMinM: { name: 'RTL_CLIMB_MIN', div: 100, def: 0, min: 0, max: 30 },
  rtlConeSlope: { name: 'RTL_CONE_SLOPE', div: 1, def: 3, min: 0, max: 10 },
  rtlSpeedMps: { name: 'RTL_SPEED', div: 100, def: 0, min: 0, max: 50 },
  rtlAltFinalM: { name: 'RTL_ALT_FINAL', div: 100, def: 0, min: 0, max: 1000 },
  rtlLoiterS: { name: 'RTL_LOIT_TIME', div: 1000, def: 5000, min: 0, max: 60 },
  landSpeedMps: { name: 'LAND_SPEED', div: 100, def: 50, min: 0.3, max: 2 },
  landSpeedHighMps: { name: 'LAND_SPEED_HIGH', div: 100, def: 0, min: 0, max: 5 },
  landAltLowM: { name: 'LAND_ALT_LOW', div: 100, def: 1000, min: 1, max: 100 },
};
const KEYS = Object.keys(SPEC) as (keyof CopterReturnParams)[];

/** The ArduPilot names the estimate reads. */
export const COPTER_RETURN_PARAM_NAMES: readonly string[] = KEYS.map((k) => SPEC[k].name);

/** ArduCopter's documented defaults. */
export const COPTER_DEFAULTS: Readonly<CopterReturnParams> = Object.freeze(
  Object.fromEntries(KEYS.map((k) => [k, SPEC[k].def / SPEC[k].div])) as unknown as CopterReturnParams,
);

/** RTL_ALT_MIN in mode_rtl: the return altitude is never below 30 cm. */
const RTL_ALT_MIN_M = 0.3;
/** RTL_MIN_CONE_SLOPE: a smaller RTL_CONE_SLOPE turns the cone off. */
const RTL_MIN_CONE_SLOPE = 0.5;

export interface ParamsFrom {
  params: CopterReturnParams;
  /** ArduPilot names taken from the drone. */
  fromDrone: string[];
  /** Names the drone gave with a value out of range or not a number (the default is used), each with why. */
  refused: string[];
}

/**
 * The drone's parameters (ArduPilot names, ArduPilot units — cm, cm/s, ms) over the defaults; a value that is
 * not a finite number in its range is refused and the default kept.
 */
export function copterReturnParams(raw: Readonly<Record<string, unknown>> | undefined): ParamsFrom {
  const params = { ...COPTER_DEFAULTS };
  const fromDrone: string[] = [];
  const refused: string[] = [];
  if (raw) {
    for (const k of KEYS) {
      const s = SPEC[k];
      if (!Object.prototype.hasOwnProperty.call(raw, s.name)) continue;
      const v = raw[s.name];
      const si = typeof v === 'number' ? v / s.div : NaN;
      if (!Number.isFinite(si) || si < s.min || si > s.max) {
        refused.push(`${s.name}=${String(v)} is not in ${s.min * s.div}…${s.max * s.div}`);
        continue;
      }
      params[k] = si;
      fromDrone.push(s.name);
    }
  }
  return { params, fromDrone, refused };
}

/** Seconds to climb (dz > 0) or descend (dz < 0) in AUTO. */
export const verticalS = (dzM: number, p: CopterReturnParams): number => (dzM >= 0 ? dzM / p.wpnavSpeedUpMps : -dzM / p.wpnavSpeedDnMps);

/** The descent rates of a landing: above LAND_ALT_LOW and below it (m/s), and LAND_ALT_LOW (m). */
export function landRates(p: CopterReturnParams): { highMps: number; lowMps: number; lowAltM: number } {
  const high = p.landSpeedHighMps > 0 ? p.landSpeedHighMps : p.wpnavSpeedDnMps;
  return { highMps: Math.max(high, p.landSpeedMps), lowMps: p.landSpeedMps, lowAltM: Math.max(p.landAltLowM, 1) };
}

/** Seconds to land from `altM` above the ground (a landing's two speeds). */
export function landS(altM: number, p: CopterReturnParams): number {
  if (!(altM > 0)) return 0;
  const r = landRates(p);
  const low = Math.min(altM, r.lowAltM);
  return (altM - low) / r.highMps + low / r.lowMps;
}

export interface ReturnLeg {
  /** Altitude above home the return is flown at (m). */
  returnAltM: number;
  climbS: number;
  /** Horizontal distance home (m) and its time at the return speed. */
  homeM: number;
  speedMps: number;
  cruiseS: number;
  loiterS: number;
  /** RTL_ALT_FINAL > 0: descent to it (s); the drone then hovers there until landed by the pilot. */
  finalDescentS: number;
  /** Landing from the return altitude (or RTL_ALT_FINAL) to the ground. */
  landS: number;
  totalS: number;
  /** True when RTL_ALT_FINAL > 0: the autopilot does not land by itself. */
  hoversAtFinal: boolean;
}

/** RTL from `altM` above home, `homeM` metres from home (horizontally). */
export function rtlLeg(altM: number, homeM: number, p: CopterReturnParams): ReturnLeg {
  const cur = Math.max(0, altM);
  const min = Math.max(RTL_ALT_MIN_M, cur + Math.max(0, p.rtlClimbMinM));
  let target = Math.max(p.rtlAltM, min);
  if (p.rtlConeSlope >= RTL_MIN_CONE_SLOPE) target = Math.min(target, Math.max(homeM * p.rtlConeSlope, min));
  target = Math.max(target, cur);
  const climbS = (target - cur) / p.wpnavSpeedUpMps;
  const speedMps = p.rtlSpeedMps > 0 ? p.rtlSpeedMps : p.wpnavSpeedMps;
  const cruiseS = homeM / speedMps;
  const hoversAtFinal = p.rtlAltFinalM > 0 && p.rtlAltFinalM < target;
  const finalDescentS = hoversAtFinal ? (target - p.rtlAltFinalM) / p.wpnavSpeedDnMps : 0;
  const down = landS(hoversAtFinal ? p.rtlAltFinalM : target, p);
  return {
    returnAltM: target, climbS, homeM, speedMps, cruiseS, loiterS: p.rtlLoiterS, finalDescentS, landS: down,
    totalS: climbS + cruiseS + p.rtlLoiterS + finalDescentS + down, hoversAtFinal,
  };
}
