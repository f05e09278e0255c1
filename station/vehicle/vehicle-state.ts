/**
 * The live state of one vehicle as a reducer over received frames. Plain serialisable data (null for "not heard
 * yet"), units in every name. `vehicleSnapshot` turns it into what the UI gets at ~10 Hz.
 *
 * Two ways to reduce, with the same results:
 *  - `reduceVehicle` / `reduceVehicleWithTexts` are pure: the input state is never changed (tests, tools).
 *  - `reduceVehicleOwned` is for the one owner of a vehicle's state (the Vehicle): the telemetry is still never
 *    mutated — a message returns a new state sharing every part it did not change, and the same state when it
 *    changed nothing — but the per-frame counters (`links`, `rates`, `recent`: loss, message rates, the
 *    duplicate filter) are updated in place, shared by that owner's successive states. Copying those maps for
 *    every frame was about half of the station's CPU under fleet load (bench/fleet.ts).
 *
 * Telemetry is taken from the autopilot component (state.compid) only; STATUSTEXT from every component of
 * the system; sequence-gap loss is counted per (sysid, compid) per link.
 */
import { common, minimal, standard, ardupilotmega } from 'mavlink-mappings';
import type { MavLinkData } from '../../mavlink/codec/messages.js';
import { messageName } from '../../mavlink/codec/messages.js';
import { modeName, quirksFor, type Firmware } from '../../mavlink/quirks.js';
import { copyLinkQuality, copyRateCounter, countFrame, countRate, emptyLinkQuality, lossPct, ratesHz, type LinkQuality, type RateCounter } from './link-quality.js';
import { addStatusText, emptyStatusTextLog, type StatusTextEntry, type StatusTextLog } from './statustext.js';

export interface Position { latDeg: number; lonDeg: number; altRelM: number; altAmslM: number; atMs: number }
export interface Attitude { rollDeg: number; pitchDeg: number; yawDeg: number; atMs: number }
export interface Velocity {
  vnMps: number; veMps: number; vdMps: number;
  groundSpeedMps: number; airSpeedMps: number | null; climbMps: number;
}
export interface Battery {
  voltageV: number | null; currentA: number | null; remainingPct: number | null;
  consumedMah: number | null;
  /**
   * Time until the reserve, from the Vehicle's battery estimate (battery-estimate.ts: energy-based, learned per
   * drone); 'flight' in the air, 'endurance' on the ground (what a flight would get). The bare reducer carries
   * the last one over; it never computes one (the autopilot's time_remaining is not used: see that file).
   */
  timeLeftS: number | null;
  timeLeftKind: 'flight' | 'endurance' | null;
  /** Where the figure's energy comes from (battery-estimate.ts `BatteryTimeLeft.source`); absent: not known. */
  timeLeftSource?: 'learned' | 'prior' | 'mixed' | null;
}
export interface Gps { fixType: number; satellites: number | null; hdop: number | null }
export interface Sensors { present: number; enabled: number; health: number; unhealthy: string[] }
export interface Home { latDeg: number; lonDeg: number; altAmslM: number }
export interface Ekf {
  flags: number; attitude: boolean; velocityHoriz: boolean; posHorizAbs: boolean; posVertAbs: boolean;
  constPosMode: boolean; gpsGlitching: boolean;
}

export interface VehicleState {
  sysid: number;
  compid: number;
  firmware: Firmware;
  autopilot: number;
  vehicleType: number;
  mode: string;
  customMode: number;
  baseMode: number;
  armed: boolean;
  systemStatus: string;
  lastHeartbeatMs: number | null;
  position: Position | null;
  attitude: Attitude | null;
  velocity: Velocity | null;
  headingDeg: number | null;
  battery: Battery | null;
  gps: Gps | null;
  sensors: Sensors | null;
  home: Home | null;
  landedState: string | null;
  ekf: Ekf | null;
  statustext: StatusTextLog;
  /** Per link name (a counter: see the file's comment). */
  links: Record<string, LinkQuality>;
  rttMs: number | null;
  /** Per message name, the autopilot component's frames (a counter). */
  rates: Record<string, RateCounter>;
  /** Autopilot time since boot as last seen; a jump back (or a HEARTBEAT back in MAV_STATE_BOOT) means a reboot. */
  timeBootMs: number | null;
  reboots: number;
  /**
   * Recently reduced frames (sender, msgid, seq) so that the second copy of a frame heard on a redundant
   * link is counted for that link's quality but not reduced (or reported) twice.
   */
  recent: RecentFrames;
}

