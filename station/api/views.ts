/**
 * Station state → the plain data of the API contract (what the console and remote viewers get), and the
 * station's registry events → worded events. Words are English here; the UI translates what it shows.
 */
import { common } from 'mavlink-mappings';
import { quirksFor } from '../../mavlink/quirks.js';
import type { RegistryEvent } from '../vehicle/registry.js';
import type { StationSnapshot as CoreSnapshot } from '../compose.js';
import type { StationEvent, VehicleView } from '../../common/api/contract.js';

const AUTOPILOTS: Record<number, string> = { 3: 'ArduPilot', 12: 'PX4', 0: 'generic' };
const TYPES: Record<number, string> = { 2: 'quadrotor', 13: 'hexarotor', 14: 'octorotor', 1: 'fixed-wing', 4: 'helicopter' };

export function vehicleViews(s: CoreSnapshot, names: ReadonlyMap<number, string>): VehicleView[] {
  return s.vehicles
    .map((v): VehicleView => {
      const texts = v.statustext;
      const last = texts.length ? texts[texts.length - 1]! : undefined;
      const worstLoss = v.links.length ? Math.min(...v.links.map((l) => l.lossPct)) : null;
      return {
        id: names.get(v.sysid) ?? `sys${v.sysid}`,
        sysid: v.sysid,
        compid: v.compid,
        autopilot: AUTOPILOTS[v.autopilot] ?? `autopilot ${v.autopilot}`,
        orbitCommand: quirksFor(v.autopilot).orbitCommand,
        vehicleType: TYPES[v.vehicleType] ?? `type ${v.vehicleType}`,
        connected: !v.info.lost,
        links: v.info.links.map((l) => l.link),
        mode: v.mode,
        armed: v.armed,
        systemStatus: v.systemStatus,
        latDeg: v.position?.latDeg ?? null,
        lonDeg: v.position?.lonDeg ?? null,
        altRelM: v.position?.altRelM ?? null,
        altAmslM: v.position?.altAmslM ?? null,
        headingDeg: v.headingDeg,
        rollDeg: v.attitude?.rollDeg ?? null,
        pitchDeg: v.attitude?.pitchDeg ?? null,
        groundSpeedMps: v.velocity?.groundSpeedMps ?? null,
        climbMps: v.velocity?.climbMps ?? null,
        batteryPct: v.battery?.remainingPct ?? null,
        batteryV: v.battery?.voltageV ?? null,
        batteryTimeLeftS: v.battery?.timeLeftS ?? null,
        batteryTimeLeftKind: v.battery?.timeLeftKind ?? null,
        batteryTimeLeftSource: v.battery?.timeLeftSource ?? null,
        gpsFixType: v.gps?.fixType ?? null,
        gpsSatellites: v.gps?.satellites ?? null,
        gpsHdop: v.gps?.hdop ?? null,
        linkLossPct: worstLoss,
        rttMs: v.rttMs,
        homeLatDeg: v.home?.latDeg ?? null,
        homeLonDeg: v.home?.lonDeg ?? null,
        unhealthySensors: v.sensors?.unhealthy ?? [],
        lastText: last ? last.text : null,
        lastTextSeverity: last ? last.severity : null,
        landed: v.landedState ?? 'unknown',
        signing: signingOf(s, v.info.links.map((l) => l.link), v.info.unsignedFrames),
        ...(v.info.copterParams ? { copterParams: v.info.copterParams } : {}),
      };
    })
    .sort((a, b) => a.sysid - b.sysid);
}

const SEVERITY_OF_TEXT = (sev: number): StationEvent['severity'] =>
  sev <= common.MavSeverity.CRITICAL ? 'alert' : sev <= common.MavSeverity.WARNING ? 'warning' : sev <= common.MavSeverity.NOTICE ? 'notice' : 'info';

