/**
 * What one MAVFTP download holds, apart from how it talks: what it was asked for (spec, options, limits), its
 * state and statistics, the bytes received (kept only within the reach of what we hold, so a hostile reply
 * cannot make us allocate gigabytes), the end of the file once known, and the result it hands back.
 * The protocol steps that fill it are in read.ts.
 */
import { FTP_DATA_MAX } from './protocol.js';
import { RangeSet } from './ranges.js';
import { baseState, type FtpBase, type FtpFailure, type FtpOptions, type FtpTarget } from './request.js';

export interface FtpReadSpec {
  path: string;
  /** Start here (resume); bytes before are not fetched. Default 0. */
  fromOffset?: number;
  /** Bytes per block (≤ 239). Default 239: ArduPilot pads param.pck to this size. */
  readSize?: number;
  /** Use BurstReadFile (default) or only ReadFile, block by block. */
  burst?: boolean;
}

export interface FtpReadOptions extends FtpOptions {
  /** Idle time within a burst before it is considered over. Default: the request timeout. */
  burstIdleMs?: number;
  /**
   * The largest file this download accepts (bytes from `fromOffset`). Default 256 MiB: more than any file an
   * autopilot serves over MAVFTP (a dataflash log over a radio is hours per megabyte).
   */
  maxBytes?: number;
}

/**
 * How far beyond the end of what we hold a reply may reach. A real
 * vehicle's blocks follow each other (a burst of 239-byte blocks, a lost run refilled); a reply far past
 * them is a broken or hostile vehicle, and storing it would allocate up to 4 GiB for one packet.
 */
export const FTP_REACH_BYTES = 256 * FTP_DATA_MAX;
export const FTP_MAX_BYTES = 256 * 1024 * 1024;

export interface FtpReadStats {
  sent: number;
  resent: number;
  bursts: number;
  packets: number;
  duplicates: number;
  gapReads: number;
  reopens: number;
  elapsedMs: number;
  rttMs: number | undefined;
}

export type FtpReadResult =
  | { ok: true; path: string; fromOffset: number; data: Uint8Array; sizeAtOpen: number | undefined; stats: FtpReadStats; nextSeq: number; terminated: boolean }
  | { ok: false; path: string; fromOffset: number; data: Uint8Array; sizeAtOpen: number | undefined; stats: FtpReadStats; nextSeq: number; failure: FtpFailure; reason: string };

export type ReadPhase = 'idle' | 'open' | 'reset' | 'burst' | 'fill' | 'terminate' | 'done';

export interface FtpReadState extends FtpBase {
  spec: Required<FtpReadSpec>;
  phase: ReadPhase;
  burstIdleMs: number;
  maxBytes: number;
  /** A reply out of the file's bounds: the transfer ends with bad-data and this reason. */
  outOfBounds: string | undefined;
  buf: Uint8Array;
  have: RangeSet;
  eofAt: number | undefined;
  sizeAtOpen: number | undefined;
  burstOffset: number;
  burstSeq: number;
  stalls: number;
  /** A burst ended with EOF at an uncertain offset: probe with ReadFile from what we hold. */
  probeEof: boolean;
  /** Arrival of the last burst block, and the smoothed interval between blocks (the vehicle's pace). */
  lastBurstAtMs: number | undefined;
  burstGapMs: number | undefined;
  resetDone: boolean;
  lastPct: number;
  stats: FtpReadStats;
}

export function createRead(target: FtpTarget, spec: FtpReadSpec, o: FtpReadOptions = {}): FtpReadState {
  const base = baseState(target, o);
  return {
    ...base,
    spec: { path: spec.path, fromOffset: spec.fromOffset ?? 0, readSize: Math.min(FTP_DATA_MAX, Math.max(1, spec.readSize ?? FTP_DATA_MAX)), burst: spec.burst ?? true },
    phase: 'idle',
    burstIdleMs: o.burstIdleMs ?? base.timeoutMs,
    maxBytes: Math.max(0, Math.min(FTP_MAX_BYTES, o.maxBytes ?? FTP_MAX_BYTES)),
    outOfBounds: undefined,
    buf: new Uint8Array(64 * 1024),
    have: new RangeSet(),
    eofAt: undefined,
    sizeAtOpen: undefined,
    burstOffset: 0,
    burstSeq: 0,
    stalls: 0,
    probeEof: false,
    lastBurstAtMs: undefined,
    burstGapMs: undefined,
    resetDone: false,
    lastPct: -1,
    stats: { sent: 0, resent: 0, bursts: 0, packets: 0, duplicates: 0, gapReads: 0, reopens: 0, elapsedMs: 0, rttMs: undefined },
  };
}

/** Keep a block; false (and `outOfBounds` set) when it lies beyond any file this vehicle could be sending. */
export function store(s: FtpReadState, offset: number, data: Uint8Array): boolean {
  const rel = offset - s.spec.fromOffset;
  if (rel < 0 || data.length === 0) return true;
  const end = rel + data.length;
  // The size given at open is an estimate (and the vehicle's word): it grants no reach of its own.
  const reach = s.have.high + FTP_REACH_BYTES;
  if (end > reach || end > s.maxBytes) {
    s.outOfBounds =
      end > reach
        ? `read ${s.spec.path}: reply at offset ${offset} is beyond the file (size at open ${s.sizeAtOpen ?? 'unknown'}, ${s.spec.fromOffset + s.have.high} bytes received): a broken or hostile vehicle`
        : `read ${s.spec.path}: reply at offset ${offset} is beyond the ${s.maxBytes}-byte limit of a download`;
    return false;
  }
  if (end > s.buf.length) {
    let cap = s.buf.length;
    while (cap < end) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(s.buf.subarray(0, s.have.high));
    s.buf = nb;
  }
  const fresh = s.have.add(rel, end);
  if (fresh === 0) s.stats.duplicates++;
  // Overlapping copies hold the same file bytes; writing them again is harmless.
  s.buf.set(data, rel);
  return true;
}

export function result(s: FtpReadState, now: number, failure?: FtpFailure, reason?: string): FtpReadResult {
  const stats = { ...s.stats, sent: s.sent, resent: s.resent, elapsedMs: now - s.startedAtMs, rttMs: s.rttMs };
  const common = { path: s.spec.path, fromOffset: s.spec.fromOffset, sizeAtOpen: s.sizeAtOpen, stats, nextSeq: s.seq };
  if (failure) return { ok: false, ...common, data: s.buf.slice(0, s.have.contiguousFrom(0)), failure, reason: reason ?? failure };
  return { ok: true, ...common, data: s.buf.slice(0, s.eofAt! - s.spec.fromOffset), terminated: reason === undefined };
}

/** The end of the file, once a short block or an EOF NAK has said where it is (the nearest claim wins). */
export function setEof(s: FtpReadState, at: number): void {
  s.eofAt = s.eofAt === undefined ? at : Math.min(s.eofAt, at);
  if (s.eofAt < s.spec.fromOffset) s.eofAt = s.spec.fromOffset;
}