/** A ring of the last RECENT_FRAMES frame keys and arrival times (a counter); `next` is the slot to write. */
export interface RecentFrames { keys: number[]; atMs: number[]; next: number }

export type VehicleInput =
  | {
      type: 'frame';
      link: string;
      sysid: number;
      compid: number;
      seq: number;
      msgid: number;
      message: MavLinkData | undefined;
      atMs: number;
    }
  /** A round trip measured elsewhere (e.g. a command's first ACK). */
  | { type: 'rtt'; rttMs: number; atMs: number };

export function initialVehicleState(sysid: number, compid: number, autopilot = 0, vehicleType = 0): VehicleState {
  return {
    sysid, compid, firmware: quirksFor(autopilot).firmware, autopilot, vehicleType,
    mode: 'UNKNOWN', customMode: 0, baseMode: 0, armed: false, systemStatus: 'UNINIT', lastHeartbeatMs: null,
    position: null, attitude: null, velocity: null, headingDeg: null, battery: null, gps: null, sensors: null,
    home: null, landedState: null, ekf: null, statustext: emptyStatusTextLog(), links: {}, rttMs: null, rates: {},
    timeBootMs: null, reboots: 0, recent: { keys: [], atMs: [], next: 0 },
  };
}

const RAD = 180 / Math.PI;
const wrap360 = (d: number): number => ((d % 360) + 360) % 360;
/** RTT smoothing (as TCP's SRTT). */
const smooth = (prev: number | null, x: number): number => (prev === null ? x : prev + (x - prev) / 8);
const enumName = (e: Record<number, string>, v: number): string => e[v] ?? String(v);

export function unhealthySensors(present: number, enabled: number, health: number): string[] {
  // Runs for every SYS_STATUS: plain bit operations, no closure per bit (bench/fleet.ts found that one cost
  // ~14 % of the station's busy CPU with SYS_STATUS at 20 Hz under tsx, whose keepNames wraps each closure).
  const bad = (present & enabled & ~health) >>> 0;
  const out: string[] = [];
  for (let b = 0; bad !== 0 && b < 32; b++) {
    if (((bad >>> b) & 1) === 0) continue;
    const bit = 2 ** b;
    out.push((common.MavSysStatusSensor as unknown as Record<number, string>)[bit] ?? `BIT_${b}`);
  }
  return out;
}

/** The reboot count after a message stamped `timeBootMs`: time since boot going back by more than 5 s is a reboot. */
function rebootsAfter(s: VehicleState, timeBootMs: number): number {
  const rebooted = s.timeBootMs !== null && timeBootMs + 5000 < s.timeBootMs;
  return rebooted ? s.reboots + 1 : s.reboots;
}

