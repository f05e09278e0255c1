/**
 * Builds the telemetry messages of a simulated drone from its state, with the field values a real
 * ArduCopter 4.7 SITL sends (copter-mission-flight.tlog): SYS_STATUS sensor bitmasks per boot phase,
 * GPS fix type 6 with 10 satellites and eph 121, BATTERY_STATUS with one cell voltage and 65535 in the
 * others, HOME_POSITION with q = NaN, AUTOPILOT_VERSION's version, capabilities 0xFBEF and uid2, …
 */
import { ardupilotmega, common, minimal, standard } from 'mavlink-mappings';
import { make, type MavLinkData } from '../mavlink/codec/messages.js';
import type { Battery } from './battery.js';
import { latLonFromEnu, toE7, wrap360, type Home } from './geo.js';
import { MSG } from './link.js';
import type { CopterPhysics } from './physics.js';

const DEG = Math.PI / 180;

/** make() with plain numbers for enum- and bitmask-typed fields. */
function build<T extends MavLinkData>(cls: new () => T, fields: Record<string, unknown>): T {
  return make(cls, fields as Partial<T>);
}

/** Boot milestones reached, and health. */
export interface TelemetryPhase {
  ready: boolean;
  ekfInit: boolean;
  gpsFix: boolean;
  origin: boolean;
  /** EKF has an absolute horizontal position (EKF_POS_HORIZ_ABS). */
  position: boolean;
}

export interface TelemetrySource {
  timeBootMs(): number;
  readonly home: Home;
  readonly physics: CopterPhysics;
  readonly battery: Battery;
  phase(): TelemetryPhase;
  readonly mode: number;
  readonly armed: boolean;
  systemStatus(): number;
  baseMode(): number;
  landedState(): number;
  throttlePct(): number;
  batteryFailsafe(): 0 | 1 | 2;
  /** Incoming drop rate in c% (SYS_STATUS.drop_rate_comm). */
  dropRateComm(): number;
  readonly gimbal: { pitchDeg: number; yawDeg: number };
  /** MISSION_CURRENT as the mission server reports it (absent: no mission server). */
  missionCurrent?(): MavLinkData;
}

/** SYS_STATUS sensor bitmasks captured in each boot phase: [present, enabled, health]. */
const SENSORS_BOOT = [1395784719, 1392638991, 1158806539] as const;
const SENSORS_GPS = [1399979023, 1396833295, 1196555279] as const;
const SENSORS_ORIGIN = [1399979055, 1398930479, 1198652463] as const;
const SENSOR_GPS = 0x20;
const SENSOR_PREARM = 0x10000000;
const SENSOR_BATTERY = 0x2000000;

/** EKF_STATUS_REPORT flags captured: uninitialised, attitude+velocity+relative position, using GPS. */
export const EKF_FLAGS_UNINIT = 1024;
export const EKF_FLAGS_NO_GPS = 167;
export const EKF_FLAGS_GPS = 831;

/** AUTOPILOT_VERSION as captured from ArduCopter 4.7.0-dev (90700977). */
export const CAPABILITIES = 0xfbefn;
const FLIGHT_SW_VERSION = 0x04070000;
const ascii = (s: string, n: number): number[] => Array.from({ length: n }, (_, i) => (i < s.length ? s.charCodeAt(i) : 0));

export function autopilotVersion(): MavLinkData {
  return build(standard.AutopilotVersion, {
    capabilities: CAPABILITIES,
    uid: 0n,
    flightSwVersion: FLIGHT_SW_VERSION,
    middlewareSwVersion: 0,
    osSwVersion: 0,
    boardVersion: 0,
    vendorId: 0,
    productId: 0,
    flightCustomVersion: ascii('90700977', 8),
    middlewareCustomVersion: ascii('', 8),
    osCustomVersion: ascii('', 8),
    uid2: ascii('3d1219c7c4c5404aa', 18),
  });
}

function position(src: TelemetrySource): { latE7: number; lonE7: number; altMm: number; relMm: number } {
  const s = src.physics.state;
  const p = latLonFromEnu(src.home, s.eM, s.nM);
  return {
    latE7: toE7(p.latDeg),
    lonE7: toE7(p.lonDeg),
    altMm: Math.round((src.home.altAmslM + s.upM) * 1000),
    relMm: Math.round(s.upM * 1000),
  };
}

