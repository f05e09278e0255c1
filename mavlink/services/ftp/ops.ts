/**
 * The other MAVFTP operations as sans-IO machines: list a directory, write a file, and single requests
 * (remove, CRC32, create directory, reset sessions).
 *
 *  list:   LIST(offset 0) ──ACK entries──► LIST(offset + entries) … ──NAK EOF──► DONE(entries)
 *                         └─NAK FileNotFound (ArduPilot: @PARAM, @MISSION) ──────► DONE(not-found)
 *  write:  CREATE ──ACK──► WRITE(0) ──ACK──► WRITE(239) … ──last ACK──► TERMINATE ──► DONE
 *  single: REQUEST ──ACK──► DONE(ok, data) │ NAK ──► DONE(failure)
 *  Every request is resent with the same seq on timeout (the vehicle resends its cached reply to a
 *  repeated seq); `retries` resends without an answer → DONE(timeout). cancel → DONE(cancelled)
 *  (an open write session is terminated, not awaited).
 */
import type { DriverEffect, MachineStep } from '../driver.js';
import type { Inbound } from '../command.js';
import { FTP_DATA_MAX, FtpError, Op, nakError, parseDirEntries, pathBytes, type DirEntry, type FtpPayload } from './protocol.js';
import {
  answersPending, baseState, failureOf, fireAndForget, ftpFrom, request, retransmitFresh, staleReply, transmit,
  type FtpBase, type FtpFailure, type FtpOptions, type FtpTarget,
} from './request.js';

export type FtpOpSpec =
  | { kind: 'list'; path: string }
  | { kind: 'write'; path: string; data: Uint8Array }
  | { kind: 'remove'; path: string }
  | { kind: 'crc32'; path: string }
  | { kind: 'mkdir'; path: string }
  | { kind: 'reset' };

export interface FtpOpStats {
  sent: number;
  resent: number;
  elapsedMs: number;
  rttMs: number | undefined;
}

export type FtpOpResult =
  | { ok: true; kind: FtpOpSpec['kind']; entries?: DirEntry[]; crc32?: number; written?: number; stats: FtpOpStats; nextSeq: number }
  | { ok: false; kind: FtpOpSpec['kind']; failure: FtpFailure; reason: string; stats: FtpOpStats; nextSeq: number };

export interface FtpOpState extends FtpBase {
  spec: FtpOpSpec;
  phase: 'idle' | 'request' | 'create' | 'write' | 'terminate' | 'done';
  entries: DirEntry[];
  listOffset: number;
  written: number;
}

type Step = MachineStep<FtpOpState, FtpOpResult>;
type Eff = DriverEffect<FtpOpResult>;

export function createOp(target: FtpTarget, spec: FtpOpSpec, o: FtpOptions = {}): FtpOpState {
  return { ...baseState(target, o), spec, phase: 'idle', entries: [], listOffset: 0, written: 0 };
}

function what(s: FtpOpState): string {
  return s.spec.kind === 'reset' ? 'reset sessions' : `${s.spec.kind} ${s.spec.path}`;
}

function finish(s: FtpOpState, now: number, effects: Eff[], extra: { failure?: FtpFailure; reason?: string; crc32?: number } = {}): Step {
  s.phase = 'done';
  s.done = true;
  s.pending = undefined;
  const stats = { sent: s.sent, resent: s.resent, elapsedMs: now - s.startedAtMs, rttMs: s.rttMs };
  const kind = s.spec.kind;
  const r: FtpOpResult = extra.failure
    ? { ok: false, kind, failure: extra.failure, reason: extra.reason ?? extra.failure, stats, nextSeq: s.seq }
    : {
        ok: true,
        kind,
        stats,
        nextSeq: s.seq,
        ...(kind === 'list' ? { entries: s.entries } : {}),
        ...(extra.crc32 !== undefined ? { crc32: extra.crc32 } : {}),
        ...(kind === 'write' ? { written: s.written } : {}),
      };
  effects.push({ type: 'done', result: r });
  return { state: s, effects };
}

function pathReq(opcode: number, path: string, extra: Partial<FtpPayload> = {}): Partial<FtpPayload> & { opcode: number } {
  const data = pathBytes(path);
  return { opcode, data, size: data.length, ...extra };
}

function writeNext(s: FtpOpState, now: number, effects: Eff[]): Step {
  const spec = s.spec as Extract<FtpOpSpec, { kind: 'write' }>;
  if (s.written >= spec.data.length) {
    s.phase = 'terminate';
    request(s, { opcode: Op.TerminateSession }, now, effects);
    return { state: s, effects };
  }
  s.phase = 'write';
  const chunk = spec.data.subarray(s.written, s.written + FTP_DATA_MAX);
  request(s, { opcode: Op.WriteFile, offset: s.written, data: chunk, size: chunk.length }, now, effects);
  return { state: s, effects };
}

