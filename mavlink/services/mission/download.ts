/**
 * Mission download (MISSION_REQUEST_LIST → MISSION_COUNT → MISSION_REQUEST_INT per item → MISSION_ITEM_INT →
 * our MISSION_ACK) as a sans-IO machine. We drive this transfer, so we retransmit on silence.
 *
 *        start ── send REQUEST_LIST, arm RTO
 *          │
 *          ▼            timeout: resend REQUEST_LIST (retries)
 *      AWAIT_COUNT ◄──────┐
 *          │ COUNT n      │         n = 0: send ACK ACCEPTED ──────────────────────────────► DONE(ok, [])
 *          ▼
 *      RECEIVING ── ITEM s (any missing s < n, also unrequested/out of order): keep it; ask for the
 *          │        lowest missing seq; a duplicate or an item of another list is ignored
 *          │  ── timeout: resend the request of the lowest missing seq (retries without progress)
 *          │  ── all n items held: send ACK ACCEPTED ──────────────────────────────────────► DONE(ok)
 *          │  ── MISSION_ACK error from the vehicle (e.g. INVALID_SEQUENCE, DENIED) ────────► DONE(rejected)
 *          │  ── repeated COUNT (our REQUEST_LIST was resent): same n ignored, another n ► DONE(rejected)
 *          └─ cancel: MISSION_ACK OPERATION_CANCELLED ─────────────────────────────────────► DONE(cancelled)
 *
 * Items arrive as MISSION_ITEM_INT; a legacy MISSION_ITEM answer is accepted too (converted to ·1e7).
 * ArduPilot answers a legacy MISSION_REQUEST here with "got MISSION_REQUEST; use MISSION_REQUEST_INT!":
 * we only send MISSION_REQUEST_INT.
 */
import { common } from 'mavlink-mappings';
import { make } from '../../codec/messages.js';
import type { Inbound } from '../command.js';
import { deadlineStep, type DriverEffect, type MachineStep } from '../driver.js';
import {
  DEFAULT_RETRIES,
  MISSION_TYPE_CODE,
  ackMessage,
  addressedToUs,
  backoffMs,
  createRto,
  fromTarget,
  missionResultName,
  missionTypeField,
  rtoSample,
  wireItemOf,
  type MissionPeer,
  type MissionType,
  type RtoState,
  type TransferOptions,
  type WireItem,
} from './types.js';

export type DownloadOutcome = 'ok' | 'rejected' | 'timeout' | 'cancelled';

export interface DownloadResult {
  outcome: DownloadOutcome;
  type: MissionType;
  /** All items in seq order when ok; what arrived otherwise. */
  items: WireItem[];
  count: number | undefined;
  /** opaque_id of MISSION_COUNT (the vehicle's identity of this list), when given. */
  opaqueId: number | undefined;
  reason: string | undefined;
  ackResult: number | undefined;
  sent: number;
  resends: number;
  srttMs: number | undefined;
  elapsedMs: number;
}

export interface DownloadState {
  phase: 'idle' | 'await-count' | 'receiving' | 'done';
  peer: MissionPeer;
  type: MissionType;
  rto: RtoState;
  retries: number;
  stalls: number;
  count: number;
  opaqueId: number | undefined;
  received: Map<number, WireItem>;
  /** The seq we asked for last, when, and how often. */
  asked: number;
  askedAtMs: number;
  askedTimes: number;
  sent: number;
  resends: number;
  startedAtMs: number;
}

type Step = MachineStep<DownloadState, DownloadResult>;
type Effect = DriverEffect<DownloadResult>;

export function createDownload(peer: MissionPeer, type: MissionType, o: TransferOptions = {}): DownloadState {
  return {
    phase: 'idle',
    peer,
    type,
    rto: createRto(o),
    retries: o.retries ?? DEFAULT_RETRIES,
    stalls: 0,
    count: 0,
    opaqueId: undefined,
    received: new Map(),
    asked: -1,
    askedAtMs: 0,
    askedTimes: 0,
    sent: 0,
    resends: 0,
    startedAtMs: 0,
  };
}