function applyTelemetry(s: VehicleState, m: MavLinkData, atMs: number): VehicleState {
  if (m instanceof minimal.Heartbeat) {
    const q = quirksFor(m.autopilot);
    // A rebooted ArduPilot streams nothing until asked, so time_boot_ms may never show the reboot; its
    // HEARTBEAT going back to MAV_STATE_BOOT does. Forget the old boot time so that the first streamed
    // time_boot_ms is not counted as a second reboot.
    const B = minimal.MavState;
    const rebooted = s.lastHeartbeatMs !== null && m.systemStatus === B.BOOT && s.systemStatus !== 'BOOT' && s.systemStatus !== 'UNINIT';
    // Fields of the state are set in place of a spread of a second object (`...(rebooted ? {…} : {})`), which V8
    // copies on its slow path: the same keys in the same order, at every frame's cost (bench/patrol-day.ts).
    return {
      ...s, firmware: q.firmware, autopilot: m.autopilot, vehicleType: m.type,
      reboots: rebooted ? s.reboots + 1 : s.reboots, timeBootMs: rebooted ? null : s.timeBootMs,
      mode: modeName(q, m.baseMode, m.customMode), customMode: m.customMode, baseMode: m.baseMode,
      armed: (m.baseMode & minimal.MavModeFlag.SAFETY_ARMED) !== 0,
      systemStatus: enumName(minimal.MavState as unknown as Record<number, string>, m.systemStatus),
      lastHeartbeatMs: atMs,
    };
  }
  if (m instanceof standard.GlobalPositionInt) {
    const v = s.velocity;
    const vn = m.vx / 100, ve = m.vy / 100, vd = m.vz / 100;
    return {
      ...s,
      position: { latDeg: m.lat / 1e7, lonDeg: m.lon / 1e7, altRelM: m.relativeAlt / 1000, altAmslM: m.alt / 1000, atMs },
      velocity: {
        vnMps: vn, veMps: ve, vdMps: vd, groundSpeedMps: Math.hypot(vn, ve),
        airSpeedMps: v?.airSpeedMps ?? null, climbMps: -vd,
      },
      headingDeg: m.hdg !== 65535 ? m.hdg / 100 : s.headingDeg,
      timeBootMs: m.timeBootMs, reboots: rebootsAfter(s, m.timeBootMs),
    };
  }
  if (m instanceof common.Attitude) {
    return {
      ...s,
      attitude: { rollDeg: m.roll * RAD, pitchDeg: m.pitch * RAD, yawDeg: wrap360(m.yaw * RAD), atMs },
      timeBootMs: m.timeBootMs, reboots: rebootsAfter(s, m.timeBootMs),
    };
  }
  if (m instanceof common.VfrHud) {
    const v = s.velocity ?? { vnMps: 0, veMps: 0, vdMps: 0, groundSpeedMps: 0, airSpeedMps: null, climbMps: 0 };
    return {
      ...s,
      velocity: { ...v, groundSpeedMps: m.groundspeed, airSpeedMps: m.airspeed, climbMps: m.climb },
      headingDeg: wrap360(m.heading),
    };
  }
  if (m instanceof common.SysStatus) {
    const b = s.battery ?? { voltageV: null, currentA: null, remainingPct: null, consumedMah: null, timeLeftS: null, timeLeftKind: null };
    const battery: Battery = {
      ...b,
      voltageV: m.voltageBattery !== 65535 ? m.voltageBattery / 1000 : b.voltageV,
      currentA: m.currentBattery >= 0 ? m.currentBattery / 100 : b.currentA,
      remainingPct: m.batteryRemaining >= 0 ? m.batteryRemaining : b.remainingPct,
    };
    const present = m.onboardControlSensorsPresent >>> 0;
    const enabled = m.onboardControlSensorsEnabled >>> 0;
    const health = m.onboardControlSensorsHealth >>> 0;
    return {
      ...s,
      battery,
      sensors: { present, enabled, health, unhealthy: unhealthySensors(present, enabled, health) },
    };
  }
  if (m instanceof common.BatteryStatus) {
    if (m.id !== 0) return s;
    const cells = m.voltages.filter((v) => v !== 65535);
    const battery: Battery = {
      voltageV: cells.length > 0 ? cells.reduce((a, c) => a + c, 0) / 1000 : s.battery?.voltageV ?? null,
      currentA: m.currentBattery >= 0 ? m.currentBattery / 100 : s.battery?.currentA ?? null,
      remainingPct: m.batteryRemaining >= 0 ? m.batteryRemaining : s.battery?.remainingPct ?? null,
      consumedMah: m.currentConsumed >= 0 ? m.currentConsumed : null,
      timeLeftS: s.battery?.timeLeftS ?? null,
      timeLeftKind: s.battery?.timeLeftKind ?? null,
      timeLeftSource: s.battery?.timeLeftSource ?? null,
    };
    return { ...s, battery };
  }
  if (m instanceof common.GpsRawInt) {
    return {
      ...s,
      gps: {
        fixType: m.fixType,
        satellites: m.satellitesVisible !== 255 ? m.satellitesVisible : null,
        hdop: m.eph !== 65535 ? m.eph / 100 : null,
      },
    };
  }
  if (m instanceof common.HomePosition) {
    return { ...s, home: { latDeg: m.latitude / 1e7, lonDeg: m.longitude / 1e7, altAmslM: m.altitude / 1000 } };
  }
  if (m instanceof common.ExtendedSysState) {
    return { ...s, landedState: enumName(common.MavLandedState as unknown as Record<number, string>, m.landedState) };
  }
  if (m instanceof ardupilotmega.EkfStatusReport) {
    const f = m.flags;
    const E = ardupilotmega.EkfStatusFlags;
    return {
      ...s,
      ekf: {
        flags: f, attitude: (f & E.ATTITUDE) !== 0, velocityHoriz: (f & E.VELOCITY_HORIZ) !== 0,
        posHorizAbs: (f & E.POS_HORIZ_ABS) !== 0, posVertAbs: (f & E.POS_VERT_ABS) !== 0,
        constPosMode: (f & E.CONST_POS_MODE) !== 0, gpsGlitching: (f & E.GPS_GLITCHING) !== 0,
      },
    };
  }
  if (m instanceof common.TimeSync) {
    // Our request carried ts1 = our clock in ns; the reply echoes it with tc1 = the vehicle's clock.
    if (m.tc1 === 0n) return s;
    const rtt = atMs - Number(m.ts1) / 1e6;
    return rtt >= 0 && rtt < 30_000 ? { ...s, rttMs: smooth(s.rttMs, rtt) } : s;
  }
  return s;
}

