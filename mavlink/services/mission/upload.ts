/**
 * Mission upload (MISSION_COUNT → the vehicle pulls each item → MISSION_ACK) as a sans-IO machine, for the
 * mission, fence and rally lists. The vehicle drives the transfer; we answer every request, and retransmit
 * on silence so a lost COUNT, REQUEST or ITEM costs one timeout, not the vehicle's own (ArduPilot: 1 s).
 *
 *        start ── send COUNT, arm RTO
 *          │
 *          ▼           timeout: resend COUNT (retries)
 *      AWAIT_REQUEST ◄───────┐
 *          │ REQUEST(_INT) s │                       count 0: ACK ACCEPTED ──► DONE(ok)
 *          ▼                 │
 *      SENDING ── REQUEST s (any s < count, duplicate or out of order): send item s, arm RTO
 *          │  ── timeout: resend the last item sent (retries without progress; RTO ×1.5, then ×2)
 *          │  ── ACK ACCEPTED after the last item went out ─────────────────────────────► DONE(ok)
 *          │  ── ACK INVALID_SEQUENCE (ArduPilot: a duplicate item, transfer goes on): not the end; if
 *          │     it answers our resend of the last requested item, the request for the next was lost:
 *          │     send the next item at once (once per seq)
 *          │  ── ACK error (early error ACK: NO_SPACE, UNSUPPORTED, DENIED, …) ─────────► DONE(rejected)
 *          │  ── retries exhausted: last item sent → DONE(unconfirmed: the ACK may be lost; verify by
 *          │     reading back), otherwise DONE(timeout)
 *          └─ cancel: MISSION_ACK OPERATION_CANCELLED to the vehicle ──────────────────────► DONE(cancelled)
 *
 * Both MISSION_REQUEST_INT and the legacy MISSION_REQUEST (ArduPilot uses only the latter on upload) are
 * answered with MISSION_ITEM_INT. RTT samples come from exchanges sent once (Karn's rule): item s sent →
 * request s+1 received. `done` is emitted exactly once; inputs after DONE yield nothing.
 */
import { common } from 'mavlink-mappings';
import { make } from '../../codec/messages.js';
import type { Quirks } from '../../quirks.js';
import type { Inbound } from '../command.js';
import { deadlineStep, type DriverEffect, type MachineStep } from '../driver.js';
import {
  DEFAULT_RETRIES,
  MISSION_TYPE_CODE,
  ackMessage,
  addressedToUs,
  createRto,
  fromTarget,
  itemIntMessage,
  missionResultName,
  missionTypeField,
  backoffMs,
  rtoSample,
  type MissionPeer,
  type MissionType,
  type RtoState,
  type TransferOptions,
  type WireItem,
} from './types.js';

export type MissionQuirks = Pick<Quirks, 'missionInvalidSequenceNonFatal' | 'missionOpaqueId' | 'missionReadback' | 'homeAtSeq0'>;

export type UploadOutcome = 'ok' | 'rejected' | 'timeout' | 'unconfirmed' | 'cancelled';

export interface UploadResult {
  outcome: UploadOutcome;
  type: MissionType;
  count: number;
  /** MAV_MISSION_RESULT of the final ACK, if one came. */
  ackResult: number | undefined;
  /** Human-readable reason for anything but 'ok'. */
  reason: string | undefined;
  /** opaque_id of the accepting ACK (0 or undefined: the vehicle does not give one). */
  opaqueId: number | undefined;
  /** Items the vehicle confirmed receiving (highest request seen, or all on ACCEPTED). */
  itemsDone: number;
  /** Messages we sent in all (COUNT + items + resends). */
  sent: number;
  resends: number;
  srttMs: number | undefined;
  elapsedMs: number;
}

export interface UploadState {
  phase: 'idle' | 'await-request' | 'sending' | 'done';
  peer: MissionPeer;
  type: MissionType;
  items: readonly WireItem[];
  quirks: MissionQuirks;
  rto: RtoState;
  retries: number;
  /** Consecutive timeouts without progress. */
  stalls: number;
  /** Seq of the last item we sent (-1: only COUNT so far). */
  lastSent: number;
  /** When each seq was first sent and how often (Karn). */
  sentAt: Map<number, { atMs: number; times: number }>;
  countSentAtMs: number;
  countTimes: number;
  highestRequested: number;
  /** Highest seq sent ahead of its request after an INVALID_SEQUENCE (once per seq). */
  pushedAhead: number;
  lastSentSeqEver: boolean;
  sent: number;
  resends: number;
  startedAtMs: number;
}

type Step = MachineStep<UploadState, UploadResult>;
type Effect = DriverEffect<UploadResult>;

export function createUpload(peer: MissionPeer, type: MissionType, items: readonly WireItem[], quirks: MissionQuirks, o: TransferOptions = {}): UploadState {
  return {
    phase: 'idle',
    peer,
    type,
    items: items.map((it, i) => ({ ...it, seq: i })),
    quirks,
    rto: createRto(o),
    retries: o.retries ?? DEFAULT_RETRIES,
    stalls: 0,
    lastSent: -1,
    sentAt: new Map(),
    countSentAtMs: 0,
    countTimes: 0,
    highestRequested: -1,
    pushedAhead: -1,
    lastSentSeqEver: false,
    sent: 0,
    resends: 0,
    startedAtMs: 0,
  };
}

