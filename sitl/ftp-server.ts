/**
 * The MAVFTP server of the simulated drone, after ArduPilot's GCS_FTP worker (4.7):
 *  - Requests are served one at a time, in order; a burst occupies the worker until its last packet.
 *  - Sessions are chosen by the client (the id is echoed); up to MAX_SESSIONS per vehicle, an idle one
 *    (no send for SESSION_TIMEOUT_MS) is reused, else NAK NoSessionsAvailable. ResetSessions closes all
 *    sessions of that client and is always ACKed.
 *  - A repeated request (same seq as the last one answered) gets the cached last reply again.
 *  - Replies: seq = request seq + 1, session and req_opcode echoed; NAK data[0] = error code.
 *  - BurstReadFile: up to 2000 blocks of `size` bytes from the offset, the last with burst_complete = 1; a
 *    short block ends the file with burst_complete = 1 and is followed by NAK EOF at the end offset. On a link
 *    without flow control a burst uses at most 1/3 of the bandwidth (`burst_delay_ms = 3000·pkt/bw`); with
 *    flow control it takes 80 % of the link (it waits for tx space, which telemetry shares); with no bandwidth
 *    known, the captured TCP pace (5.4 ms a block).
 *  - One open file per session; ListDirectory offsets count entries; entries end with two NULs.
 */
import { common } from 'mavlink-mappings';
import type { Clock } from '../common/clock.js';
import type { MavLinkData } from '../mavlink/codec/messages.js';
import {
  FTP_DATA_MAX, FtpError, Op, decodeFtp, encodeDirEntry, ftpCrc32, ftpMessage, text, type FtpPayload,
} from '../mavlink/services/ftp/protocol.js';
import type { SimFiles } from './ftp-files.js';
import type { SimLink } from './link.js';

export interface RadioModel {
  /** Bytes per second (baud / 10); undefined = a fast link (TCP, USB). */
  bytesPerSecond?: number | undefined;
  /** RTS/CTS flow control (e.g. an RFD900 wired with it): no 1/3 pacing of bursts. */
  flowControl?: boolean;
}

export interface FtpHost {
  readonly clock: Clock;
  readonly radio: RadioModel;
  sendOn(link: SimLink, msg: MavLinkData, peer?: string): void;
}

export const MAX_SESSIONS = 4;
export const SESSION_TIMEOUT_MS = 3000;
export const BURST_MAX_BLOCKS = 2000;
/** Share of a flow-controlled link a burst takes; the rest is left to telemetry. */
export const FLOW_CONTROL_SHARE = 0.8;
/** Captured over TCP: 63 blocks in 0.34 s. */
const FAST_BLOCK_MS = 5.4;
/** MAVLink 2 framing (12) + FILE_TRANSFER_PROTOCOL payload (254). */
const FTP_FRAME_BYTES = 266;

interface OpenFile {
  path: string;
  bytes: Uint8Array;
  mode: 'read' | 'write';
}

interface Session {
  id: number;
  sysid: number;
  compid: number;
  link: SimLink;
  file: OpenFile | undefined;
  lastSendMs: number;
}

interface Job {
  link: SimLink;
  peer: string | undefined;
  sysid: number;
  compid: number;
  req: FtpPayload;
}

interface LastReply {
  sysid: number;
  compid: number;
  session: number;
  seq: number;
  payload: Partial<FtpPayload> & { opcode: number };
  noSessions: boolean;
}

type Reply = Partial<FtpPayload> & { opcode: number };

export class FtpServer {
  private readonly sessions: Session[] = [];
  private readonly queue: Job[] = [];
  private busy = false;
  private stopped = false;
  private last: LastReply | undefined;
  /** Requests served, bursts and blocks sent (tests, benches). */
  readonly stats = { requests: 0, bursts: 0, blocks: 0, repeats: 0 };

  constructor(
    private readonly host: FtpHost,
    private readonly files: SimFiles,
  ) {}

  onMessage(link: SimLink, peer: string | undefined, fromSysid: number, fromCompid: number, m: common.FileTransferProtocol): void {
    this.queue.push({ link, peer, sysid: fromSysid, compid: fromCompid, req: decodeFtp(m.payload) });
    this.work();
  }

  private work(): void {
    while (!this.busy && this.queue.length > 0) this.serve(this.queue.shift()!);
  }

  private send(job: Job, r: Reply, seq: number): void {
    this.host.sendOn(job.link, ftpMessage(job.sysid, job.compid, { ...r, seq }), job.peer);
  }

