/**
 * Telemetry stream requests for a newly seen (or regained, or rebooted) vehicle, and the watch that notices
 * when one of them does not come. A fresh ArduCopter sends only HEARTBEAT until asked (ARDUPILOT-NOTES.md), so
 * the station asks for every message it reads, per vehicle:
 *
 *  - per message with MAV_CMD_SET_MESSAGE_INTERVAL at the rates of STREAM_TABLE, one command at a time (they
 *    share a command id), then MAV_CMD_REQUEST_MESSAGE for HOME_POSITION and AUTOPILOT_VERSION;
 *  - if the first SET_MESSAGE_INTERVAL is refused or unanswered and the quirks allow it (older ArduPilot), per
 *    stream group with REQUEST_DATA_STREAM (no ACK exists for it): each group at the highest rate of its
 *    messages, as ArduCopter's GCS_MAVLink_Copter.cpp groups them (STREAM_EXTENDED_STATUS_msgs holds SYS_STATUS,
 *    GPS_RAW_INT and MISSION_CURRENT (MSG_CURRENT_WAYPOINT); POSITION holds GLOBAL_POSITION_INT; EXTRA1 ATTITUDE;
 *    EXTRA2 VFR_HUD; EXTRA3 BATTERY_STATUS and EKF_STATUS_REPORT). EXTENDED_SYS_STATE is in no group there.
 *
 * The watch (`silentStreams`, pure) names every watched message that has not arrived for a few of its
 * intervals; the registry turns that into a `stream-missing` event and asks for the message again.
 */
import { common } from 'mavlink-mappings';
import { make, type MavLinkData } from '../../mavlink/codec/messages.js';
import type { Quirks } from '../../mavlink/quirks.js';
import type { CommandResult, CommandSpec } from '../../mavlink/services/command.js';

export interface StreamSpec {
  name: string;
  id: number;
  /** Default rate asked for. */
  hz: number;
  /** The ArduCopter REQUEST_DATA_STREAM group carrying it; null: none (only SET_MESSAGE_INTERVAL brings it). */
  group: number | null;
  /** What the station reads it for (named in the warning when it does not come). */
  usedFor: string;
}

const G = common.MavDataStream;

/** Every message the station streams from a vehicle, at what rate, and why. */
export const STREAM_TABLE: readonly StreamSpec[] = [
  { name: 'GLOBAL_POSITION_INT', id: 33, hz: 10, group: G.POSITION, usedFor: 'position on the map, distance from the dock, replay' },
  { name: 'ATTITUDE', id: 30, hz: 10, group: G.EXTRA1, usedFor: 'attitude on the desk' },
  { name: 'VFR_HUD', id: 74, hz: 4, group: G.EXTRA2, usedFor: 'speed, heading and climb on the desk' },
  { name: 'SYS_STATUS', id: 1, hz: 2, group: G.EXTENDED_STATUS, usedFor: 'sensor health and battery' },
  { name: 'GPS_RAW_INT', id: 24, hz: 2, group: G.EXTENDED_STATUS, usedFor: 'GPS fix (the patrol’s GPS-lost fault)' },
  { name: 'MISSION_CURRENT', id: 42, hz: 1, group: G.EXTENDED_STATUS, usedFor: 'mission progress (on-station, route end, hold)' },
  { name: 'BATTERY_STATUS', id: 147, hz: 1, group: G.EXTRA3, usedFor: 'battery (the patrol’s battery limits)' },
  { name: 'EXTENDED_SYS_STATE', id: 245, hz: 1, group: null, usedFor: 'landed state (the patrol’s landing detection)' },
  /** ArduPilot only (others refuse it, harmlessly): arming readiness needs EKF_POS_HORIZ_ABS. */
  { name: 'EKF_STATUS_REPORT', id: 193, hz: 1, group: G.EXTRA3, usedFor: 'arming readiness (EKF position)' },
];

/** Message name → MAVLink id, for the messages the station streams. */
export const STREAM_MESSAGE_IDS: Readonly<Record<string, number>> = Object.fromEntries(STREAM_TABLE.map((s) => [s.name, s.id]));

export const DEFAULT_STREAM_RATES_HZ: Readonly<Record<string, number>> = Object.fromEntries(STREAM_TABLE.map((s) => [s.name, s.hz]));

/** Messages requested once with MAV_CMD_REQUEST_MESSAGE. */
export const REQUESTED_ONCE: readonly number[] = [242 /* HOME_POSITION */, 148 /* AUTOPILOT_VERSION */];

const SPEC_OF = new Map(STREAM_TABLE.map((s) => [s.name, s] as const));

/** A message is missing once it has been silent this many of its intervals … */
export const SILENT_INTERVALS = 5;
/** … and at least this long (room for the request's own round trip and a slow first frame). */
export const SILENT_FLOOR_MS = 3000;