/** Frames remembered for duplicate suppression, and how old a remembered copy may be. */
export const RECENT_FRAMES = 64;
export const DUPLICATE_WINDOW_MS = 2000;

const NO_TEXTS: readonly StatusTextEntry[] = Object.freeze([]);

function isRecent(r: RecentFrames, key: number, atMs: number): boolean {
  // A remembered copy from the future is no copy: a log read from an earlier point, or a clock stepped back.
  for (let i = 0; i < r.keys.length; i++) {
    const age = atMs - r.atMs[i]!;
    if (r.keys[i] === key && age >= 0 && age < DUPLICATE_WINDOW_MS) return true;
  }
  return false;
}

function remember(r: RecentFrames, key: number, atMs: number): void {
  r.keys[r.next] = key;
  r.atMs[r.next] = atMs;
  r.next = (r.next + 1) % RECENT_FRAMES;
}

/** The state with its own copy of the counters `input` will change (the others stay shared, untouched). */
function withOwnCounters(s: VehicleState, input: Extract<VehicleInput, { type: 'frame' }>): VehicleState {
  const q = s.links[input.link];
  const name = messageName(input.msgid);
  const r = input.compid === s.compid ? s.rates[name] : undefined;
  return {
    ...s,
    links: { ...s.links, [input.link]: q ? copyLinkQuality(q) : emptyLinkQuality() },
    rates: r ? { ...s.rates, [name]: copyRateCounter(r) } : { ...s.rates },
    recent: { keys: [...s.recent.keys], atMs: [...s.recent.atMs], next: s.recent.next },
  };
}

/**
 * Reduce one input into a state this caller owns: telemetry by structural sharing, the counters in place (see
 * the file's comment). `texts` are the STATUSTEXTs completed by this frame, for the registry's events.
 */