const listMessage = (s: DownloadState): common.MissionRequestList =>
  make(common.MissionRequestList, { targetSystem: s.peer.targetSystem, targetComponent: s.peer.targetComponent, missionType: MISSION_TYPE_CODE[s.type] } as Partial<common.MissionRequestList>);

const requestMessage = (s: DownloadState, seq: number): common.MissionRequestInt =>
  make(common.MissionRequestInt, { targetSystem: s.peer.targetSystem, targetComponent: s.peer.targetComponent, seq, missionType: MISSION_TYPE_CODE[s.type] } as Partial<common.MissionRequestInt>);

function finish(s: DownloadState, now: number, outcome: DownloadOutcome, extra: { reason?: string; ack?: number } = {}): Step {
  const items = [...s.received.values()].sort((a, b) => a.seq - b.seq);
  const result: DownloadResult = {
    outcome,
    type: s.type,
    items,
    count: s.phase === 'receiving' || outcome === 'ok' ? s.count : undefined,
    opaqueId: s.opaqueId,
    reason: extra.reason,
    ackResult: extra.ack,
    sent: s.sent,
    resends: s.resends,
    srttMs: s.rto.srttMs,
    elapsedMs: now - s.startedAtMs,
  };
  return { state: { ...s, phase: 'done' }, effects: [{ type: 'done', result }] };
}

function progress(s: DownloadState): Effect {
  const done = s.received.size;
  return { type: 'progress', progressPct: s.count === 0 ? 100 : Math.floor((100 * done) / s.count), done, total: s.count };
}

export function start(s0: DownloadState, now: number): Step {
  if (s0.phase !== 'idle') return { state: s0, effects: [] };
  const s: DownloadState = { ...s0, phase: 'await-count', startedAtMs: now, askedAtMs: now, askedTimes: 1, sent: 1 };
  return { state: s, effects: [{ type: 'send', message: listMessage(s) }, { type: 'armTimer', delayMs: s.rto.rtoMs }] };
}

function lowestMissing(s: DownloadState): number {
  for (let i = 0; i < s.count; i++) if (!s.received.has(i)) return i;
  return -1;
}

function ask(s: DownloadState, seq: number, now: number, delayMs: number): { state: DownloadState; effects: Effect[] } {
  const again = seq === s.asked;
  const state: DownloadState = {
    ...s,
    asked: seq,
    askedAtMs: again ? s.askedAtMs : now,
    askedTimes: again ? s.askedTimes + 1 : 1,
    sent: s.sent + 1,
    resends: s.resends + (again ? 1 : 0),
  };
  return { state, effects: [{ type: 'send', message: requestMessage(state, seq) }, { type: 'armTimer', delayMs }] };
}

function complete(s: DownloadState, now: number): Step {
  const done = finish(s, now, 'ok');
  return { state: done.state, effects: [{ type: 'send', message: ackMessage(s.peer, s.type, common.MavMissionResult.ACCEPTED) }, ...done.effects] };
}