export function dataStreamRequests(target: { sysid: number; compid: number }, ratesHz: Record<string, number>, only?: ReadonlySet<number>): MavLinkData[] {
  const byStream = new Map<number, number>();
  for (const [name, hz] of Object.entries(ratesHz)) {
    const stream = SPEC_OF.get(name)?.group;
    if (stream === undefined || stream === null || hz <= 0 || (only && !only.has(stream))) continue;
    byStream.set(stream, Math.max(byStream.get(stream) ?? 0, hz));
  }
  return [...byStream].map(([stream, hz]) =>
    make(common.RequestDataStream, {
      targetSystem: target.sysid,
      targetComponent: target.compid,
      reqStreamId: stream,
      reqMessageRate: Math.ceil(hz),
      startStop: 1,
    }),
  );
}

export interface StreamRequestContext {
  target: { sysid: number; compid: number };
  quirks: Quirks;
  ratesHz: Record<string, number>;
  /** Run one command (queued, on the best link). */
  command(spec: CommandSpec): Promise<CommandResult>;
  /** Send a message without a transaction (best link). */
  send(message: MavLinkData): void;
  /** False once a newer request superseded this one or the vehicle went away. */
  current(): boolean;
}

export type StreamMethod = 'message-interval' | 'data-stream';

export interface StreamRequestOutcome {
  method: StreamMethod;
  /** Messages the vehicle should now send (accepted intervals, or the members of the requested groups). */
  expected: string[];
  /** Messages whose SET_MESSAGE_INTERVAL the vehicle refused or left unanswered (name → outcome). */
  refused: Record<string, string>;
}

const REFUSALS: ReadonlySet<string> = new Set(['denied', 'unsupported', 'failed', 'temporarily-rejected']);

function intervalSpec(target: { sysid: number; compid: number }, id: number, hz: number): CommandSpec {
  return {
    kind: 'long',
    command: common.MavCmd.SET_MESSAGE_INTERVAL,
    params: [id, hz > 0 ? Math.round(1e6 / hz) : -1],
    targetSystem: target.sysid,
    targetComponent: target.compid,
  };
}

export async function requestStreams(c: StreamRequestContext): Promise<StreamRequestOutcome> {
  const out: StreamRequestOutcome = { method: 'message-interval', expected: [], refused: {} };
  let first = true;
  for (const [name, hz] of Object.entries(c.ratesHz)) {
    const id = STREAM_MESSAGE_IDS[name];
    if (id === undefined || !c.current()) continue;
    const r = await c.command(intervalSpec(c.target, id, hz));
    if (first && r.outcome !== 'accepted' && c.quirks.streams === 'message-interval-or-data-stream') {
      out.method = 'data-stream';
      for (const m of dataStreamRequests(c.target, c.ratesHz)) c.send(m);
      out.expected = Object.entries(c.ratesHz).filter(([n, h]) => h > 0 && (SPEC_OF.get(n)?.group ?? null) !== null).map(([n]) => n);
      out.refused = {};
      break;
    }
    first = false;
    // Unanswered is not refused (the ACK may be what was lost): the watch will tell whether it comes.
    if (REFUSALS.has(r.outcome)) out.refused[name] = r.outcome;
    else if (hz > 0) out.expected.push(name);
  }
  for (const id of REQUESTED_ONCE) {
    if (!c.current()) break;
    await c.command({ kind: 'long', command: common.MavCmd.REQUEST_MESSAGE, params: [id], targetSystem: c.target.sysid, targetComponent: c.target.compid });
  }
  return out;
}

/** Ask again for one message: its interval, or (data-stream vehicles) its group. */
export function reRequest(c: Pick<StreamRequestContext, 'target' | 'command' | 'send' | 'ratesHz'>, method: StreamMethod, name: string): void {
  const spec = SPEC_OF.get(name);
  const hz = c.ratesHz[name] ?? spec?.hz ?? 0;
  if (!spec || hz <= 0) return;
  if (method === 'message-interval') void c.command(intervalSpec(c.target, spec.id, hz));
  else if (spec.group !== null) for (const m of dataStreamRequests(c.target, c.ratesHz, new Set([spec.group]))) c.send(m);
}

export interface SilentStream {
  name: string;
  id: number;
  hz: number;
  /** How long it has been silent (since its last frame, or since it was asked for). */
  silentMs: number;
  usedFor: string;
}

/** How long a message asked for at `hz` may be silent before it counts as missing. */
export function silenceLimitMs(hz: number): number {
  return Math.max(SILENT_FLOOR_MS, (SILENT_INTERVALS * 1000) / hz);
}

/**
 * The expected messages that have not arrived for longer than their limit. `lastSeenMs` holds the last arrival
 * per message id; `sinceMs` is when the streams were (last) asked for: silence is counted from the later.
 */
export function silentStreams(expected: readonly string[], ratesHz: Record<string, number>, lastSeenMs: ReadonlyMap<number, number>, sinceMs: number, nowMs: number): SilentStream[] {
  const out: SilentStream[] = [];
  for (const name of expected) {
    const spec = SPEC_OF.get(name);
    const hz = ratesHz[name] ?? spec?.hz ?? 0;
    if (!spec || !(hz > 0)) continue;
    const from = Math.max(sinceMs, lastSeenMs.get(spec.id) ?? -Infinity);
    const silentMs = nowMs - from;
    if (silentMs > silenceLimitMs(hz)) out.push({ name, id: spec.id, hz, silentMs, usedFor: spec.usedFor });
  }
  return out;
}