export function reduceVehicleOwned(s: VehicleState, input: VehicleInput): { state: VehicleState; texts: readonly StatusTextEntry[] } {
  if (input.type === 'rtt') return { state: { ...s, rttMs: smooth(s.rttMs, input.rttMs) }, texts: NO_TEXTS };
  if (input.sysid !== s.sysid) return { state: s, texts: NO_TEXTS };
  const { link, atMs, message: m } = input;
  countFrame(s.links[link] ?? (s.links[link] = emptyLinkQuality()), input.sysid, input.compid, input.seq, atMs);
  const key = (input.compid * 0x1000000 + input.msgid) * 256 + input.seq;
  if (isRecent(s.recent, key, atMs)) return { state: s, texts: NO_TEXTS };
  remember(s.recent, key, atMs);
  if (input.compid === s.compid) {
    const name = messageName(input.msgid);
    s.rates[name] = countRate(s.rates[name], atMs);
  }
  if (m instanceof common.StatusText) {
    const r = addStatusText(s.statustext, m, input.compid, atMs);
    return { state: { ...s, statustext: r.log }, texts: r.completed };
  }
  if (!m || input.compid !== s.compid) return { state: s, texts: NO_TEXTS };
  if (m instanceof minimal.Heartbeat && m.type === minimal.MavType.GCS) return { state: s, texts: NO_TEXTS };
  return { state: applyTelemetry(s, m, atMs), texts: NO_TEXTS };
}

/** Reduce one input (pure: `s` and its counters are left as they were). `texts` as in `reduceVehicleOwned`. */
export function reduceVehicleWithTexts(s: VehicleState, input: VehicleInput): { state: VehicleState; texts: readonly StatusTextEntry[] } {
  if (input.type === 'rtt' || input.sysid !== s.sysid) return reduceVehicleOwned(s, input);
  return reduceVehicleOwned(withOwnCounters(s, input), input);
}

export function reduceVehicle(s: VehicleState, input: VehicleInput): VehicleState {
  return reduceVehicleWithTexts(s, input).state;
}

export interface LinkSnapshot { link: string; lastRxMs: number; received: number; lost: number; lossPct: number }

export type VehicleSnapshot = Omit<VehicleState, 'rates' | 'links' | 'statustext' | 'recent'> & {
  ratesHz: Record<string, number>;
  links: LinkSnapshot[];
  statustext: StatusTextEntry[];
  armingMessages: StatusTextEntry[];
};

/** What the UI gets: rates in Hz, loss in percent, texts without the reassembly scratch. */
export function vehicleSnapshot(s: VehicleState, nowMs: number, textLimit = 20): VehicleSnapshot {
  // Field by field, in the state's order, rather than `const { rates, links, statustext, recent, ...rest } = s`:
  // an object rest copies through V8's slow path, and the runner views every drone every second of a simulated
  // day (bench/patrol-day.ts). A field added to VehicleState fails to compile here until it is listed.
  const links: LinkSnapshot[] = [];
  for (const link in s.links) {
    const q = s.links[link]!;
    links.push({ link, lastRxMs: q.lastRxMs, received: q.received, lost: q.lost, lossPct: Math.round(lossPct(q) * 10) / 10 });
  }
  return {
    sysid: s.sysid, compid: s.compid, firmware: s.firmware, autopilot: s.autopilot, vehicleType: s.vehicleType, mode: s.mode,
    customMode: s.customMode, baseMode: s.baseMode, armed: s.armed, systemStatus: s.systemStatus, lastHeartbeatMs: s.lastHeartbeatMs,
    position: s.position, attitude: s.attitude, velocity: s.velocity, headingDeg: s.headingDeg, battery: s.battery, gps: s.gps,
    sensors: s.sensors, home: s.home, landedState: s.landedState, ekf: s.ekf, rttMs: s.rttMs, timeBootMs: s.timeBootMs, reboots: s.reboots,
    ratesHz: ratesHz(s.rates, nowMs),
    links,
    statustext: s.statustext.entries.slice(-textLimit),
    armingMessages: s.statustext.arming.slice(-5),
  };
}
