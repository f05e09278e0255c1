/**
 * Download one file over MAVFTP as a sans-IO machine: open, burst read, fill the gaps, read to EOF,
 * terminate. The size the vehicle gives at open is only a hint (ArduPilot's virtual files report estimates:
 * param.pck 16188 for 14882 bytes, mission.dat 1 MiB for 276), so the end is known only from a short block
 * or the EOF NAK.
 *
 *   start ─► OPEN ──ACK(size hint)──► BURST(from) ◄─────────────────────────────┐
 *             │ NAK Fail/NoSessions:        │ ACK data: store, re-arm idle timer │ no gaps, EOF unknown:
 *             │ ResetSessions, open again   │ short block / NAK EOF: EOF known   │ burst from the highest
 *             │ NAK FileNotFound → DONE     │ burst_complete, or idle timeout ───┤ byte received
 *             ▼                             ▼                                    │
 *           RESET                         FILL: ReadFile per hole ── ACK/NAK EOF ┘
 *                                           │ nothing missing up to EOF
 *                                           ▼
 *                                       TERMINATE ── ACK / NAK / no answer ──► DONE(ok)
 *   A session the vehicle dropped (NAK InvalidSession / FileNotFound on a read) is reopened, data kept.
 *   Any request: resent with the same seq on timeout; `retries` resends without progress → DONE(timeout).
 *   cancel → TerminateSession (not awaited) → DONE(cancelled). `done` is emitted exactly once.
 * On failure the result still carries the contiguous bytes from `fromOffset`, so a caller can keep a
 * partial file and resume from its end. What a download holds (spec, limits, the bytes, the result) is in
 * read-state.ts; this file is the protocol's steps.
 */
import type { DriverEffect, MachineStep } from '../driver.js';
import type { Inbound } from '../command.js';
import { FtpError, Op, nakError, pathBytes, type FtpPayload } from './protocol.js';
import {
  answersPending, failureOf, fireAndForget, ftpFrom, request, retransmitFresh, staleReply, transmit, type FtpFailure,
} from './request.js';
import { result, setEof, store, type FtpReadResult, type FtpReadState } from './read-state.js';

type Step = MachineStep<FtpReadState, FtpReadResult>;
type Eff = DriverEffect<FtpReadResult>;

function finish(s: FtpReadState, now: number, effects: Eff[], failure?: FtpFailure, reason?: string): Step {
  s.phase = 'done';
  s.done = true;
  s.pending = undefined;
  effects.push({ type: 'done', result: result(s, now, failure, reason) });
  return { state: s, effects };
}

function progress(s: FtpReadState, effects: Eff[]): void {
  const total = s.eofAt !== undefined ? s.eofAt - s.spec.fromOffset : s.sizeAtOpen !== undefined ? Math.max(1, s.sizeAtOpen - s.spec.fromOffset) : undefined;
  if (total === undefined || total <= 0) return;
  const pct = Math.min(s.eofAt !== undefined ? 100 : 99, Math.floor((s.have.contiguousFrom(0) * 100) / total));
  if (pct !== s.lastPct) {
    s.lastPct = pct;
    effects.push({ type: 'progress', progressPct: pct });
  }
}

function open(s: FtpReadState, now: number, effects: Eff[]): Step {
  s.phase = 'open';
  const path = pathBytes(s.spec.path);
  request(s, { opcode: Op.OpenFileRO, data: path, size: path.length }, now, effects);
  return { state: s, effects };
}

/** How long a burst may go quiet: the idle timeout, or 8 of the vehicle's block intervals if longer. */
function idleMs(s: FtpReadState): number {
  return Math.max(s.burstIdleMs, Math.round(8 * (s.burstGapMs ?? 0)));
}

function startBurst(s: FtpReadState, from: number, now: number, effects: Eff[]): Step {
  s.phase = 'burst';
  s.lastBurstAtMs = undefined;
  s.burstOffset = from;
  s.burstSeq = s.seq;
  s.stats.bursts++;
  request(s, { opcode: Op.BurstReadFile, offset: from, size: s.spec.readSize }, now, effects);
  effects.pop();
  effects.push({ type: 'armTimer', delayMs: Math.max(s.timeoutMs, idleMs(s)) });
  return { state: s, effects };
}

function readBlock(s: FtpReadState, from: number, len: number, now: number, effects: Eff[]): Step {
  s.phase = 'fill';
  s.stats.gapReads++;
  request(s, { opcode: Op.ReadFile, offset: from, size: Math.min(len, s.spec.readSize) }, now, effects);
  return { state: s, effects };
}

