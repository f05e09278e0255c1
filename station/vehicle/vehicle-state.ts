/**
 * The live state of one vehicle as a pure reducer over received frames. Plain serialisable data (null for
 * "not heard yet"), units in every name, nothing mutated: `reduceVehicle(state, input)` returns a new
 * state (sharing unchanged parts). `vehicleSnapshot` turns it into what the UI gets at ~10 Hz.
 *
 * Telemetry is taken from the autopilot component (state.compid) only; STATUSTEXT from every component of
 * the system; sequence-gap loss is counted per (sysid, compid) per link.
 */
import { common, minimal, standard, ardupilotmega } from 'mavlink-mappings';
import type { MavLinkData } from '../../mavlink/codec/messages.js';
import { messageName } from '../../mavlink/codec/messages.js';
import { modeName, quirksFor, type Firmware } from '../../mavlink/quirks.js';
import { countFrame, countRate, emptyLinkQuality, lossPct, ratesHz, type LinkQuality, type RateCounter } from './link-quality.js';
import { addStatusText, emptyStatusTextLog, type StatusTextEntry, type StatusTextLog } from './statustext.js';

export interface Position { latDeg: number; lonDeg: number; altRelM: number; altAmslM: number; atMs: number }
export interface Attitude { rollDeg: number; pitchDeg: number; yawDeg: number; atMs: number }
export interface Velocity {
  vnMps: number; veMps: number; vdMps: number;
  groundSpeedMps: number; airSpeedMps: number | null; climbMps: number;
}
export interface Battery {
  voltageV: number | null; currentA: number | null; remainingPct: number | null;
  consumedMah: number | null; timeLeftS: number | null;
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
  /** Per link name. */
  links: Record<string, LinkQuality>;
  rttMs: number | null;
  rates: Record<string, RateCounter>;
  /** Autopilot time since boot as last seen; a jump back (or a HEARTBEAT back in MAV_STATE_BOOT) means a reboot. */
  timeBootMs: number | null;
  reboots: number;
  /**
   * Recently reduced frames (sender, msgid, seq) so that the second copy of a frame heard on a redundant
   * link is counted for that link's quality but not reduced (or reported) twice.
   */
  recent: { key: number; atMs: number }[];
}

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
    timeBootMs: null, reboots: 0, recent: [],
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

function batteryTimeLeftS(b: Battery, reportedS: number): number | null {
  if (reportedS > 0) return reportedS;
  const { currentA, remainingPct, consumedMah } = b;
  if (currentA === null || remainingPct === null || consumedMah === null) return null;
  if (currentA < 0.5 || remainingPct <= 0 || remainingPct >= 100 || consumedMah <= 0) return null;
  // Capacity left implied by what was used for the percentage used, spent at the present current.
  const leftMah = (consumedMah * remainingPct) / (100 - remainingPct);
  return Math.round((leftMah / (currentA * 1000)) * 3600);
}

function checkBoot(s: VehicleState, timeBootMs: number): VehicleState {
  const rebooted = s.timeBootMs !== null && timeBootMs + 5000 < s.timeBootMs;
  return { ...s, timeBootMs, reboots: rebooted ? s.reboots + 1 : s.reboots };
}

