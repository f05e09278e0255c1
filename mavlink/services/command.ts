/**
 * One MAVLink command transaction (COMMAND_LONG or COMMAND_INT → COMMAND_ACK) as a sans-IO state machine.
 *
 *            start
 *              │ send(attempt 1), armTimer(timeout)
 *              ▼
 *   ┌──────► SENDING ──── ACK IN_PROGRESS ─────────────► IN_PROGRESS ──┐ ACK IN_PROGRESS:
 *   │          │ │                                          │   │  ▲    │ progress, armTimer(longer)
 *   │ timeout, │ │ ACK final (ACCEPTED, DENIED, …)          │   │  └────┘
 *   │ attempts │ └─────────────────────┐        ACK final   │   │ timeout (no resend: the vehicle
 *   │ left:    │                       ▼  ◄─────────────────┘   │ is working on it)
 *   └─ resend  │ timeout, none left   DONE ◄────────────────────┘
 *   (COMMAND_LONG confirmation + 1)    ▲
 *              └───────────────────────┘   cancel from SENDING / IN_PROGRESS → DONE(cancelled)
 *   (COMMAND_CANCEL is work-in-progress in common.xml and not in our dialect set: cancelling only stops
 *    waiting here; the vehicle may still complete a long-running command.)
 *
 * `done` is emitted exactly once; every input after DONE (duplicate ACKs, late timers) yields no effects.
 * ACKs for another command id, from another system/component, or addressed to another GCS are ignored.
 * Only one transaction per (target, command id) may be open at a time: COMMAND_ACK cannot tell two apart.
 */
import { common } from 'mavlink-mappings';
import type { MavLinkData } from '../codec/messages.js';
import type { CommandOutcome } from '../../common/mav-cmd.js';

/** The outcome union is the shared vocabulary (common/mav-cmd.ts): the console's result codes extend it. */
export type { CommandOutcome };

export interface CommandSpec {
  /** COMMAND_LONG (all params float) or COMMAND_INT (params 5, 6 are int32, e.g. latE7/lonE7). */
  kind: 'long' | 'int';
  command: number;
  /** param1..param7; missing params are 0. Use NaN for "no change" where the command allows it. */
  params: readonly number[];
  /** COMMAND_INT coordinate frame (MAV_FRAME); default GLOBAL_RELATIVE_ALT_INT (6). */
  frame?: number;
  targetSystem: number;
  targetComponent: number;
}

export interface CommandOptions {
  /** Wait for an ACK this long before resending. Default 1500 ms, or from `rttMs` when given. */
  timeoutMs?: number;
  /** Measured round-trip time of the link: the timeout becomes clamp(3·rtt + 500, 1000, 6000) ms. */
  rttMs?: number;
  /** Resends after the first transmission. Default 3. */
  retries?: number;
  /** After IN_PROGRESS: give up when no further ACK comes for this long. Default 10 s. */
  inProgressTimeoutMs?: number;
  /** Our ids: an ACK with a non-zero target that is not us is ignored. */
  gcsSysid?: number;
  gcsCompid?: number;
}

export interface CommandResult {
  outcome: CommandOutcome;
  /** MAV_RESULT of the final ACK, when there was one. */
  mavResult: number | undefined;
  resultParam2: number | undefined;
  /** Last progress reported with IN_PROGRESS (0..100), if any. */
  progressPct: number | undefined;
  /** Transmissions made (1 = no resend). */
  attempts: number;
  /** Round trip of the first ACK, only when it answered the first transmission (Karn's rule). */
  rttMs: number | undefined;
  /** Time from the first transmission to the end. */
  elapsedMs: number;
}

export type CommandEffect =
  | { type: 'send'; message: MavLinkData }
  | { type: 'armTimer'; delayMs: number }
  | { type: 'progress'; progressPct: number; resultParam2: number }
  | { type: 'done'; result: CommandResult };

export interface CommandState {
  phase: 'idle' | 'sending' | 'in-progress' | 'done';
  spec: CommandSpec;
  timeoutMs: number;
  retries: number;
  inProgressTimeoutMs: number;
  gcsSysid: number | undefined;
  gcsCompid: number | undefined;
  attempts: number;
  firstSentAtMs: number;
  lastSentAtMs: number;
  rttMs: number | undefined;
  progressPct: number | undefined;
}