/** The field each MAV_MISSION_RESULT blames (ArduPilot's early error ACK answers the item just sent). */
const FIELD_OF_RESULT: Readonly<Record<number, string>> = {
  [common.MavMissionResult.UNSUPPORTED_FRAME]: 'frame',
  [common.MavMissionResult.UNSUPPORTED]: 'command',
  [common.MavMissionResult.INVALID]: 'command',
  [common.MavMissionResult.INVALID_PARAM1]: 'param1',
  [common.MavMissionResult.INVALID_PARAM2]: 'param2',
  [common.MavMissionResult.INVALID_PARAM3]: 'param3',
  [common.MavMissionResult.INVALID_PARAM4]: 'param4',
  [common.MavMissionResult.INVALID_PARAM5_X]: 'x (latitude)',
  [common.MavMissionResult.INVALID_PARAM6_Y]: 'y (longitude)',
  [common.MavMissionResult.INVALID_PARAM7]: 'z (altitude)',
};

/** "vehicle refused the mission at item 3 (command 19), param4 = NaN: MAV_MISSION_INVALID_PARAM4". */
function refusalReason(s: UploadState, r: number): string {
  const code = `MAV_MISSION_${missionResultName(r)}`;
  if (r === common.MavMissionResult.NO_SPACE) return `vehicle refused the ${s.type} of ${s.items.length} items: ${code} (it holds fewer)`;
  const it = s.lastSent >= 0 ? s.items[s.lastSent] : undefined;
  const field = FIELD_OF_RESULT[r];
  if (!it || !field) return `vehicle refused the ${s.type}: ${code}`;
  const value = field.startsWith('param') ? it.params[Number(field.slice(5)) - 1] : field.startsWith('x') ? it.x : field.startsWith('y') ? it.y : field.startsWith('z') ? it.z : field === 'frame' ? it.frame : it.command;
  return `vehicle refused the ${s.type} at item ${it.seq} (command ${it.command}), ${field} = ${Number.isNaN(value) ? 'NaN' : String(value)}: ${code}`;
}

function countMessage(s: UploadState): common.MissionCount {
  return make(common.MissionCount, {
    targetSystem: s.peer.targetSystem,
    targetComponent: s.peer.targetComponent,
    count: s.items.length,
    missionType: MISSION_TYPE_CODE[s.type],
    opaqueId: 0,
  } as Partial<common.MissionCount>);
}

function finish(s: UploadState, now: number, outcome: UploadOutcome, extra: { ack?: number; reason?: string; opaqueId?: number } = {}): Step {
  const result: UploadResult = {
    outcome,
    type: s.type,
    count: s.items.length,
    ackResult: extra.ack,
    reason: extra.reason,
    opaqueId: extra.opaqueId,
    itemsDone: outcome === 'ok' ? s.items.length : Math.max(0, s.highestRequested),
    sent: s.sent,
    resends: s.resends,
    srttMs: s.rto.srttMs,
    elapsedMs: now - s.startedAtMs,
  };
  return { state: { ...s, phase: 'done' }, effects: [{ type: 'done', result }] };
}

function progress(s: UploadState, done: number): Effect {
  const total = s.items.length;
  return { type: 'progress', progressPct: total === 0 ? 100 : Math.floor((100 * done) / total), done, total };
}

export function start(s0: UploadState, now: number): Step {
  if (s0.phase !== 'idle') return { state: s0, effects: [] };
  const s: UploadState = { ...s0, phase: 'await-request', startedAtMs: now, countSentAtMs: now, countTimes: 1, sent: 1 };
  return { state: s, effects: [{ type: 'send', message: countMessage(s) }, { type: 'armTimer', delayMs: s.rto.rtoMs }, progress(s, 0)] };
}

function sendItem(s: UploadState, seq: number, now: number): { state: UploadState; effects: Effect[] } {
  const it = s.items[seq]!;
  const prev = s.sentAt.get(seq);
  const sentAt = new Map(s.sentAt);
  sentAt.set(seq, prev ? { atMs: prev.atMs, times: prev.times + 1 } : { atMs: now, times: 1 });
  const state: UploadState = {
    ...s,
    phase: 'sending',
    sentAt,
    lastSent: seq,
    sent: s.sent + 1,
    resends: s.resends + (prev ? 1 : 0),
    lastSentSeqEver: s.lastSentSeqEver || seq === s.items.length - 1,
  };
  return { state, effects: [{ type: 'send', message: itemIntMessage(s.peer, s.type, it) }, { type: 'armTimer', delayMs: state.rto.rtoMs }] };
}