export function heartbeat(src: TelemetrySource): MavLinkData {
  return build(minimal.Heartbeat, {
    type: minimal.MavType.QUADROTOR,
    autopilot: minimal.MavAutopilot.ARDUPILOTMEGA,
    baseMode: src.baseMode(),
    customMode: src.mode,
    systemStatus: src.systemStatus(),
    mavlinkVersion: 3,
  });
}

export function sysStatus(src: TelemetrySource): MavLinkData {
  const ph = src.phase();
  const base = ph.origin ? SENSORS_ORIGIN : ph.gpsFix ? SENSORS_GPS : SENSORS_BOOT;
  let health = base[2];
  if (ph.position && !src.armed) health |= SENSOR_PREARM;
  if (src.armed) health |= SENSOR_PREARM;
  if (!ph.gpsFix) health &= ~SENSOR_GPS;
  if (src.batteryFailsafe() > 0) health &= ~SENSOR_BATTERY;
  const b = src.battery;
  const batteryValid = ph.ready;
  return build(common.SysStatus, {
    onboardControlSensorsPresent: base[0],
    onboardControlSensorsEnabled: base[1],
    onboardControlSensorsHealth: health >>> 0,
    load: 0,
    voltageBattery: batteryValid ? Math.round(b.voltageV * 1000) : 0,
    currentBattery: batteryValid ? Math.round(b.currentA * 100) : -1,
    batteryRemaining: batteryValid && b.remainingPct >= 0 ? Math.round(b.remainingPct) : -1,
    dropRateComm: src.dropRateComm(),
  });
}

export function gpsRawInt(src: TelemetrySource): MavLinkData {
  const ph = src.phase();
  const timeUsec = BigInt(Math.round(src.timeBootMs() * 1000));
  if (!ph.gpsFix) return build(common.GpsRawInt, { timeUsec: 0n, fixType: 0, eph: 65535, epv: 65535, satellitesVisible: 0 });
  const p = position(src);
  const s = src.physics.state;
  const gs = src.physics.groundSpeedMps;
  return build(common.GpsRawInt, {
    timeUsec,
    fixType: common.GpsFixType.RTK_FIXED,
    lat: p.latE7,
    lon: p.lonE7,
    alt: p.altMm,
    eph: 121,
    epv: 200,
    vel: Math.round(gs * 100),
    cog: gs > 0.2 ? Math.round(wrap360(Math.atan2(s.veMps, s.vnMps) / DEG) * 100) : 0,
    satellitesVisible: 10,
    altEllipsoid: p.altMm,
    hAcc: 300,
    vAcc: 300,
  });
}

export function globalPositionInt(src: TelemetrySource): MavLinkData {
  const s = src.physics.state;
  const ph = src.phase();
  const p = position(src);
  return build(standard.GlobalPositionInt, {
    timeBootMs: Math.round(src.timeBootMs()) >>> 0,
    lat: ph.gpsFix ? p.latE7 : 0,
    lon: ph.gpsFix ? p.lonE7 : 0,
    alt: ph.gpsFix ? p.altMm : 0,
    relativeAlt: p.relMm,
    vx: Math.round(s.vnMps * 100),
    vy: Math.round(s.veMps * 100),
    vz: Math.round(-s.vuMps * 100),
    hdg: Math.round(wrap360(s.yawDeg) * 100) % 36000,
  });
}

export function attitude(src: TelemetrySource): MavLinkData {
  const s = src.physics.state;
  const yaw = s.yawDeg > 180 ? s.yawDeg - 360 : s.yawDeg;
  return build(common.Attitude, {
    timeBootMs: Math.round(src.timeBootMs()) >>> 0,
    roll: s.rollRad,
    pitch: s.pitchRad,
    yaw: yaw * DEG,
    rollspeed: 0,
    pitchspeed: 0,
    yawspeed: s.yawRateDps * DEG,
  });
}

export function vfrHud(src: TelemetrySource): MavLinkData {
  const s = src.physics.state;
  return build(common.VfrHud, {
    airspeed: src.armed ? src.physics.airSpeedMps : 0,
    groundspeed: src.physics.groundSpeedMps,
    heading: Math.round(wrap360(s.yawDeg)) % 360,
    throttle: src.throttlePct(),
    alt: src.phase().origin ? src.home.altAmslM + s.upM : 0,
    climb: s.vuMps,
  });
}

