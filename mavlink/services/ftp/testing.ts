/**
 * A scripted MAVFTP vehicle for the machine tests: serves files from memory the way ArduPilot 4.7 does
 * (bursts to EOF with the EOF NAK's offset rules, cached reply to a repeated seq, one file per session,
 * FileNotFound listings for @PARAM/@MISSION) and lets a test drop, duplicate or reorder replies. Machines
 * run synchronously against it on a simulated time line: `runFtp` returns the result and every request sent.
 */
import type { Inbound } from '../command.js';
import type { DriverEffect, Machine, MachineStep } from '../driver.js';
import { FTP_DATA_MAX, FtpError, Op, decodeFtp, encodeDirEntry, ftpCrc32, ftpMessage, text, type DirEntry, type FtpPayload } from './protocol.js';

export interface ScriptedFiles {
  files: Record<string, Uint8Array>;
  dirs?: Record<string, DirEntry[]>;
  /** Size reported at open (default: the real size). */
  reported?: Record<string, number>;
}

export interface Faults {
  /** Drop the n-th request (1-based, counted over all requests) before the vehicle sees it. */
  dropRequest?: (req: FtpPayload, n: number) => boolean;
  /** Drop a reply (n counts replies, 1-based). */
  dropReply?: (reply: FtpPayload, n: number) => boolean;
  /** Send a reply twice. */
  duplicateReply?: (reply: FtpPayload, n: number) => boolean;
  /** Change a reply before it is sent (a broken or hostile vehicle). */
  rewriteReply?: (reply: FtpPayload, n: number) => FtpPayload;
  /** Answer this request with this NAK code instead (once per call returning a code). */
  nak?: (req: FtpPayload) => number | undefined;
}

export class ScriptedVehicle {
  private open = new Map<number, { bytes: Uint8Array; path?: string }>();
  private last: { seq: number; session: number; replies: FtpPayload[] } | undefined;
  requests: FtpPayload[] = [];
  constructor(readonly fs: ScriptedFiles) {}

  handle(req: FtpPayload): FtpPayload[] {
    this.requests.push(req);
    const base = { session: req.session, reqOpcode: req.opcode, burstComplete: false, offset: 0, data: new Uint8Array(0), size: 0 };
    if (this.last && this.last.session === req.session && this.last.seq === ((req.seq + 1) & 0xffff)) return this.last.replies;
    const ack = (p: Partial<FtpPayload> = {}): FtpPayload => ({ ...base, seq: (req.seq + 1) & 0xffff, opcode: Op.Ack, ...p, size: p.data?.length ?? 0 });
    const nak = (code: number, offset = 0): FtpPayload => ({ ...base, seq: (req.seq + 1) & 0xffff, opcode: Op.Nak, data: Uint8Array.of(code), size: 1, offset });
    let out: FtpPayload[];
    const path = text(req.data);
    const f = this.open.get(req.session);
    switch (req.opcode) {
      case Op.ResetSessions:
        this.open.clear();
        out = [ack()];
        break;
      case Op.TerminateSession:
        this.open.delete(req.session);
        out = [ack()];
        break;
      case Op.ListDirectory: {
        const d = this.fs.dirs?.[path];
        if (!d) out = [nak(FtpError.FileNotFound)];
        else if (req.offset >= d.length) out = [nak(FtpError.EOF)];
        else {
          const parts: number[] = [];
          for (const e of d.slice(req.offset)) {
            const b = encodeDirEntry(e);
            if (parts.length + b.length > FTP_DATA_MAX) break;
            parts.push(...b);
          }
          out = [ack({ data: Uint8Array.from(parts), offset: req.offset })];
        }
        break;
      }
      case Op.OpenFileRO: {
        const bytes = this.fs.files[path.split('?')[0]!] ?? this.fs.files[path];
        if (f) out = [nak(FtpError.Fail)];
        else if (!bytes) out = [nak(FtpError.FileNotFound)];
        else {
          this.open.set(req.session, { bytes });
          const size = this.fs.reported?.[path] ?? bytes.length;
          out = [ack({ data: Uint8Array.of(size & 0xff, (size >> 8) & 0xff, (size >> 16) & 0xff, size >>> 24) })];
        }
        break;
      }
      case Op.ReadFile:
        if (!f) out = [nak(FtpError.FileNotFound)];
        else if (req.offset >= f.bytes.length) out = [nak(FtpError.EOF)];
        else out = [ack({ data: f.bytes.slice(req.offset, req.offset + req.size), offset: req.offset })];
        break;
      case Op.BurstReadFile: {
        if (!f) {
          out = [nak(FtpError.FileNotFound)];
          break;
        }
        out = [];
        let seq = (req.seq + 1) & 0xffff;
        let nakOffset = 0;
        for (let i = 0; i < 2000; i++) {
          const off = req.offset + i * req.size;
          const chunk = f.bytes.slice(off, off + req.size);
          if (chunk.length === 0) {
            out.push({ ...nak(FtpError.EOF, nakOffset), seq, burstComplete: i > 0 });
            break;
          }
          out.push({ ...ack({ data: chunk, offset: off }), seq, burstComplete: chunk.length < req.size || i === 1999 });
          nakOffset = chunk.length < req.size ? off + chunk.length : off;
          seq = (seq + 1) & 0xffff;
        }
        break;
      }
      case Op.CalcFileCRC32: {
        const bytes = this.fs.files[path];
        const c = bytes ? ftpCrc32(bytes) : 0;
        out = bytes ? [ack({ data: Uint8Array.of(c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24) })] : [nak(FtpError.FileNotFound)];
        break;
      }
      case Op.CreateFile:
        this.fs.files[path] = new Uint8Array(0);
        this.open.set(req.session, { bytes: new Uint8Array(0), path });
        out = [ack()];
        break;
      case Op.WriteFile: {
        const o = this.open.get(req.session);
        if (!o?.path) {
          out = [nak(FtpError.FileNotFound)];
          break;
        }
        const cur = this.fs.files[o.path]!;
        const next = new Uint8Array(Math.max(cur.length, req.offset + req.size));
        next.set(cur);
        next.set(req.data, req.offset);
        this.fs.files[o.path] = next;
        out = [ack({ offset: req.offset })];
        break;
      }
      case Op.RemoveFile:
        if (this.fs.files[path]) {
          delete this.fs.files[path];
          out = [ack()];
        } else out = [nak(FtpError.FileNotFound)];
        break;
      default:
        out = [nak(FtpError.Fail)];
    }
    // Like ArduPilot, only the last reply is kept for a repeated request.
    this.last = { seq: out.at(-1)!.seq, session: req.session, replies: [out.at(-1)!] };
    return out;
  }
}