  private reply(job: Job, r: Reply, session: Session | undefined): void {
    const seq = (job.req.seq + 1) & 0xffff;
    const full: Reply = { session: job.req.session, reqOpcode: job.req.opcode, ...r };
    this.last = { sysid: job.sysid, compid: job.compid, session: job.req.session, seq, payload: full, noSessions: r.opcode === Op.Nak && r.data?.[0] === FtpError.NoSessionsAvailable };
    if (session) session.lastSendMs = this.host.clock.now();
    this.send(job, full, seq);
  }

  private nak(job: Job, code: number, session: Session | undefined): void {
    this.reply(job, { opcode: Op.Nak, data: Uint8Array.of(code), size: 1 }, session);
  }

  private serve(job: Job): void {
    const { req } = job;
    this.stats.requests++;
    const now = this.host.clock.now();
    if (req.opcode === Op.ResetSessions) {
      for (let i = this.sessions.length - 1; i >= 0; i--) {
        const s = this.sessions[i]!;
        if (s.sysid === job.sysid && s.compid === job.compid && s.link === job.link) this.sessions.splice(i, 1);
      }
      this.reply(job, { opcode: Op.Ack, size: 0 }, undefined);
      return;
    }
    let session = this.sessions.find((s) => s.sysid === job.sysid && s.compid === job.compid && s.link === job.link && s.id === req.session);
    if (!session) {
      if (this.sessions.length >= MAX_SESSIONS) {
        let oldest = this.sessions[0]!;
        for (const s of this.sessions) if (s.lastSendMs < oldest.lastSendMs) oldest = s;
        if (now - oldest.lastSendMs < SESSION_TIMEOUT_MS) {
          this.nak(job, FtpError.NoSessionsAvailable, undefined);
          return;
        }
        this.sessions.splice(this.sessions.indexOf(oldest), 1);
      }
      session = { id: req.session, sysid: job.sysid, compid: job.compid, link: job.link, file: undefined, lastSendMs: 0 };
      this.sessions.push(session);
    }
    const last = this.last;
    if (last && last.sysid === job.sysid && last.compid === job.compid && last.session === req.session && last.seq === ((req.seq + 1) & 0xffff) && !last.noSessions) {
      this.stats.repeats++;
      this.send(job, last.payload, last.seq);
      return;
    }
    this.handle(job, session);
  }

  private handle(job: Job, s: Session): void {
    const { req } = job;
    const path = text(req.data);
    const files = this.files;
    const ack = (extra: Partial<FtpPayload> = {}): void => this.reply(job, { opcode: Op.Ack, size: 0, ...extra }, s);
    const fail = (f: 'not-found' | 'protected' | 'exists' | undefined): boolean => {
      if (!f) return false;
      this.nak(job, f === 'not-found' ? FtpError.FileNotFound : f === 'exists' ? FtpError.FileExists : FtpError.Fail, s);
      return true;
    };
    switch (req.opcode) {
      case Op.None:
        return ack();
      case Op.TerminateSession:
        s.file = undefined;
        this.sessions.splice(this.sessions.indexOf(s), 1);
        return this.reply(job, { opcode: Op.Ack, size: 0 }, undefined);
      case Op.ListDirectory: {
        const entries = files.list(path);
        if (!entries) return this.nak(job, FtpError.FileNotFound, s);
        if (req.offset >= entries.length) return this.nak(job, FtpError.EOF, s);
        const out = new Uint8Array(FTP_DATA_MAX);
        let n = 0;
        for (let i = req.offset; i < entries.length; i++) {
          const e = encodeDirEntry(entries[i]!);
          if (n + e.length > FTP_DATA_MAX) break;
          out.set(e, n);
          n += e.length;
        }
        return ack({ data: out.subarray(0, n), size: n, offset: req.offset });
      }
      case Op.OpenFileRO: {
        if (s.file) return this.nak(job, FtpError.Fail, s);
        const f = files.open(path);
        if (!f) return this.nak(job, FtpError.FileNotFound, s);
        s.file = { path, bytes: f.bytes, mode: 'read' };
        const size = f.reportedSize >>> 0;
        return ack({ data: Uint8Array.of(size & 0xff, (size >>> 8) & 0xff, (size >>> 16) & 0xff, size >>> 24), size: 4 });
      }
      case Op.ReadFile: {
        if (!s.file) return this.nak(job, FtpError.FileNotFound, s);
        if (s.file.mode !== 'read') return this.nak(job, FtpError.Fail, s);
        const b = s.file.bytes;
        if (req.offset >= b.length) return this.nak(job, FtpError.EOF, s);
        const chunk = b.subarray(req.offset, req.offset + Math.min(FTP_DATA_MAX, req.size || FTP_DATA_MAX));
        return ack({ data: chunk, size: chunk.length, offset: req.offset });
      }
      case Op.BurstReadFile:
        if (!s.file) return this.nak(job, FtpError.FileNotFound, s);
        if (s.file.mode !== 'read') return this.nak(job, FtpError.Fail, s);
        return this.burst(job, s, s.file.bytes);
      case Op.CreateFile:
      case Op.OpenFileWO: {
        if (s.file) return this.nak(job, FtpError.Fail, s);
        if (req.opcode === Op.CreateFile ? fail(files.create(path)) : !files.open(path) && fail('not-found')) return;
        s.file = { path, bytes: new Uint8Array(0), mode: 'write' };
        return ack();
      }
      case Op.WriteFile: {
        if (!s.file) return this.nak(job, FtpError.FileNotFound, s);
        if (s.file.mode !== 'write') return this.nak(job, FtpError.Fail, s);
        if (fail(files.write(s.file.path, req.offset, req.data))) return;
        return ack({ offset: req.offset });
      }
      case Op.RemoveFile:
        if (fail(files.remove(path))) return;
        return ack();
      case Op.CreateDirectory:
        if (fail(files.mkdir(path))) return;
        return ack();
      case Op.CalcFileCRC32: {
        const f = files.open(path);
        if (!f) return this.nak(job, FtpError.FileNotFound, s);
        const c = ftpCrc32(f.bytes);
        return ack({ data: Uint8Array.of(c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24), size: 4 });
      }
      default:
        return this.nak(job, FtpError.Fail, s);
    }
  }

