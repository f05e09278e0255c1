/**
 * MISSION_CLEAR_ALL → MISSION_ACK, and MISSION_SET_CURRENT → MISSION_CURRENT(seq), as sans-IO machines: one
 * request, resent on silence, finished by the matching answer.
 *
 *   start ── send request, arm RTO ──► WAITING ── answer ─────────────────────► DONE(ok | rejected)
 *                                      │  ▲ timeout, retries left: resend
 *                                      │  └──────────┘
 *                                      ├─ timeout, none left ──────────────────► DONE(timeout)
 *                                      └─ cancel ──────────────────────────────► DONE(cancelled)
 *
 * Clear: MISSION_ACK of our mission type, ACCEPTED → ok, anything else → rejected with its name.
 * Set current: a MISSION_CURRENT showing the asked seq → ok (a MISSION_CURRENT with another seq is the
 * vehicle's periodic report of before our request, so we keep waiting); an error MISSION_ACK → rejected.
 */
import { common } from 'mavlink-mappings';
import { make, type MavLinkData } from '../../codec/messages.js';
import type { Inbound } from '../command.js';
import type { MachineStep } from '../driver.js';
import {
  MISSION_TYPE_CODE,
  addressedToUs,
  backoffMs,
  createRto,
  fromTarget,
  missionResultName,
  missionTypeField,
  type MissionPeer,
  type MissionType,
  type RtoState,
  type TransferOptions,
} from './types.js';

export type SimpleOutcome = 'ok' | 'rejected' | 'timeout' | 'cancelled';

export interface SimpleResult {
  outcome: SimpleOutcome;
  reason: string | undefined;
  ackResult: number | undefined;
  attempts: number;
  elapsedMs: number;
}

export interface SimpleState {
  phase: 'idle' | 'waiting' | 'done';
  kind: 'clear' | 'set-current';
  peer: MissionPeer;
  type: MissionType;
  seq: number;
  rto: RtoState;
  retries: number;
  attempts: number;
  startedAtMs: number;
}

type Step = MachineStep<SimpleState, SimpleResult>;

const SIMPLE_RETRIES = 5;

export function createClear(peer: MissionPeer, type: MissionType, o: TransferOptions = {}): SimpleState {
  return { phase: 'idle', kind: 'clear', peer, type, seq: 0, rto: createRto(o), retries: o.retries ?? SIMPLE_RETRIES, attempts: 0, startedAtMs: 0 };
}

export function createSetCurrent(peer: MissionPeer, seq: number, o: TransferOptions = {}): SimpleState {
  return { phase: 'idle', kind: 'set-current', peer, type: 'mission', seq, rto: createRto(o), retries: o.retries ?? SIMPLE_RETRIES, attempts: 0, startedAtMs: 0 };
}

function request(s: SimpleState): MavLinkData {
  const t = { targetSystem: s.peer.targetSystem, targetComponent: s.peer.targetComponent };
  if (s.kind === 'clear') return make(common.MissionClearAll, { ...t, missionType: MISSION_TYPE_CODE[s.type] } as Partial<common.MissionClearAll>);
  return make(common.MissionSetCurrent, { ...t, seq: s.seq } as Partial<common.MissionSetCurrent>);
}

function finish(s: SimpleState, now: number, outcome: SimpleOutcome, reason?: string, ack?: number): Step {
  return {
    state: { ...s, phase: 'done' },
    effects: [{ type: 'done', result: { outcome, reason, ackResult: ack, attempts: s.attempts, elapsedMs: now - s.startedAtMs } }],
  };
}

function transmit(s: SimpleState, now: number): Step {
  const state: SimpleState = { ...s, phase: 'waiting', attempts: s.attempts + 1, startedAtMs: s.attempts === 0 ? now : s.startedAtMs };
  return { state, effects: [{ type: 'send', message: request(s) }, { type: 'armTimer', delayMs: backoffMs(s.rto, s.attempts) }] };
}

export function start(s: SimpleState, now: number): Step {
  return s.phase === 'idle' ? transmit(s, now) : { state: s, effects: [] };
}

export function onMessage(s: SimpleState, m: Inbound, now: number): Step {
  const msg = m.message;
  if (s.phase !== 'waiting' || !msg || !fromTarget(s.peer, m.sysid, m.compid)) return { state: s, effects: [] };
  if (msg instanceof common.MissionAck) {
    if (!addressedToUs(s.peer, msg.targetSystem, msg.targetComponent) || missionTypeField(msg) !== MISSION_TYPE_CODE[s.type]) return { state: s, effects: [] };
    if (msg.type === common.MavMissionResult.ACCEPTED) return s.kind === 'clear' ? finish(s, now, 'ok', undefined, msg.type) : { state: s, effects: [] };
    const what = s.kind === 'clear' ? `clearing the ${s.type}` : `setting the current item to ${s.seq}`;
    return finish(s, now, 'rejected', `vehicle refused ${what}: MAV_MISSION_${missionResultName(msg.type)}`, msg.type);
  }
  if (s.kind === 'set-current' && msg instanceof common.MissionCurrent && msg.seq === s.seq) return finish(s, now, 'ok');
  return { state: s, effects: [] };
}

export function onTimeout(s: SimpleState, now: number): Step {
  if (s.phase !== 'waiting') return { state: s, effects: [] };
  if (s.attempts > s.retries) return finish(s, now, 'timeout', s.kind === 'clear' ? 'no MISSION_ACK to MISSION_CLEAR_ALL' : `no MISSION_CURRENT ${s.seq}`);
  return transmit(s, now);
}

export function onCancel(s: SimpleState, now: number): Step {
  if (s.phase === 'done') return { state: s, effects: [] };
  return finish(s.phase === 'idle' ? { ...s, startedAtMs: now } : s, now, 'cancelled', 'cancelled');
}

export const simpleMachine = { start, onMessage, onTimeout, onCancel };