export interface RunOutcome<R> {
  result: R | undefined;
  sent: FtpPayload[];
  nowMs: number;
  timeouts: number;
}

/** Run a machine against a scripted vehicle with one-way latency `latencyMs`; bounded by `maxMs`. */
export function runFtp<S, R>(machine: Machine<S, R>, state: S, v: ScriptedVehicle, faults: Faults = {}, o: { latencyMs?: number; maxMs?: number; cancelAtMs?: number } = {}): RunOutcome<R> {
  const lat = o.latencyMs ?? 10;
  let now = 0;
  let timerAt: number | undefined;
  let result: R | undefined;
  let timeouts = 0;
  const sent: FtpPayload[] = [];
  const inbox: { at: number; p: FtpPayload }[] = [];
  let nReq = 0;
  let nRep = 0;
  let cancelled = false;
  const apply = (step: MachineStep<S, R>): void => {
    state = step.state;
    for (const e of step.effects as DriverEffect<R>[]) {
      if (e.type === 'send') {
        const req = decodeFtp((e.message as unknown as { payload: number[] }).payload);
        sent.push(req);
        nReq++;
        if (faults.dropRequest?.(req, nReq)) continue;
        const forced = faults.nak?.(req);
        const replies = forced !== undefined
          ? [{ seq: (req.seq + 1) & 0xffff, session: req.session, opcode: Op.Nak, size: 1, reqOpcode: req.opcode, burstComplete: false, offset: 0, data: Uint8Array.of(forced) }]
          : v.handle(req);
        let k = 0;
        for (const r0 of replies) {
          nRep++;
          const r = faults.rewriteReply ? faults.rewriteReply(r0, nRep) : r0;
          if (faults.dropReply?.(r, nRep)) continue;
          inbox.push({ at: now + 2 * lat + k++, p: r });
          if (faults.duplicateReply?.(r, nRep)) inbox.push({ at: now + 2 * lat + k++, p: r });
        }
      } else if (e.type === 'armTimer') timerAt = now + e.delayMs;
      else if (e.type === 'done') {
        result = e.result;
        timerAt = undefined;
      }
    }
  };
  apply(machine.start(state, now));
  const maxMs = o.maxMs ?? 600_000;
  while (result === undefined && now <= maxMs) {
    if (!cancelled && o.cancelAtMs !== undefined && now >= o.cancelAtMs) {
      cancelled = true;
      apply(machine.onCancel(state, now));
      continue;
    }
    inbox.sort((a, b) => a.at - b.at);
    const first = inbox[0];
    if (first && (timerAt === undefined || first.at <= timerAt)) {
      inbox.shift();
      now = Math.max(now, first.at);
      const msg: Inbound = { sysid: 1, compid: 1, message: ftpMessage(255, 190, first.p) };
      apply(machine.onMessage(state, msg, now));
    } else if (timerAt !== undefined) {
      now = timerAt;
      timerAt = undefined;
      timeouts++;
      apply(machine.onTimeout(state, now));
    } else break;
  }
  return { result, sent, nowMs: now, timeouts };
}
