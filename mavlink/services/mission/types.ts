/**
 * The mission protocol's vocabulary, shared by the upload, download, clear and set-current machines: one
 * item as it travels in MISSION_ITEM_INT (x/y are degrees·1e7 for global frames, z metres in the frame),
 * mission types, results, and the retransmission timer that adapts to the measured round trip.
 */
import { common } from 'mavlink-mappings';
import { make, type MavLinkData } from '../../codec/messages.js';

export type MissionType = 'mission' | 'fence' | 'rally';

export const MISSION_TYPE_CODE: Readonly<Record<MissionType, number>> = { mission: 0, fence: 1, rally: 2 };

export function missionTypeOf(code: number): MissionType | undefined {
  return code === 0 ? 'mission' : code === 1 ? 'fence' : code === 2 ? 'rally' : undefined;
}

/** One item as MISSION_ITEM_INT carries it. */
export interface WireItem {
  seq: number;
  command: number;
  frame: number;
  /** param1..param4 */
  params: [number, number, number, number];
  /** Latitude ·1e7 (global frames) or local x. */
  x: number;
  /** Longitude ·1e7 (global frames) or local y. */
  y: number;
  /** Altitude in the frame's reference, metres. */
  z: number;
  autocontinue: number;
  current: number;
}

/** MAV_MISSION_RESULT names (index = value). */
export const MISSION_RESULT_NAMES: readonly string[] = [
  'ACCEPTED', 'ERROR', 'UNSUPPORTED_FRAME', 'UNSUPPORTED', 'NO_SPACE', 'INVALID', 'INVALID_PARAM1', 'INVALID_PARAM2',
  'INVALID_PARAM3', 'INVALID_PARAM4', 'INVALID_PARAM5_X', 'INVALID_PARAM6_Y', 'INVALID_PARAM7', 'INVALID_SEQUENCE',
  'DENIED', 'OPERATION_CANCELLED',
];

export function missionResultName(v: number): string {
  return MISSION_RESULT_NAMES[v] ?? `MAV_MISSION_RESULT(${v})`;
}

/** Who we talk to and who we are. */
export interface MissionPeer {
  targetSystem: number;
  targetComponent: number;
  /** Our ids: messages addressed to another GCS are ignored. */
  gcsSysid?: number;
  gcsCompid?: number;
}

/** Per-transaction timing options. */
export interface TransferOptions {
  /** First retransmission timeout before any RTT is measured. Default 1500 ms, or from `rttMs`. */
  initialTimeoutMs?: number;
  /** Measured RTT of the link, if known: seeds the adaptive timer. */
  rttMs?: number;
  /** Retransmissions of one message before giving up. Default 5. */
  retries?: number;
  /** Lower/upper bounds of the adaptive timeout. Defaults 100 ms / 5000 ms. */
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** Overall deadline of one transfer (upload, download, verify, clear). Default 10 minutes. */
  deadlineMs?: number;
}

export const MISSION_TRANSFER_DEADLINE_MS = 10 * 60_000;

/**
 * A retransmission timer as TCP's (RFC 6298): SRTT and RTTVAR from samples taken only on exchanges that were
 * not retransmitted (Karn's rule); RTO = SRTT + 4·RTTVAR within [min, max]; doubled on each timeout.
 */
export interface RtoState {
  srttMs: number | undefined;
  rttvarMs: number;
  rtoMs: number;
  minMs: number;
  maxMs: number;
  samples: number;
  /** The last raw samples (taken or not), for the windowed minimum. */
  recent: number[];
}

/** Resends of one message without progress before a transfer gives up (30 % loss each way: 0.51^15 ≈ 4e-5). */
export const DEFAULT_RETRIES = 15;

