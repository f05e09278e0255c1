/**
 * What every MAVFTP machine shares: the target, our sequence numbers, one outstanding request with
 * retransmission (same seq, so the vehicle can tell a retry and resend its cached reply), and matching of
 * replies (from the target, addressed to us, our session, `req_opcode` = our opcode and seq = ours + 1).
 * Burst data is matched by session and req_opcode only (its seq keeps counting up).
 *
 * Machines update their state object in place and return it: a download holds megabytes and thousands of
 * packets, so copying the state per packet would cost more than the protocol. The driver owns the state.
 */
import { common } from 'mavlink-mappings';
import type { DriverEffect } from '../driver.js';
import type { Inbound } from '../command.js';
import { decodeFtp, ftpMessage, type FtpPayload } from './protocol.js';

export interface FtpTarget {
  sysid: number;
  compid: number;
}

export interface FtpOptions {
  /** Wait this long for a reply before resending. Default 1500 ms (or from rttMs). */
  timeoutMs?: number;
  /**
   * Measured round trip: timeout = clamp(4·rtt + 250, 400, 6000) ms. Lower than a command's floor: a
   * spurious resend costs nothing here (same seq → the vehicle's cached reply; a late reply to an answered
   * request is ignored), while every lost packet of a lossy link costs one timeout.
   */
  rttMs?: number;
  /** Resends of one request before the operation fails. Default 15 (a 30 %-loss link loses a request/reply pair half the time). */
  retries?: number;
  /** Our ids: replies addressed to another GCS are ignored. */
  gcsSysid?: number;
  gcsCompid?: number;
  /** First sequence number (continue a client's counter). Default 0. */
  seq?: number;
  /** Session id to ask for (the vehicle echoes it). Default 0. */
  session?: number;
}

export type FtpFailure =
  | 'timeout'
  | 'cancelled'
  | 'not-found'
  | 'exists'
  | 'protected'
  | 'no-sessions'
  | 'invalid-session'
  | 'unsupported'
  | 'failed'
  | 'bad-data';

export interface Pending {
  request: Partial<FtpPayload> & { opcode: number };
  seq: number;
  attempts: number;
  sentAtMs: number;
}

export interface FtpBase {
  target: FtpTarget;
  timeoutMs: number;
  retries: number;
  gcsSysid: number | undefined;
  gcsCompid: number | undefined;
  seq: number;
  session: number;
  pending: Pending | undefined;
  done: boolean;
  startedAtMs: number;
  /** Frames sent, retransmissions included. */
  sent: number;
  resent: number;
  rttMs: number | undefined;
}

export function timeoutFor(o: FtpOptions): number {
  if (o.timeoutMs !== undefined) return o.timeoutMs;
  if (o.rttMs !== undefined) return Math.min(6000, Math.max(400, Math.round(4 * o.rttMs + 250)));
  return 1500;
}

export function baseState(target: FtpTarget, o: FtpOptions): FtpBase {
  return {
    target,
    timeoutMs: timeoutFor(o),
    retries: o.retries ?? 15,
    gcsSysid: o.gcsSysid,
    gcsCompid: o.gcsCompid,
    seq: (o.seq ?? 0) & 0xffff,
    session: (o.session ?? 0) & 0xff,
    pending: undefined,
    done: false,
    startedAtMs: 0,
    sent: 0,
    resent: 0,
    rttMs: undefined,
  };
}

/** Send a new request (a fresh seq) and arm the reply timer. */
export function request<R>(s: FtpBase, req: Partial<FtpPayload> & { opcode: number }, now: number, effects: DriverEffect<R>[]): void {
  const seq = s.seq;
  s.seq = (s.seq + 1) & 0xffff;
  s.pending = { request: req, seq, attempts: 0, sentAtMs: now };
  transmit(s, now, effects);
}