export function onMessage(s: DownloadState, m: Inbound, now: number): Step {
  if (s.phase !== 'await-count' && s.phase !== 'receiving') return { state: s, effects: [] };
  const msg = m.message;
  if (!msg || !fromTarget(s.peer, m.sysid, m.compid)) return { state: s, effects: [] };
  const code = MISSION_TYPE_CODE[s.type];
  if (msg instanceof common.MissionCount) {
    if (!addressedToUs(s.peer, msg.targetSystem, msg.targetComponent) || missionTypeField(msg) !== code) return { state: s, effects: [] };
    if (s.phase === 'receiving') {
      if (msg.count === s.count) return { state: s, effects: [] };
      return finish(s, now, 'rejected', { reason: `the vehicle's ${s.type} changed during the download (count ${s.count} → ${msg.count})` });
    }
    let state: DownloadState = { ...s, phase: 'receiving', count: msg.count, opaqueId: msg.opaqueId ? msg.opaqueId : undefined, stalls: 0 };
    if (s.askedTimes === 1) state = { ...state, rto: rtoSample(state.rto, now - s.askedAtMs) };
    if (msg.count === 0) return complete(state, now);
    const out = ask(state, 0, now, state.rto.rtoMs);
    return { state: out.state, effects: [progress(out.state), ...out.effects] };
  }
  if (msg instanceof common.MissionItemInt || msg instanceof common.MissionItem) {
    if (s.phase !== 'receiving' || !addressedToUs(s.peer, msg.targetSystem, msg.targetComponent) || missionTypeField(msg) !== code) return { state: s, effects: [] };
    const it = wireItemOf(msg);
    if (!it || it.seq < 0 || it.seq >= s.count || s.received.has(it.seq)) return { state: s, effects: [] };
    const received = new Map(s.received);
    received.set(it.seq, it);
    let state: DownloadState = { ...s, received, stalls: 0 };
    if (it.seq === s.asked && s.askedTimes === 1) state = { ...state, rto: rtoSample(state.rto, now - s.askedAtMs) };
    const next = lowestMissing(state);
    if (next < 0) {
      const c = complete(state, now);
      return { state: c.state, effects: [progress(state), ...c.effects] };
    }
    if (next === s.asked) return { state, effects: [progress(state)] }; // an unrequested item; ours is still on its way
    const out = ask(state, next, now, state.rto.rtoMs);
    return { state: out.state, effects: [progress(state), ...out.effects] };
  }
  if (msg instanceof common.MissionAck) {
    if (!addressedToUs(s.peer, msg.targetSystem, msg.targetComponent) || missionTypeField(msg) !== code) return { state: s, effects: [] };
    if (msg.type === common.MavMissionResult.ACCEPTED) return { state: s, effects: [] };
    return finish(s, now, 'rejected', { ack: msg.type, reason: `vehicle ended the ${s.type} download: MAV_MISSION_${missionResultName(msg.type)}` });
  }
  return { state: s, effects: [] };
}

export function onTimeout(s: DownloadState, now: number): Step {
  if (s.phase !== 'await-count' && s.phase !== 'receiving') return { state: s, effects: [] };
  if (s.stalls >= s.retries) {
    const what = s.phase === 'await-count' ? 'no MISSION_COUNT after MISSION_REQUEST_LIST' : `item ${s.asked} of ${s.count} never came`;
    return finish(s, now, 'timeout', { reason: `${what} (${s.retries} resends)` });
  }
  const state: DownloadState = { ...s, stalls: s.stalls + 1 };
  const delayMs = backoffMs(state.rto, state.stalls);
  if (s.phase === 'await-count') {
    const st = { ...state, askedTimes: s.askedTimes + 1, sent: s.sent + 1, resends: s.resends + 1 };
    return { state: st, effects: [{ type: 'send', message: listMessage(st) }, { type: 'armTimer', delayMs }] };
  }
  return ask(state, s.asked, now, delayMs);
}

export function onCancel(s: DownloadState, now: number): Step {
  if (s.phase === 'done') return { state: s, effects: [] };
  const effects: Effect[] = s.phase === 'receiving' ? [{ type: 'send', message: ackMessage(s.peer, s.type, common.MavMissionResult.OPERATION_CANCELLED) }] : [];
  const done = finish(s.phase === 'idle' ? { ...s, startedAtMs: now } : s, now, 'cancelled', { reason: 'cancelled' });
  return { state: done.state, effects: [...effects, ...done.effects] };
}

/** The overall deadline passed: cancel on the vehicle (as onCancel) and report a timeout that says so. */
export function onDeadline(s: DownloadState, now: number): Step {
  return deadlineStep(onCancel(s, now));
}

export const downloadMachine = { start, onMessage, onTimeout, onCancel, onDeadline };