export interface Step {
  state: CommandState;
  effects: CommandEffect[];
}

/** A message with the ids of its sender, as the machines see it. */
export interface Inbound {
  sysid: number;
  compid: number;
  message: MavLinkData | undefined;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 1500;
export const DEFAULT_COMMAND_RETRIES = 3;
export const DEFAULT_IN_PROGRESS_TIMEOUT_MS = 10_000;

/** Timeout adapted to a measured round trip. */
export function timeoutForRtt(rttMs: number): number {
  return Math.min(6000, Math.max(1000, Math.round(3 * rttMs + 500)));
}

export function createCommand(spec: CommandSpec, opts: CommandOptions = {}): CommandState {
  return {
    phase: 'idle',
    spec,
    timeoutMs: opts.timeoutMs ?? (opts.rttMs !== undefined ? timeoutForRtt(opts.rttMs) : DEFAULT_COMMAND_TIMEOUT_MS),
    retries: opts.retries ?? DEFAULT_COMMAND_RETRIES,
    inProgressTimeoutMs: opts.inProgressTimeoutMs ?? DEFAULT_IN_PROGRESS_TIMEOUT_MS,
    gcsSysid: opts.gcsSysid,
    gcsCompid: opts.gcsCompid,
    attempts: 0,
    firstSentAtMs: 0,
    lastSentAtMs: 0,
    rttMs: undefined,
    progressPct: undefined,
  };
}

/** The message of one transmission; COMMAND_LONG carries the confirmation counter (0 first, then 1, 2, …). */
export function commandMessage(spec: CommandSpec, confirmation: number): MavLinkData {
  const p = (i: number): number => spec.params[i] ?? 0;
  if (spec.kind === 'int') {
    const m = new common.CommandInt();
    m.targetSystem = spec.targetSystem;
    m.targetComponent = spec.targetComponent;
    m.command = spec.command;
    m.frame = spec.frame ?? common.MavFrame.GLOBAL_RELATIVE_ALT_INT;
    m.current = 0;
    m.autocontinue = 0;
    m._param1 = p(0);
    m._param2 = p(1);
    m._param3 = p(2);
    m._param4 = p(3);
    m._param5 = Math.round(p(4));
    m._param6 = Math.round(p(5));
    m._param7 = p(6);
    return m;
  }
  const m = new common.CommandLong();
  m.targetSystem = spec.targetSystem;
  m.targetComponent = spec.targetComponent;
  m.command = spec.command;
  m.confirmation = confirmation & 0xff;
  m._param1 = p(0);
  m._param2 = p(1);
  m._param3 = p(2);
  m._param4 = p(3);
  m._param5 = p(4);
  m._param6 = p(5);
  m._param7 = p(6);
  return m;
}

function transmit(s: CommandState, now: number): Step {
  const state: CommandState = {
    ...s,
    phase: 'sending',
    attempts: s.attempts + 1,
    lastSentAtMs: now,
    firstSentAtMs: s.attempts === 0 ? now : s.firstSentAtMs,
  };
  return {
    state,
    effects: [
      { type: 'send', message: commandMessage(s.spec, s.attempts) },
      { type: 'armTimer', delayMs: s.timeoutMs },
    ],
  };
}

function finish(s: CommandState, now: number, outcome: CommandOutcome, ack?: common.CommandAck): Step {
  const result: CommandResult = {
    outcome,
    mavResult: ack?.result,
    resultParam2: ack?.resultParam2,
    progressPct: s.progressPct,
    attempts: s.attempts,
    rttMs: s.rttMs,
    elapsedMs: s.attempts > 0 ? now - s.firstSentAtMs : 0,
  };
  return { state: { ...s, phase: 'done' }, effects: [{ type: 'done', result }] };
}

export function outcomeOf(result: number): CommandOutcome {
  switch (result) {
    case common.MavResult.ACCEPTED:
      return 'accepted';
    case common.MavResult.TEMPORARILY_REJECTED:
      return 'temporarily-rejected';
    case common.MavResult.DENIED:
      return 'denied';
    case common.MavResult.UNSUPPORTED:
      return 'unsupported';
    case common.MavResult.IN_PROGRESS:
      return 'in-progress';
    case common.MavResult.CANCELLED:
      return 'cancelled';
    case 7: // MAV_RESULT_COMMAND_LONG_ONLY (newer than our mappings' enum)
      return 'command-long-only';
    case 8: // MAV_RESULT_COMMAND_INT_ONLY
      return 'command-int-only';
    case 9: // MAV_RESULT_COMMAND_UNSUPPORTED_MAV_FRAME
      return 'unsupported-frame';
    case 10: // MAV_RESULT_NOT_IN_CONTROL
      return 'not-in-control';
    default:
      return 'failed';
  }
}

export function start(s: CommandState, now: number): Step {
  if (s.phase !== 'idle') return { state: s, effects: [] };
  return transmit(s, now);
}

function isOurAck(s: CommandState, m: Inbound): m is Inbound & { message: common.CommandAck } {
  const ack = m.message;
  if (!(ack instanceof common.CommandAck)) return false;
  if (ack.command !== s.spec.command) return false;
  if (m.sysid !== s.spec.targetSystem) return false;
  if (s.spec.targetComponent !== 0 && m.compid !== s.spec.targetComponent) return false;
  // target_system/target_component are extensions: 0 means "not set" (older senders).
  if (ack.targetSystem !== 0 && s.gcsSysid !== undefined && ack.targetSystem !== s.gcsSysid) return false;
  if (ack.targetComponent !== 0 && s.gcsCompid !== undefined && ack.targetComponent !== s.gcsCompid) return false;
  return true;
}

export function onMessage(s: CommandState, m: Inbound, now: number): Step {
  if ((s.phase !== 'sending' && s.phase !== 'in-progress') || !isOurAck(s, m)) return { state: s, effects: [] };
  const ack = m.message;
  let state = s;
  if (s.rttMs === undefined && s.attempts === 1) state = { ...state, rttMs: now - s.lastSentAtMs };
  if (ack.result === common.MavResult.IN_PROGRESS) {
    const progressPct = ack.progress <= 100 ? ack.progress : state.progressPct; // 255 = unknown
    state = { ...state, phase: 'in-progress', progressPct };
    const effects: CommandEffect[] = [];
    if (progressPct !== undefined) effects.push({ type: 'progress', progressPct, resultParam2: ack.resultParam2 });
    effects.push({ type: 'armTimer', delayMs: s.inProgressTimeoutMs });
    return { state, effects };
  }
  return finish(state, now, outcomeOf(ack.result), ack);
}

export function onTimeout(s: CommandState, now: number): Step {
  if (s.phase === 'in-progress') return finish(s, now, 'timeout');
  if (s.phase !== 'sending') return { state: s, effects: [] };
  if (s.attempts <= s.retries) return transmit(s, now);
  return finish(s, now, 'timeout');
}

export function onCancel(s: CommandState, now: number): Step {
  if (s.phase === 'idle') return finish({ ...s, phase: 'sending' }, now, 'cancelled');
  if (s.phase !== 'sending' && s.phase !== 'in-progress') return { state: s, effects: [] };
  return finish(s, now, 'cancelled');
}

/** MAV_RESULT names, including those newer than the mappings' enum. */
export const MAV_RESULT_NAMES: readonly string[] = [
  'ACCEPTED', 'TEMPORARILY_REJECTED', 'DENIED', 'UNSUPPORTED', 'FAILED', 'IN_PROGRESS', 'CANCELLED',
  'COMMAND_LONG_ONLY', 'COMMAND_INT_ONLY', 'COMMAND_UNSUPPORTED_MAV_FRAME', 'NOT_IN_CONTROL',
];

/**
 * The same command in the other form, for a vehicle that answered COMMAND_LONG_ONLY / COMMAND_INT_ONLY:
 * COMMAND_INT params 5/6 are degrees·1e7 integers, COMMAND_LONG params 5/6 are degrees.
 */
export function otherForm(spec: CommandSpec): CommandSpec {
  const p = [...spec.params];
  while (p.length < 7) p.push(0);
  if (spec.kind === 'int') return { ...spec, kind: 'long', params: p.map((v, i) => (i === 4 || i === 5 ? v / 1e7 : v)) };
  return { ...spec, kind: 'int', params: p.map((v, i) => (i === 4 || i === 5 ? Math.round(v * 1e7) : v)) };
}

/** The machine as one value, for the driver. */
export const commandMachine = { start, onMessage, onTimeout, onCancel };