  /** Milliseconds between burst blocks on this link. */
  blockIntervalMs(readSize: number): number {
    const bw = this.host.radio.bytesPerSecond;
    if (bw === undefined || bw <= 0) return FAST_BLOCK_MS;
    const pkt = FTP_FRAME_BYTES - (FTP_DATA_MAX - readSize);
    const wire = (pkt * 1000) / bw;
    // With flow control the burst waits for tx space, which the telemetry streams share: 80 % of the link
    // (the memory link has no tx buffer to fill, so the share is modelled here).
    if (this.host.radio.flowControl) return wire / FLOW_CONTROL_SHARE;
    return Math.max(wire, Math.floor((3000 * pkt) / bw));
  }

  private burst(job: Job, s: Session, bytes: Uint8Array): void {
    const { req } = job;
    const maxRead = req.size === 0 ? FTP_DATA_MAX : Math.min(FTP_DATA_MAX, req.size);
    const interval = this.blockIntervalMs(maxRead);
    let seq = (req.seq + 1) & 0xffff;
    let i = 0;
    // ArduPilot reuses one reply struct: the EOF NAK carries the offset of the last block sent, moved to
    // its end if it was short, and 0 when the very first read is empty.
    let nakOffset = 0;
    this.busy = true;
    this.stats.bursts++;
    const base = { session: req.session, reqOpcode: Op.BurstReadFile };
    const step = (): void => {
      if (this.stopped) return;
      const offset = req.offset + i * maxRead;
      const chunk = offset < bytes.length ? bytes.subarray(offset, offset + maxRead) : new Uint8Array(0);
      let end = false;
      if (chunk.length === 0) {
        // Read returned nothing: NAK EOF (its offset is that of the short block's end, or 0 on a first read).
        const r: Reply = { ...base, opcode: Op.Nak, data: Uint8Array.of(FtpError.EOF), size: 1, offset: nakOffset, burstComplete: i > 0 };
        this.sendCached(job, s, r, seq);
        end = true;
      } else {
        const complete = chunk.length < maxRead || i === BURST_MAX_BLOCKS - 1;
        this.stats.blocks++;
        this.sendCached(job, s, { ...base, opcode: Op.Ack, data: chunk, size: chunk.length, offset, burstComplete: complete }, seq);
        nakOffset = chunk.length < maxRead ? offset + chunk.length : offset;
        seq = (seq + 1) & 0xffff;
        i++;
        // After a short block ArduPilot's loop reads again and sends the EOF NAK; a full last block ends it.
        if (i === BURST_MAX_BLOCKS && chunk.length === maxRead) end = true;
      }
      if (end) {
        this.busy = false;
        this.work();
        return;
      }
      this.host.clock.setTimeout(step, interval);
    };
    step();
  }

  /** Stop serving (the drone stopped): a running burst ends, queued requests are dropped. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private sendCached(job: Job, s: Session, r: Reply, seq: number): void {
    this.last = { sysid: job.sysid, compid: job.compid, session: job.req.session, seq, payload: r, noSessions: false };
    s.lastSendMs = this.host.clock.now();
    this.send(job, r, seq);
  }
}