export function batteryStatus(src: TelemetrySource): MavLinkData {
  const b = src.battery;
  const valid = src.phase().ready;
  const fs = src.batteryFailsafe();
  return build(common.BatteryStatus, {
    id: 0,
    batteryFunction: 0,
    type: 0,
    temperature: 32767,
    voltages: [valid ? Math.round(b.voltageV * 1000) : 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535],
    currentBattery: Math.round(b.currentA * 100),
    currentConsumed: Math.round(b.consumedMah),
    energyConsumed: Math.round(b.consumedWh * 36),
    batteryRemaining: valid && b.remainingPct >= 0 ? Math.round(b.remainingPct) : -1,
    timeRemaining: 0,
    chargeState: !valid ? 6 : fs === 2 ? 3 : fs === 1 ? 2 : 1,
    voltagesExt: [0, 0, 0, 0],
    mode: 0,
    faultBitmask: 0,
  });
}

export function ekfStatusReport(src: TelemetrySource): MavLinkData {
  const ph = src.phase();
  const flags = ph.position ? EKF_FLAGS_GPS : ph.ekfInit ? EKF_FLAGS_NO_GPS : EKF_FLAGS_UNINIT;
  return build(ardupilotmega.EkfStatusReport, {
    flags,
    velocityVariance: ph.position ? 0.006 : 0,
    posHorizVariance: ph.ekfInit ? 0.001 : 0,
    posVertVariance: ph.ekfInit ? 0.0009 : 0,
    compassVariance: ph.ekfInit ? 0.01 : 0,
    terrainAltVariance: 0,
    airspeedVariance: 0,
  });
}

export function homePosition(src: TelemetrySource): MavLinkData {
  const h = src.home;
  return build(common.HomePosition, {
    latitude: toE7(h.latDeg),
    longitude: toE7(h.lonDeg),
    altitude: Math.round(h.altAmslM * 1000),
    x: 0,
    y: 0,
    z: 0,
    q: [NaN, NaN, NaN, NaN],
    approachX: 0,
    approachY: 0,
    approachZ: 0,
    timeUsec: BigInt(Math.round(src.timeBootMs() * 1000)),
  });
}

export function gpsGlobalOrigin(src: TelemetrySource): MavLinkData {
  const h = src.home;
  return build(common.GpsGlobalOrigin, {
    latitude: toE7(h.latDeg),
    longitude: toE7(h.lonDeg),
    altitude: Math.round(h.altAmslM * 1000),
    timeUsec: BigInt(Math.round(src.timeBootMs() * 1000)),
  });
}

export function extendedSysState(src: TelemetrySource): MavLinkData {
  return build(common.ExtendedSysState, { vtolState: 0, landedState: src.landedState() });
}

export function mountStatus(src: TelemetrySource): MavLinkData {
  return build(ardupilotmega.MountStatus, {
    pointingA: Math.round(src.gimbal.pitchDeg * 100),
    pointingB: 0,
    pointingC: Math.round(src.gimbal.yawDeg * 100),
    targetSystem: 0,
    targetComponent: 0,
    mountMode: 2,
  });
}

/** Build a message by id, or undefined when it is not available now (e.g. HOME_POSITION before home). */
export function buildMessage(msgid: number, src: TelemetrySource): MavLinkData | undefined {
  switch (msgid) {
    case MSG.HEARTBEAT:
      return heartbeat(src);
    case MSG.SYS_STATUS:
      return sysStatus(src);
    case MSG.GPS_RAW_INT:
      return gpsRawInt(src);
    case MSG.ATTITUDE:
      return attitude(src);
    case MSG.GLOBAL_POSITION_INT:
      return globalPositionInt(src);
    case MSG.VFR_HUD:
      return vfrHud(src);
    case MSG.BATTERY_STATUS:
      return batteryStatus(src);
    case MSG.EKF_STATUS_REPORT:
      return ekfStatusReport(src);
    case MSG.HOME_POSITION:
      return src.phase().origin ? homePosition(src) : undefined;
    case MSG.GPS_GLOBAL_ORIGIN:
      return src.phase().origin ? gpsGlobalOrigin(src) : undefined;
    case MSG.MISSION_CURRENT:
      return src.missionCurrent?.();
    case MSG.EXTENDED_SYS_STATE:
      return extendedSysState(src);
    case MSG.AUTOPILOT_VERSION:
      return autopilotVersion();
    case MSG.MOUNT_STATUS:
      return mountStatus(src);
    default:
      return undefined;
  }
}
