/**
 * Telemetry stream requests for a newly seen (or regained, or rebooted) vehicle. A fresh ArduCopter sends
 * only HEARTBEAT until asked. We ask per message with MAV_CMD_SET_MESSAGE_INTERVAL at the rates the station
 * needs, one command at a time (they share a command id), then MAV_CMD_REQUEST_MESSAGE for HOME_POSITION
 * and AUTOPILOT_VERSION. If the first SET_MESSAGE_INTERVAL is refused or unanswered and the quirks allow
 * it, we fall back to REQUEST_DATA_STREAM per stream group (no ACK exists for it).
 */
import { common } from 'mavlink-mappings';
import { make, type MavLinkData } from '../mavlink/codec/messages.js';
import type { Quirks } from '../mavlink/quirks.js';
import type { CommandResult, CommandSpec } from '../mavlink/services/command.js';

/** Message name → MAVLink id, for the messages the station streams. */
export const STREAM_MESSAGE_IDS: Readonly<Record<string, number>> = {
  GLOBAL_POSITION_INT: 33,
  ATTITUDE: 30,
  VFR_HUD: 74,
  SYS_STATUS: 1,
  GPS_RAW_INT: 24,
  BATTERY_STATUS: 147,
  EXTENDED_SYS_STATE: 245,
  EKF_STATUS_REPORT: 193,
};

export const DEFAULT_STREAM_RATES_HZ: Readonly<Record<string, number>> = {
  GLOBAL_POSITION_INT: 10,
  ATTITUDE: 10,
  VFR_HUD: 4,
  SYS_STATUS: 2,
  GPS_RAW_INT: 2,
  BATTERY_STATUS: 1,
  EXTENDED_SYS_STATE: 1,
  /** ArduPilot only (others refuse it, harmlessly): arming readiness needs EKF_POS_HORIZ_ABS. */
  EKF_STATUS_REPORT: 1,
};

/** Messages requested once with MAV_CMD_REQUEST_MESSAGE. */
export const REQUESTED_ONCE: readonly number[] = [242 /* HOME_POSITION */, 148 /* AUTOPILOT_VERSION */];

/** Which MAV_DATA_STREAM carries each message on ArduPilot (GCS_Common.cpp stream tables). */
const DATA_STREAM_OF: Readonly<Record<string, number>> = {
  GLOBAL_POSITION_INT: common.MavDataStream.POSITION,
  ATTITUDE: common.MavDataStream.EXTRA1,
  VFR_HUD: common.MavDataStream.EXTRA2,
  SYS_STATUS: common.MavDataStream.EXTENDED_STATUS,
  GPS_RAW_INT: common.MavDataStream.EXTENDED_STATUS,
  BATTERY_STATUS: common.MavDataStream.EXTRA3,
  EXTENDED_SYS_STATE: common.MavDataStream.EXTENDED_STATUS,
  EKF_STATUS_REPORT: common.MavDataStream.EXTRA3,
};

export function dataStreamRequests(target: { sysid: number; compid: number }, ratesHz: Record<string, number>): MavLinkData[] {
  const byStream = new Map<number, number>();
  for (const [name, hz] of Object.entries(ratesHz)) {
    const stream = DATA_STREAM_OF[name];
    if (stream === undefined || hz <= 0) continue;
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

export async function requestStreams(c: StreamRequestContext): Promise<StreamMethod> {
  const spec = (command: number, params: number[]): CommandSpec => ({
    kind: 'long',
    command,
    params,
    targetSystem: c.target.sysid,
    targetComponent: c.target.compid,
  });
  let method: StreamMethod = 'message-interval';
  let first = true;
  for (const [name, hz] of Object.entries(c.ratesHz)) {
    const id = STREAM_MESSAGE_IDS[name];
    if (id === undefined || !c.current()) continue;
    const intervalUs = hz > 0 ? Math.round(1e6 / hz) : -1;
    const r = await c.command(spec(common.MavCmd.SET_MESSAGE_INTERVAL, [id, intervalUs]));
    if (first && r.outcome !== 'accepted' && c.quirks.streams === 'message-interval-or-data-stream') {
      method = 'data-stream';
      for (const m of dataStreamRequests(c.target, c.ratesHz)) c.send(m);
      break;
    }
    first = false;
  }
  for (const id of REQUESTED_ONCE) {
    if (!c.current()) break;
    await c.command(spec(common.MavCmd.REQUEST_MESSAGE, [id]));
  }
  return method;
}