export function onMessage(s: UploadState, m: Inbound, now: number): Step {
  if (s.phase !== 'await-request' && s.phase !== 'sending') return { state: s, effects: [] };
  const msg = m.message;
  if (!msg || !fromTarget(s.peer, m.sysid, m.compid)) return { state: s, effects: [] };
  if (msg instanceof common.MissionRequest || msg instanceof common.MissionRequestInt) {
    if (!addressedToUs(s.peer, msg.targetSystem, msg.targetComponent) || missionTypeField(msg) !== MISSION_TYPE_CODE[s.type]) return { state: s, effects: [] };
    const seq = msg.seq;
    if (seq < 0 || seq >= s.items.length) return { state: s, effects: [] }; // not a request of this transfer
    let state = s;
    const effects: Effect[] = [];
    // RTT sample: the exchange that produced this request, if it went out once.
    if (seq === 0 && s.phase === 'await-request' && s.countTimes === 1) state = { ...state, rto: rtoSample(state.rto, now - s.countSentAtMs) };
    else if (seq === s.highestRequested + 1 && seq > 0) {
      const prev = s.sentAt.get(seq - 1);
      if (prev && prev.times === 1) state = { ...state, rto: rtoSample(state.rto, now - prev.atMs) };
    }
    if (seq > s.highestRequested) {
      state = { ...state, highestRequested: seq, stalls: 0 };
      effects.push(progress(state, seq));
    }
    const out = sendItem(state, seq, now);
    return { state: out.state, effects: [...out.effects, ...effects] };
  }
  if (msg instanceof common.MissionAck) {
    if (!addressedToUs(s.peer, msg.targetSystem, msg.targetComponent) || missionTypeField(msg) !== MISSION_TYPE_CODE[s.type]) return { state: s, effects: [] };
    const r = msg.type;
    if (r === common.MavMissionResult.ACCEPTED) {
      // ACCEPTED before the last item went out belongs to something else (a late ACK of an earlier
      // transfer) unless the list is empty: ignore it; the transfer goes on or times out.
      if (s.items.length > 0 && !s.lastSentSeqEver) return { state: s, effects: [] };
      const opaqueId = s.quirks.missionOpaqueId && msg.opaqueId ? msg.opaqueId : undefined;
      const done = finish(s, now, 'ok', { ack: r, ...(opaqueId !== undefined ? { opaqueId } : {}) });
      return { state: done.state, effects: [progress(s, s.items.length), ...done.effects] };
    }
    if (r === common.MavMissionResult.INVALID_SEQUENCE && s.quirks.missionInvalidSequenceNonFatal) {
      // The vehicle already holds the item we resent and waits for the next one, whose request was lost:
      // send that now rather than wait for the vehicle's own re-request (ArduPilot: after 1 s). ArduPilot
      // takes any item whose seq is the one it waits for.
      const next = s.lastSent + 1;
      // Pushes may chain (the pushed item arrived, the request after it was lost); each seq once, so a
      // vehicle that keeps answering INVALID_SEQUENCE cannot make us loop.
      if (s.phase === 'sending' && s.lastSent >= s.highestRequested && next < s.items.length && s.pushedAhead < next) {
        return sendItem({ ...s, pushedAhead: next, stalls: 0 }, next, now);
      }
      return { state: s, effects: [] };
    }
    return finish(s, now, 'rejected', { ack: r, reason: refusalReason(s, r) });
  }
  return { state: s, effects: [] };
}

export function onTimeout(s: UploadState, now: number): Step {
  if (s.phase !== 'await-request' && s.phase !== 'sending') return { state: s, effects: [] };
  if (s.stalls >= s.retries) {
    if (s.lastSentSeqEver) return finish(s, now, 'unconfirmed', { reason: `no MISSION_ACK after the last item (${s.retries} resends)` });
    const what = s.phase === 'await-request' ? 'no MISSION_REQUEST after MISSION_COUNT' : `no request after item ${s.lastSent}`;
    return finish(s, now, 'timeout', { reason: `${what} (${s.retries} resends)` });
  }
  const state: UploadState = { ...s, stalls: s.stalls + 1 };
  const delayMs = backoffMs(state.rto, state.stalls);
  if (s.phase === 'await-request') {
    const st = { ...state, countTimes: s.countTimes + 1, sent: s.sent + 1, resends: s.resends + 1 };
    return { state: st, effects: [{ type: 'send', message: countMessage(st) }, { type: 'armTimer', delayMs }] };
  }
  const out = sendItem(state, s.lastSent, now);
  return { state: out.state, effects: [out.effects[0]!, { type: 'armTimer', delayMs }] };
}

export function onCancel(s: UploadState, now: number): Step {
  if (s.phase === 'done') return { state: s, effects: [] };
  const effects: Effect[] = s.phase === 'idle' ? [] : [{ type: 'send', message: ackMessage(s.peer, s.type, common.MavMissionResult.OPERATION_CANCELLED) }];
  const done = finish(s.phase === 'idle' ? { ...s, startedAtMs: now } : s, now, 'cancelled', { reason: 'cancelled' });
  return { state: done.state, effects: [...effects, ...done.effects] };
}

/** The overall deadline passed: cancel on the vehicle (as onCancel) and report a timeout that says so. */
export function onDeadline(s: UploadState, now: number): Step {
  return deadlineStep(onCancel(s, now));
}

export const uploadMachine = { start, onMessage, onTimeout, onCancel, onDeadline };
