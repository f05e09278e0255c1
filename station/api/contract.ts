/**
 * The station's API contract: plain data the renderer and remote viewers receive over WebSocket (or IPC in
 * the desktop app), and the requests they may send. Types only — the renderer imports this file and nothing
 * else of station/. Units are in the names; altitudes say their frame.
 */

export interface VehicleView {
  /** Fleet id (e.g. "JH-01") when the fleet file names this sysid, else "sys<N>". */
  id: string;
  sysid: number;
  compid: number;
  autopilot: string;
  vehicleType: string;
  connected: boolean;
  links: string[];
  mode: string;
  armed: boolean;
  systemStatus: string;
  latDeg: number | null;
  lonDeg: number | null;
  altRelM: number | null;
  altAmslM: number | null;
  headingDeg: number | null;
  rollDeg: number | null;
  pitchDeg: number | null;
  groundSpeedMps: number | null;
  climbMps: number | null;
  batteryPct: number | null;
  batteryV: number | null;
  batteryTimeLeftS: number | null;
  gpsFixType: number | null;
  gpsSatellites: number | null;
  gpsHdop: number | null;
  linkLossPct: number | null;
  rttMs: number | null;
  homeLatDeg: number | null;
  homeLonDeg: number | null;
  unhealthySensors: string[];
  lastText: string | null;
  landed: string;
}

export interface StationEvent {
  atMs: number;
  sysid?: number;
  kind: string;
  severity: 'info' | 'notice' | 'warning' | 'alert';
  text: string;
}

export interface StationSnapshot {
  type: 'snapshot';
  atMs: number;
  station: string;
  simulated: boolean;
  vehicles: VehicleView[];
}

export type VehicleCommand =
  | { command: 'arm' }
  | { command: 'disarm'; force?: boolean }
  | { command: 'mode'; mode: string }
  | { command: 'takeoff'; altRelM: number }
  | { command: 'land' }
  | { command: 'rtl' }
  | { command: 'pause' }
  | { command: 'continue' }
  | { command: 'goto'; latDeg: number; lonDeg: number; altRelM: number }
  | { command: 'orbit'; latDeg: number; lonDeg: number; radiusM: number; velocityMps?: number };

export type ClientMessage = { type: 'command'; requestId: string; sysid: number } & VehicleCommand;

export type ServerMessage =
  | StationSnapshot
  | { type: 'hello'; station: string; geography: unknown; simulated: boolean; version: string }
  | { type: 'event'; event: StationEvent }
  | { type: 'result'; requestId: string; ok: boolean; result: string; reason: string };
