/**
 * The fleet file (../shared/formats/jurisdiction.md, "Fleet"): validated into typed data with defaults.
 * Unknown properties are kept out of the typed result and ignored, never fatal.
 */
import { ok, type Result } from '../common/result.js';
import { type InputIssue, inputError, typeName } from './errors.js';

export interface FleetDrone {
  id: string;
  sysid: number;
  dock: string;
  enduranceMin: number;
  cruiseMps: number;
  chargeMin: number;
  /** Link URL; undefined = the built-in simulator flies this drone. */
  connect?: string;
  /** Video stream URL, if any. */
  video?: string;
  /** MAVLink signing key file of this drone (`signing_key_file`; relative to the fleet file's folder is the caller's to resolve). */
  signingKeyFile?: string;
  /** The camera's sub-stream URL (lower resolution), shown by the wall's tiles not in focus; needs `video`. */
  videoSub?: string;
}

export interface Fleet {
  station: string;
  timezone: string;
  patrol: { sortiesPerDay: number; sortieMin: number; firstLaunch: string };
  reservePct: number;
  drones: FleetDrone[];
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export function parseFleet(json: unknown, file: string): Result<Fleet, 'invalid-input'> {
  const issues: InputIssue[] = [];
  const bad = (where: string, problem: string) => issues.push({ where, problem });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return inputError(file, [{ where: '(top level)', problem: `must be a JSON object, found ${typeName(json)}` }]);
  }
  const o = json as Record<string, unknown>;
  const str = (v: unknown, where: string, required: boolean, dflt = ''): string => {
    if (v === undefined && !required) return dflt;
    if (typeof v !== 'string' || v.trim() === '') {
      bad(where, v === undefined ? 'is required' : `must be a non-empty string, found ${typeName(v)}`);
      return dflt;
    }
    return v;
  };
  const num = (v: unknown, where: string, dflt: number | undefined, min: number, max: number, integer = false): number => {
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      bad(where, v === undefined ? 'is required' : `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, found ${typeName(v)}`);
      return dflt ?? min;
    }
    return v;
  };
  const station = str(o.station, 'station', true);
  const timezone = str(o.timezone, 'timezone', false, 'Asia/Shanghai');
  const p = (o.patrol ?? {}) as Record<string, unknown>;
  if (typeof p !== 'object' || Array.isArray(p)) bad('patrol', `must be an object, found ${typeName(o.patrol)}`);
  const patrol = {
    sortiesPerDay: num(p.sorties_per_day, 'patrol.sorties_per_day', 72, 0, 1440, true),
    sortieMin: num(p.sortie_minutes, 'patrol.sortie_minutes', 20, 1, 600),
    firstLaunch: str(p.first_launch, 'patrol.first_launch', false, '00:00'),
  };
  if (!HHMM.test(patrol.firstLaunch)) bad('patrol.first_launch', `must be HH:MM (24 h), found ${JSON.stringify(patrol.firstLaunch)}`);
  const reservePct = num(o.reserve_percent, 'reserve_percent', 25, 0, 90);
  const drones: FleetDrone[] = [];
  if (!Array.isArray(o.drones) || o.drones.length === 0) {
    bad('drones', o.drones === undefined ? 'is required (a list of drones)' : `must be a non-empty array, found ${typeName(o.drones)}`);
  } else {
    const ids = new Set<string>();
    const sysids = new Map<number, string>();
    o.drones.forEach((d: unknown, i: number) => {
      const w = `drones[${i}]`;
      if (typeof d !== 'object' || d === null || Array.isArray(d)) return void bad(w, `must be an object, found ${typeName(d)}`);
      const r = d as Record<string, unknown>;
      const id = str(r.id, `${w}.id`, true);
      const wid = id ? `${w} (id ${id})` : w;
      const drone: FleetDrone = {
        id,
        sysid: num(r.sysid, `${wid}.sysid`, undefined, 1, 254, true),
        dock: str(r.dock, `${wid}.dock`, true),
        enduranceMin: num(r.endurance_minutes, `${wid}.endurance_minutes`, undefined, 1, 1440),
        cruiseMps: num(r.cruise_mps, `${wid}.cruise_mps`, undefined, 0.5, 60),
        chargeMin: num(r.charge_minutes, `${wid}.charge_minutes`, 30, 0, 1440),
      };
      if (r.connect !== undefined) drone.connect = str(r.connect, `${wid}.connect`, true);
      if (r.video !== undefined) drone.video = str(r.video, `${wid}.video`, true);
      if (r.signing_key_file !== undefined) drone.signingKeyFile = str(r.signing_key_file, `${wid}.signing_key_file`, true);
      if (r.video_sub !== undefined) {
        drone.videoSub = str(r.video_sub, `${wid}.video_sub`, true);
        if (drone.video === undefined) bad(`${wid}.video_sub`, 'is a sub-stream of `video`, which this drone does not have');
      }
      if (id && ids.has(id)) bad(`${wid}.id`, `duplicates another drone's id "${id}"`);
      ids.add(id);
      const other = sysids.get(drone.sysid);
      if (other !== undefined) bad(`${wid}.sysid`, `${drone.sysid} is already the sysid of drone ${other}: MAVLink system ids must be unique`);
      sysids.set(drone.sysid, id);
      drones.push(drone);
    });
  }
  if (issues.length) return inputError(file, issues);
  return ok({ station, timezone, patrol, reservePct, drones });
}

/** The flight time a drone may plan to use (s): its endurance less the fleet's battery reserve — the day planner's and the console planner's one rule. */
export const usableFlightS = (enduranceMin: number, reservePct: number): number => enduranceMin * 60 * (1 - reservePct / 100);