export function createRto(o: TransferOptions): RtoState {
  const minMs = o.minTimeoutMs ?? 100;
  const maxMs = o.maxTimeoutMs ?? 5000;
  if (o.rttMs !== undefined && o.initialTimeoutMs === undefined) {
    return rtoSample({ srttMs: undefined, rttvarMs: 0, rtoMs: 0, minMs, maxMs, samples: 0, recent: [] }, o.rttMs);
  }
  return { srttMs: undefined, rttvarMs: 0, rtoMs: clamp(o.initialTimeoutMs ?? 1500, minMs, maxMs), minMs, maxMs, samples: 0, recent: [] };
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * Take one RTT sample. The vehicle retransmits too (ArduPilot re-requests an item after 1 s), and we cannot
 * see that: a request answering the vehicle's own retransmission looks like a round trip of a second or more.
 * Such samples are filtered against the smallest of the last 8 raw samples (a windowed minimum, so a link
 * that really slows down is followed after a few samples): more than 4 × that + 200 ms is not ours. A sample
 * far below the smoothed value (under a quarter) re-seeds the estimate.
 */
export function rtoSample(r: RtoState, sampleMs: number): RtoState {
  const s = Math.max(0, sampleMs);
  const recent = [...r.recent, s].slice(-8);
  const floor = Math.min(...recent);
  const base = { ...r, recent, samples: r.samples + 1 };
  if (r.srttMs === undefined || s < r.srttMs / 4) {
    return { ...base, srttMs: s, rttvarMs: s / 2, rtoMs: clamp(s + Math.max(2 * s, 50), r.minMs, r.maxMs) };
  }
  if (s > 4 * floor + 200) return base;
  const rttvar = 0.75 * r.rttvarMs + 0.25 * Math.abs(r.srttMs - s);
  const srtt = 0.875 * r.srttMs + 0.125 * s;
  // The 50 ms floor on the variance term keeps a perfectly steady link from timing out on a little jitter.
  return { ...base, srttMs: srtt, rttvarMs: rttvar, rtoMs: clamp(srtt + Math.max(4 * rttvar, 50), r.minMs, r.maxMs) };
}

/**
 * The wait after the n-th consecutive timeout without progress: RTO, ×1.5, then ×2 at most. A radio link's
 * loss is not congestion, so the timer does not keep doubling; a dead link is found by the retry count.
 */
export function backoffMs(r: RtoState, stalls: number): number {
  const k = stalls <= 0 ? 1 : stalls === 1 ? 1.5 : 2;
  return clamp(Math.round(r.rtoMs * k), r.minMs, r.maxMs);
}

/** Same sender, addressed to us (0 = broadcast), and, where it says so, of our mission type. */
export function fromTarget(p: MissionPeer, sysid: number, compid: number): boolean {
  if (sysid !== p.targetSystem) return false;
  return p.targetComponent === 0 || compid === p.targetComponent;
}

export function addressedToUs(p: MissionPeer, targetSystem: number, targetComponent: number): boolean {
  if (targetSystem !== 0 && p.gcsSysid !== undefined && targetSystem !== p.gcsSysid) return false;
  if (targetComponent !== 0 && p.gcsCompid !== undefined && targetComponent !== p.gcsCompid) return false;
  return true;
}

// ---- messages ----

export function itemIntMessage(p: MissionPeer, type: MissionType, it: WireItem): common.MissionItemInt {
  return make(common.MissionItemInt, {
    targetSystem: p.targetSystem,
    targetComponent: p.targetComponent,
    seq: it.seq,
    frame: it.frame,
    command: it.command,
    current: it.current,
    autocontinue: it.autocontinue,
    param1: it.params[0],
    param2: it.params[1],
    param3: it.params[2],
    param4: it.params[3],
    x: it.x,
    y: it.y,
    z: it.z,
    missionType: MISSION_TYPE_CODE[type],
  } as Partial<common.MissionItemInt>);
}

/** A received MISSION_ITEM_INT or legacy MISSION_ITEM (float degrees) as a WireItem. */
export function wireItemOf(m: MavLinkData): WireItem | undefined {
  if (m instanceof common.MissionItemInt) {
    return { seq: m.seq, command: m.command, frame: m.frame, params: [m.param1, m.param2, m.param3, m.param4], x: m.x, y: m.y, z: m.z, autocontinue: m.autocontinue, current: m.current };
  }
  if (m instanceof common.MissionItem) {
    const global = m.frame !== 1 && m.frame !== 7 && m.frame !== 8 && m.frame !== 9 && m.frame !== 2;
    return {
      seq: m.seq,
      command: m.command,
      frame: m.frame,
      params: [m.param1, m.param2, m.param3, m.param4],
      x: global ? Math.round(m.x * 1e7) : m.x,
      y: global ? Math.round(m.y * 1e7) : m.y,
      z: m.z,
      autocontinue: m.autocontinue,
      current: m.current,
    };
  }
  return undefined;
}

export function missionTypeField(m: { missionType?: number }): number {
  return typeof m.missionType === 'number' ? m.missionType : 0;
}

export function ackMessage(p: MissionPeer, type: MissionType, result: number): common.MissionAck {
  return make(common.MissionAck, { targetSystem: p.targetSystem, targetComponent: p.targetComponent, type: result, missionType: MISSION_TYPE_CODE[type] } as Partial<common.MissionAck>);
}

/** Progress of a transfer: items done of total. */
export interface TransferProgress {
  done: number;
  total: number;
}