function signingOf(s: CoreSnapshot, links: readonly string[], unsignedFrames: number): VehicleView['signing'] {
  const mine = s.links.filter((l) => links.includes(l.name));
  const rejectedFrames = mine.reduce((n, l) => n + l.stats.rejectedBadSignature + l.stats.rejectedUnsigned + l.stats.rejectedReplay, 0);
  return { signed: mine.length > 0 && mine.every((l) => l.signing), unsignedFrames, rejectedFrames };
}

/** "JH-02: no MISSION_CURRENT for 6 s (asked at 1 Hz; needed for mission progress …): asked again". */
export function streamMissingText(who: string, e: Extract<RegistryEvent, { type: 'stream-missing' }>): string {
  if (e.refused) return `${who}: the drone refused to send ${e.message} (${e.refused}); needed for ${e.usedFor}`;
  return `${who}: no ${e.message} for ${Math.round(e.silentMs / 1000)} s (asked at ${e.hz} Hz; needed for ${e.usedFor}): asked again`;
}

/** Word a registry event for people; undefined for events nobody needs to see. */
export function stationEvent(e: RegistryEvent, atMs: number, names: ReadonlyMap<number, string>): StationEvent | undefined {
  const who = names.get(e.sysid) ?? `sys${e.sysid}`;
  const base = { atMs, sysid: e.sysid, kind: e.type, args: { drone: who } };
  switch (e.type) {
    case 'vehicle-new':
      return { ...base, severity: 'info', text: `${who}: connected` };
    case 'vehicle-lost':
      return { ...base, severity: 'alert', text: `${who}: link lost` };
    case 'vehicle-regained':
      return { ...base, severity: 'notice', text: `${who}: link regained` };
    case 'vehicle-rebooted':
      return { ...base, severity: 'warning', text: `${who}: autopilot rebooted` };
    case 'mode-changed':
      return { ...base, args: { drone: who, from: String(e.from), to: String(e.to) }, severity: 'info', text: `${who}: mode ${e.from} → ${e.to}` };
    case 'armed':
      return { ...base, severity: 'notice', text: `${who}: armed` };
    case 'disarmed':
      return { ...base, severity: 'notice', text: `${who}: disarmed` };
    case 'statustext':
      return { ...base, args: { drone: who, text: e.entry.text }, severity: SEVERITY_OF_TEXT(e.entry.severity), text: `${who}: ${e.entry.text}` };
    case 'unsigned-flagged':
      return { ...base, severity: 'alert', text: `${who}: unsigned frames on signed link ${e.link} (accepted under --unsigned flag): not proven to be our drone` };
    case 'duplicate-sysid':
      return { ...base, severity: 'alert', text: `${who}: two drones use system id ${e.sysid} (${e.reason})` };
    case 'stream-missing':
      return {
        ...base,
        kind: e.refused ? 'stream-refused' : 'stream-missing',
        args: { drone: who, message: e.message, seconds: String(Math.round(e.silentMs / 1000)), usedFor: e.usedFor, ...(e.refused ? { refused: e.refused } : {}) },
        severity: 'alert',
        text: streamMissingText(who, e),
      };
    case 'stream-restored':
      return { ...base, args: { drone: who, message: e.message, seconds: String(Math.round(e.silentMs / 1000)) }, severity: 'notice', text: `${who}: ${e.message} is coming again (after ${Math.round(e.silentMs / 1000)} s)` };
    case 'battery-model':
      return {
        ...base,
        kind: `battery-model-${e.problem}`,
        args: { drone: who, problem: e.problem, reason: e.reason },
        severity: e.problem === 'capacity-changed' ? 'notice' : 'warning',
        text:
          e.problem === 'rejected' ? `${who}: battery model not used (${e.reason}): learning it afresh`
          : e.problem === 'capacity-changed' ? `${who}: battery capacity changed (${e.reason}): the pack's energy learned under the old one is dropped and learned afresh (estimated from the parameters meanwhile)`
          : `${who}: battery model not saved (${e.reason})`,
      };
    default:
      return undefined;
  }
}