export function start(s: FtpOpState, now: number): Step {
  if (s.phase !== 'idle') return { state: s, effects: [] };
  s.startedAtMs = now;
  const effects: Eff[] = [];
  const sp = s.spec;
  switch (sp.kind) {
    case 'list':
      s.phase = 'request';
      request(s, pathReq(Op.ListDirectory, sp.path, { offset: 0 }), now, effects);
      break;
    case 'write':
      s.phase = 'create';
      request(s, pathReq(Op.CreateFile, sp.path), now, effects);
      break;
    case 'remove':
      s.phase = 'request';
      request(s, pathReq(Op.RemoveFile, sp.path), now, effects);
      break;
    case 'crc32':
      s.phase = 'request';
      request(s, pathReq(Op.CalcFileCRC32, sp.path), now, effects);
      break;
    case 'mkdir':
      s.phase = 'request';
      request(s, pathReq(Op.CreateDirectory, sp.path), now, effects);
      break;
    case 'reset':
      s.phase = 'request';
      request(s, { opcode: Op.ResetSessions }, now, effects);
      break;
  }
  return { state: s, effects };
}

export function onMessage(s: FtpOpState, m: Inbound, now: number): Step {
  if (s.phase === 'done' || s.phase === 'idle') return { state: s, effects: [] };
  const p = ftpFrom(s, m);
  if (!p) return { state: s, effects: [] };
  const effects: Eff[] = [];
  if (staleReply(s, p)) {
    retransmitFresh(s, now, effects);
    return { state: s, effects };
  }
  if (!answersPending(s, p, now)) return { state: s, effects: [] };
  const sp = s.spec;
  if (p.opcode === Op.Nak) {
    const e = nakError(p);
    if (sp.kind === 'list' && e.code === FtpError.EOF) return finish(s, now, effects);
    if (s.phase === 'terminate') return finish(s, now, effects);
    return finish(s, now, effects, { failure: failureOf(e.code), reason: `${what(s)}: ${e.name}` });
  }
  switch (sp.kind) {
    case 'list': {
      const got = parseDirEntries(p.data);
      if (got.length === 0) return finish(s, now, effects);
      s.listOffset += got.length;
      for (const e of got) if (e.kind !== 'skip') s.entries.push(e);
      request(s, pathReq(Op.ListDirectory, sp.path, { offset: s.listOffset }), now, effects);
      return { state: s, effects };
    }
    case 'write':
      if (s.phase === 'write') s.written += s.spec.kind === 'write' ? Math.min(FTP_DATA_MAX, sp.data.length - s.written) : 0;
      if (s.phase === 'terminate') return finish(s, now, effects);
      return writeNext(s, now, effects);
    case 'crc32': {
      const d = p.data;
      const crc = d.length >= 4 ? (d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24)) >>> 0 : 0;
      return finish(s, now, effects, { crc32: crc });
    }
    default:
      return finish(s, now, effects);
  }
}

export function onTimeout(s: FtpOpState, now: number): Step {
  if (s.phase === 'done' || s.phase === 'idle' || !s.pending) return { state: s, effects: [] };
  const effects: Eff[] = [];
  if (s.pending.attempts <= s.retries) {
    transmit(s, now, effects);
    return { state: s, effects };
  }
  if (s.phase === 'terminate') return finish(s, now, effects);
  return finish(s, now, effects, { failure: 'timeout', reason: `${what(s)}: no answer after ${s.retries + 1} attempts` });
}

export function onCancel(s: FtpOpState, now: number): Step {
  if (s.phase === 'done') return { state: s, effects: [] };
  const effects: Eff[] = [];
  if (s.phase === 'write' || s.phase === 'terminate') fireAndForget(s, { opcode: Op.TerminateSession }, effects);
  return finish(s, now, effects, { failure: 'cancelled', reason: `${what(s)}: cancelled` });
}

export function onDeadline(s: FtpOpState, now: number): Step {
  if (s.phase === 'done') return { state: s, effects: [] };
  const effects: Eff[] = [];
  if (s.phase === 'write' || s.phase === 'terminate') fireAndForget(s, { opcode: Op.TerminateSession }, effects);
  return finish(s, now, effects, { failure: 'timeout', reason: `${what(s)}: not finished within the transfer's deadline` });
}

export const ftpOpMachine = { start, onMessage, onTimeout, onCancel, onDeadline };