/** Decide what to fetch next once a burst is over or a block has arrived. */
function next(s: FtpReadState, now: number, effects: Eff[]): Step {
  progress(s, effects);
  const limit = s.eofAt !== undefined ? s.eofAt - s.spec.fromOffset : s.have.high;
  const gap = s.have.firstGap(0, limit);
  if (gap) return readBlock(s, s.spec.fromOffset + gap[0], gap[1] - gap[0], now, effects);
  if (s.eofAt === undefined) {
    const from = s.spec.fromOffset + s.have.high;
    return s.spec.burst && !s.probeEof ? startBurst(s, from, now, effects) : readBlock(s, from, s.spec.readSize, now, effects);
  }
  s.phase = 'terminate';
  request(s, { opcode: Op.TerminateSession }, now, effects);
  return { state: s, effects };
}


export function start(s: FtpReadState, now: number): Step {
  if (s.phase !== 'idle') return { state: s, effects: [] };
  s.startedAtMs = now;
  return open(s, now, []);
}

function inCurrentBurst(s: FtpReadState, p: FtpPayload): boolean {
  return ((p.seq - s.burstSeq - 1) & 0xffff) < 4096;
}

export function onMessage(s: FtpReadState, m: Inbound, now: number): Step {
  if (s.phase === 'done' || s.phase === 'idle') return { state: s, effects: [] };
  const p = ftpFrom(s, m);
  if (!p) return { state: s, effects: [] };
  const effects: Eff[] = [];
  // Burst data (and the burst's EOF NAK) may arrive in any phase, late or duplicated: keep the bytes.
  if (p.reqOpcode === Op.BurstReadFile && p.session === s.session && (p.opcode === Op.Ack || p.opcode === Op.Nak)) {
    // A burst we took for over (a run of lost blocks outlasted the idle timer) is still going: the vehicle
    // serves one request at a time, so our block read waits behind it. Go back to receiving the burst.
    if (s.phase === 'fill' && p.opcode === Op.Ack && inCurrentBurst(s, p) && p.offset >= s.spec.fromOffset + s.have.high) {
      s.phase = 'burst';
      s.pending = undefined;
      s.probeEof = false;
    }
    const current = s.phase === 'burst' && inCurrentBurst(s, p);
    if (current) {
      if (p.opcode === Op.Ack) {
        if (s.lastBurstAtMs !== undefined) {
          const gap = now - s.lastBurstAtMs;
          s.burstGapMs = s.burstGapMs === undefined ? gap : 0.8 * s.burstGapMs + 0.2 * gap;
        }
        s.lastBurstAtMs = now;
      }
      s.pending = undefined;
      // ArduPilot answers a request whose seq + 1 equals its last reply's seq with that cached reply: keep
      // our next seq past the burst's reply seqs so a new request is never taken for a repeat.
      if (((p.seq - s.seq) & 0xffff) < 0x8000) s.seq = (p.seq + 1) & 0xffff;
    } else if (s.pending && p.seq === ((s.pending.seq + 1) & 0xffff)) {
      // That collision happened anyway (the burst's last replies were lost): ask again with a fresh seq.
      const again = s.pending.request;
      s.seq = (p.seq + 1) & 0xffff;
      request(s, again, now, effects);
      return { state: s, effects };
    }
    if (p.opcode === Op.Ack) {
      s.stats.packets++;
      if (!store(s, p.offset, p.data)) return refuse(s, now, effects);
      if (p.size < s.spec.readSize) setEof(s, p.offset + p.size);
      if (!current) return { state: s, effects };
      s.stalls = 0;
      if (p.burstComplete) return next(s, now, effects);
      progress(s, effects);
      effects.push({ type: 'armTimer', delayMs: idleMs(s) });
      return { state: s, effects };
    }
    const e = nakError(p);
    if (e.code === FtpError.EOF) {
      // ArduPilot's EOF NAK offset is the file's end only after a short block (not block-aligned); after a
      // full last block it is that block's start, and 0 when the burst's first read was empty. So an aligned
      // or zero offset only says "EOF is near": a ReadFile at the end of what we hold settles it.
      const rel = p.offset - s.burstOffset;
      if (p.offset > 0 && rel > 0 && rel % s.spec.readSize !== 0) setEof(s, p.offset);
      else if (current) s.probeEof = true;
      return current ? next(s, now, effects) : { state: s, effects };
    }
    if (!current) return { state: s, effects };
    return lostSession(s, now, effects, e.code, e.name);
  }
  if (staleReply(s, p)) {
    retransmitFresh(s, now, effects);
    return { state: s, effects };
  }
  const asked = s.pending?.request;
  if (!answersPending(s, p, now)) return { state: s, effects };
  s.stalls = 0;
  switch (s.phase) {
    case 'open': {
      if (p.opcode === Op.Ack) {
        s.sizeAtOpen = p.data.length >= 4 ? (p.data[0]! | (p.data[1]! << 8) | (p.data[2]! << 16) | (p.data[3]! << 24)) >>> 0 : undefined;
        return next(s, now, effects);
      }
      const e = nakError(p);
      if ((e.code === FtpError.Fail || e.code === FtpError.NoSessionsAvailable) && !s.resetDone) {
        // A session left open (ours from a broken run, or the vehicle's limit): reset ours and try again.
        s.resetDone = true;
        s.phase = 'reset';
        request(s, { opcode: Op.ResetSessions }, now, effects);
        return { state: s, effects };
      }
      return finish(s, now, effects, failureOf(e.code), `open ${s.spec.path}: ${e.name}`);
    }
    case 'reset':
      return open(s, now, effects);
    case 'fill': {
      if (p.opcode === Op.Ack) {
        if (!store(s, p.offset, p.data)) return refuse(s, now, effects);
        // A block shorter than asked for ends the file.
        if (p.size < (asked?.size ?? s.spec.readSize)) setEof(s, p.offset + p.size);
        return next(s, now, effects);
      }
      const e = nakError(p);
      if (e.code === FtpError.EOF) {
        setEof(s, asked?.offset ?? p.offset);
        return next(s, now, effects);
      }
      return lostSession(s, now, effects, e.code, e.name);
    }
    case 'terminate':
      return finish(s, now, effects);
    default:
      return { state: s, effects };
  }
}

