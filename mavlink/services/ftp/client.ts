/**
 * A MAVFTP client for one vehicle: runs the sans-IO machines of read.ts and ops.ts through the driver, one
 * operation at a time (MAVFTP matches replies by seq and session, and ArduPilot serves one request at a
 * time), carrying the sequence number from one operation to the next and a fresh session id per file.
 */
import type { DirEntry } from './protocol.js';
import { createOp, ftpOpMachine, type FtpOpResult, type FtpOpSpec } from './ops.js';
import { ftpReadMachine } from './read.js';
import { createRead, type FtpReadOptions, type FtpReadResult, type FtpReadSpec } from './read-state.js';
import type { FtpFailure, FtpTarget } from './request.js';
import { drive, type DriveOptions, type Running } from '../driver.js';
import { err, ok, type Result } from '../../../common/result.js';

export interface FtpClientOptions extends Omit<DriveOptions, 'onProgress'>, FtpReadOptions {
  target: FtpTarget;
  /** The link's round trip as measured now (read before each operation to set its timeout). */
  currentRttMs?: () => number | undefined;
  /** Overall deadline of one download (default 10 minutes) and of one other operation (default 2 minutes). */
  readDeadlineMs?: number;
  opDeadlineMs?: number;
}

export const FTP_READ_DEADLINE_MS = 10 * 60_000;
export const FTP_OP_DEADLINE_MS = 2 * 60_000;

export class FtpClient {
  private seq = 0;
  private session = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private current: Running<unknown> | undefined;

  constructor(private readonly o: FtpClientOptions) {
    // Start where no earlier client is likely to have left the vehicle's cached reply (a run of the CLI
    // before this one started at the same numbers): seq and session from the clock.
    const t = Math.floor(o.clock.now());
    this.seq = o.seq ?? t & 0xffff;
    this.session = o.session ?? (t >>> 16) & 0xff;
  }

  private run<R extends { nextSeq: number }>(make: () => Running<R>): Promise<R> {
    const go = async (): Promise<R> => {
      const r = make();
      this.current = r;
      const res = await r.result;
      this.current = undefined;
      this.seq = res.nextSeq;
      return res;
    };
    const p = this.tail.then(go, go);
    this.tail = p.catch(() => undefined);
    return p;
  }

  private opts(): FtpReadOptions {
    const rtt = this.o.currentRttMs?.();
    return { ...this.o, ...(rtt !== undefined && this.o.timeoutMs === undefined ? { rttMs: rtt } : {}), seq: this.seq };
  }

  /** Download a file (from `fromOffset` to its end). */
  read(spec: FtpReadSpec, onProgress?: (pct: number) => void): Promise<FtpReadResult> {
    return this.run(() => {
      this.session = (this.session + 1) & 0xff;
      const st = createRead(this.o.target, spec, { ...this.opts(), session: this.session });
      return drive(ftpReadMachine, st, { ...this.o, deadlineMs: this.o.readDeadlineMs ?? FTP_READ_DEADLINE_MS, ...(onProgress ? { onProgress } : {}) });
    });
  }

  op(spec: FtpOpSpec): Promise<FtpOpResult> {
    return this.run(() => {
      if (spec.kind === 'write') this.session = (this.session + 1) & 0xff;
      return drive(ftpOpMachine, createOp(this.o.target, spec, { ...this.opts(), session: this.session }), { ...this.o, deadlineMs: this.o.opDeadlineMs ?? FTP_OP_DEADLINE_MS });
    });
  }

  async list(path: string): Promise<Result<DirEntry[], FtpFailure>> {
    const r = await this.op({ kind: 'list', path });
    return r.ok ? ok(r.entries ?? []) : err(r.failure, r.reason);
  }

  async crc32(path: string): Promise<Result<number, FtpFailure>> {
    const r = await this.op({ kind: 'crc32', path });
    return r.ok ? ok(r.crc32 ?? 0) : err(r.failure, r.reason);
  }

  async remove(path: string): Promise<Result<void, FtpFailure>> {
    const r = await this.op({ kind: 'remove', path });
    return r.ok ? ok(undefined) : err(r.failure, r.reason);
  }

  async write(path: string, data: Uint8Array): Promise<Result<number, FtpFailure>> {
    const r = await this.op({ kind: 'write', path, data });
    return r.ok ? ok(r.written ?? 0) : err(r.failure, r.reason);
  }

  async reset(): Promise<Result<void, FtpFailure>> {
    const r = await this.op({ kind: 'reset' });
    return r.ok ? ok(undefined) : err(r.failure, r.reason);
  }

  /** Cancel the operation in progress (queued ones still run). */
  cancel(): void {
    this.current?.cancel();
  }
}