function applyTelemetry(s: VehicleState, m: MavLinkData, atMs: number): VehicleState {
  if (m instanceof minimal.Heartbeat) {
    const q = quirksFor(m.autopilot);
    // A rebooted ArduPilot streams nothing until asked, so time_boot_ms may never show the reboot; its
    // HEARTBEAT going back to MAV_STATE_BOOT does. Forget the old boot time so that the first streamed
    // time_boot_ms is not counted as a second reboot.
    const B = minimal.MavState;
    const rebooted = s.lastHeartbeatMs !== null && m.systemStatus === B.BOOT && s.systemStatus !== 'BOOT' && s.systemStatus !== 'UNINIT';
    return {
      ...s, firmware: q.firmware, autopilot: m.autopilot, vehicleType: m.type,
      ...(rebooted ? { reboots: s.reboots + 1, timeBootMs: null } : {}),
      mode: modeName(q, m.baseMode, m.customMode), customMode: m.customMode, baseMode: m.baseMode,
      armed: (m.baseMode & minimal.MavModeFlag.SAFETY_ARMED) !== 0,
      systemStatus: enumName(minimal.MavState as unknown as Record<number, string>, m.systemStatus),
      lastHeartbeatMs: atMs,
    };
  }
  if (m instanceof standard.GlobalPositionInt) {
    const v = s.velocity;
    const vn = m.vx / 100, ve = m.vy / 100, vd = m.vz / 100;
    return checkBoot({
      ...s,
      position: { latDeg: m.lat / 1e7, lonDeg: m.lon / 1e7, altRelM: m.relativeAlt / 1000, altAmslM: m.alt / 1000, atMs },
      velocity: {
        vnMps: vn, veMps: ve, vdMps: vd, groundSpeedMps: Math.hypot(vn, ve),
        airSpeedMps: v?.airSpeedMps ?? null, climbMps: -vd,
      },
      headingDeg: m.hdg !== 65535 ? m.hdg / 100 : s.headingDeg,
    }, m.timeBootMs);
  }
  if (m instanceof common.Attitude) {
    return checkBoot({
      ...s,
      attitude: { rollDeg: m.roll * RAD, pitchDeg: m.pitch * RAD, yawDeg: wrap360(m.yaw * RAD), atMs },
    }, m.timeBootMs);
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
    const b = s.battery ?? { voltageV: null, currentA: null, remainingPct: null, consumedMah: null, timeLeftS: null };
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
      battery: { ...battery, timeLeftS: batteryTimeLeftS(battery, 0) ?? b.timeLeftS },
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
      timeLeftS: null,
    };
    return { ...s, battery: { ...battery, timeLeftS: batteryTimeLeftS(battery, m.timeRemaining) } };
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

/** Reduce one input. `completed` STATUSTEXTs are returned separately for the registry's events. */
export function reduceVehicleWithTexts(s: VehicleState, input: VehicleInput): { state: VehicleState; texts: StatusTextEntry[] } {
  if (input.type === 'rtt') return { state: { ...s, rttMs: smooth(s.rttMs, input.rttMs) }, texts: [] };
  if (input.sysid !== s.sysid) return { state: s, texts: [] };
  const { link, atMs, message: m } = input;
  let next: VehicleState = {
    ...s,
    links: { ...s.links, [link]: countFrame(s.links[link] ?? emptyLinkQuality(), input.sysid, input.compid, input.seq, atMs) },
  };
  let texts: StatusTextEntry[] = [];
  const key = (input.compid * 0x1000000 + input.msgid) * 256 + input.seq;
  if (s.recent.some((r) => r.key === key && atMs - r.atMs < DUPLICATE_WINDOW_MS)) return { state: next, texts };
  next.recent = [...s.recent.slice(-(RECENT_FRAMES - 1)), { key, atMs }];
  if (input.compid === s.compid) {
    const name = messageName(input.msgid);
    next.rates = { ...next.rates, [name]: countRate(next.rates[name], atMs) };
  }
  if (m instanceof common.StatusText) {
    const r = addStatusText(next.statustext, m, input.compid, atMs);
    next = { ...next, statustext: r.log };
    texts = r.completed;
  } else if (m && input.compid === s.compid) {
    if (m instanceof minimal.Heartbeat && m.type === minimal.MavType.GCS) return { state: next, texts };
    next = applyTelemetry(next, m, atMs);
  }
  return { state: next, texts };
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
  const { rates, links, statustext, recent: _recent, ...rest } = s;
  return {
    ...rest,
    ratesHz: ratesHz(rates, nowMs),
    links: Object.entries(links).map(([link, q]) => ({
      link, lastRxMs: q.lastRxMs, received: q.received, lost: q.lost, lossPct: Math.round(lossPct(q) * 10) / 10,
    })),
    statustext: statustext.entries.slice(-textLimit),
    armingMessages: statustext.arming.slice(-5),
  };
}