/** End on a reply out of bounds: tell the vehicle we are done with the session, keep what we hold. */
function refuse(s: FtpReadState, now: number, effects: Eff[]): Step {
  fireAndForget(s, { opcode: Op.TerminateSession }, effects);
  return finish(s, now, effects, 'bad-data', s.outOfBounds);
}

function lostSession(s: FtpReadState, now: number, effects: Eff[], code: number, name: string): Step {
  if ((code === FtpError.InvalidSession || code === FtpError.FileNotFound || code === FtpError.Fail) && s.stats.reopens < s.retries) {
    s.stats.reopens++;
    s.resetDone = false;
    return open(s, now, effects);
  }
  return finish(s, now, effects, failureOf(code), `read ${s.spec.path}: ${name}`);
}

export function onTimeout(s: FtpReadState, now: number): Step {
  const effects: Eff[] = [];
  switch (s.phase) {
    case 'burst': {
      s.stalls++;
      if (s.stalls > s.retries) return finish(s, now, effects, 'timeout', `read ${s.spec.path}: no data for ${s.retries + 1} attempts`);
      if (s.pending) {
        // The burst request (or its first answers) got lost: ask again, same seq.
        transmit(s, now, effects, Math.max(s.timeoutMs, idleMs(s)));
        return { state: s, effects };
      }
      // The burst went quiet without burst_complete (its end was lost): fetch what is missing, and find the
      // end with ReadFile rather than another burst (whose end could be lost the same way).
      s.probeEof = true;
      return next(s, now, effects);
    }
    case 'open':
    case 'reset':
    case 'fill':
      if (s.pending && s.pending.attempts <= s.retries) {
        // Open keeps its seq (a repeat must not open twice); a block read is idempotent: every other
        // resend takes a fresh seq (see retransmitFresh).
        if (s.phase === 'fill' && s.pending.attempts % 2 === 0) retransmitFresh(s, now, effects);
        else transmit(s, now, effects);
        return { state: s, effects };
      }
      return finish(s, now, effects, 'timeout', `${s.phase === 'fill' ? 'read' : s.phase} ${s.spec.path}: no answer after ${s.retries + 1} attempts`);
    case 'terminate':
      if (s.pending && s.pending.attempts <= 2) {
        retransmitFresh(s, now, effects);
        return { state: s, effects };
      }
      // The file is complete; the vehicle closes idle sessions by itself.
      return finish(s, now, effects, undefined, 'not terminated');
    default:
      return { state: s, effects };
  }
}

export function onCancel(s: FtpReadState, now: number): Step {
  if (s.phase === 'done') return { state: s, effects: [] };
  const effects: Eff[] = [];
  if (s.phase !== 'idle') fireAndForget(s, { opcode: Op.TerminateSession }, effects);
  return finish(s, now, effects, 'cancelled', `read ${s.spec.path}: cancelled`);
}

/** The transfer's overall deadline passed (a vehicle that keeps answering but never finishes). */
export function onDeadline(s: FtpReadState, now: number): Step {
  if (s.phase === 'done') return { state: s, effects: [] };
  const effects: Eff[] = [];
  if (s.phase !== 'idle') fireAndForget(s, { opcode: Op.TerminateSession }, effects);
  return finish(s, now, effects, 'timeout', `read ${s.spec.path}: not finished within the transfer's deadline of ${Math.round((now - s.startedAtMs) / 1000)} s (${s.spec.fromOffset + s.have.contiguousFrom(0)} bytes received)`);
}

export const ftpReadMachine = { start, onMessage, onTimeout, onCancel, onDeadline };