/** (Re)send the pending request with its seq. */
export function transmit<R>(s: FtpBase, now: number, effects: DriverEffect<R>[], timeoutMs = s.timeoutMs): void {
  const p = s.pending;
  if (!p) return;
  p.attempts++;
  p.sentAtMs = now;
  s.sent++;
  if (p.attempts > 1) s.resent++;
  effects.push({ type: 'send', message: ftpMessage(s.target.sysid, s.target.compid, { ...p.request, seq: p.seq, session: p.request.session ?? s.session }) });
  effects.push({ type: 'armTimer', delayMs: timeoutMs });
}

/**
 * Resend the pending request under a fresh seq (for idempotent requests: ReadFile, TerminateSession). After
 * a burst whose last replies were lost, the vehicle's cached reply may sit at exactly our seq + 1, and it
 * would answer every resend of that seq with the stale burst reply.
 */
export function retransmitFresh<R>(s: FtpBase, now: number, effects: DriverEffect<R>[]): void {
  const p = s.pending;
  if (!p) return;
  p.seq = s.seq;
  s.seq = (s.seq + 1) & 0xffff;
  transmit(s, now, effects);
}

/** Send without expecting a reply (TerminateSession on cancel). */
export function fireAndForget<R>(s: FtpBase, req: Partial<FtpPayload> & { opcode: number }, effects: DriverEffect<R>[]): void {
  const seq = s.seq;
  s.seq = (s.seq + 1) & 0xffff;
  s.sent++;
  effects.push({ type: 'send', message: ftpMessage(s.target.sysid, s.target.compid, { ...req, seq, session: req.session ?? s.session }) });
}

/** The FTP payload of a message for us from the target, or undefined. */
export function ftpFrom(s: FtpBase, m: Inbound): FtpPayload | undefined {
  const msg = m.message;
  if (!(msg instanceof common.FileTransferProtocol)) return undefined;
  if (m.sysid !== s.target.sysid) return undefined;
  if (s.target.compid !== 0 && m.compid !== s.target.compid) return undefined;
  if (msg.targetSystem !== 0 && s.gcsSysid !== undefined && msg.targetSystem !== s.gcsSysid) return undefined;
  if (msg.targetComponent !== 0 && s.gcsCompid !== undefined && msg.targetComponent !== s.gcsCompid) return undefined;
  return decodeFtp(msg.payload);
}

/** Whether p answers the pending request (not burst data). Records the RTT of first transmissions. */
export function answersPending(s: FtpBase, p: FtpPayload, now: number): boolean {
  const q = s.pending;
  if (!q) return false;
  if (p.opcode !== 128 && p.opcode !== 129) return false;
  if (p.reqOpcode !== q.request.opcode) return false;
  if (p.seq !== ((q.seq + 1) & 0xffff)) return false;
  const session = q.request.session ?? s.session;
  // ResetSessions is answered on whatever session; the rest echo ours.
  if (q.request.opcode !== 2 && p.session !== session) return false;
  if (q.attempts === 1 && s.rttMs === undefined) s.rttMs = now - q.sentAtMs;
  s.pending = undefined;
  return true;
}

/**
 * Whether p is the vehicle's cached reply to some other request that happened to have our seq (another
 * client before us, or our own earlier operation): it carries seq = ours + 1 but not our opcode or session.
 * The vehicle will answer every resend of that seq the same way, so the request must go again under a
 * fresh seq (retransmitFresh).
 */
export function staleReply(s: FtpBase, p: FtpPayload): boolean {
  const q = s.pending;
  if (!q || (p.opcode !== 128 && p.opcode !== 129) || p.seq !== ((q.seq + 1) & 0xffff)) return false;
  return p.reqOpcode !== q.request.opcode || (q.request.opcode !== 2 && p.session !== (q.request.session ?? s.session));
}

/** Map a NAK error code to a failure. */
export function failureOf(code: number): FtpFailure {
  switch (code) {
    case 10: return 'not-found';
    case 8: return 'exists';
    case 9: return 'protected';
    case 5: return 'no-sessions';
    case 4: return 'invalid-session';
    case 7: return 'unsupported';
    case 3: return 'bad-data';
    default: return 'failed';
  }
}
