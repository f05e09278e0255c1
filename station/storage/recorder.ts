/**
 * Telemetry logs: every frame sent and received on a connection, written as .tlog (tlog.ts) the way
 * QGroundControl and Mission Planner write them, so pymavlink, MAVExplorer and Mission Planner read them.
 *
 * One file per vehicle (sysid) per connection: `DIR/tlogs/2026-11-24T08-00-00Z_sys11_<link>.tlog`, named
 * when the vehicle's first HEARTBEAT arrives on that connection. Attribution of a frame:
 *  - it goes to the file of its source system and/or its target system (`target_system` field) when those
 *    are vehicles of this connection;
 *  - frames for everyone (our GCS heartbeats, TIMESYNC requests, any message without a target) go to every
 *    vehicle file of the connection;
 *  - frames before any vehicle appeared, and frames from systems that have not sent a HEARTBEAT yet, are held
 *    in a per-connection buffer (bounded, newest kept); when a vehicle appears, its file starts with the
 *    buffered frames from it, to it, or for everyone (the latter stay buffered for later vehicles). Frames
 *    from systems that never become vehicles (another GCS) are therefore not written.
 *
 * Durability: records are buffered in memory and appended to the file (synchronous fs writes on an fd
 * opened for append) every `flushMs` (default 1000 ms, on the injected Clock), when a buffer passes
 * 256 KiB, and on close, so after `kill -9` a file is complete up to the last flush; the file is
 * fdatasync'd every `syncMs` (default 10 s) and on close, so a power cut loses at most the last
 * `syncMs + flushMs` of telemetry. Timestamps are the Clock's time in µs with the two low bits cleared
 * (pymavlink reads those bits as a link number).
 *
 * A record is written whole or not at all: a flush that fails part-way (ENOSPC after some bytes) cuts the
 * file back to where the flush began — the end of the last whole record — and keeps the records in memory
 * (up to `backlogBytes` per file; records beyond are counted as lost, never written in part). Every flush
 * tries again, so recording resumes by itself when space returns. A file that cannot be opened (read-only
 * folder, EACCES) is tried again the same way. Failures and the recovery (with what was lost: records,
 * bytes, seconds) go to the station's StorageHealth (station/storage/health.ts) and to `errors()`, never as
 * exceptions into the link.
 */
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { minimal } from 'mavlink-mappings';
import type { Clock, TimerId } from '../../common/clock.js';
import { FrameParser } from '../../mavlink/codec/frame.js';
import { decodePayload, type MavLinkData } from '../../mavlink/codec/messages.js';
import type { Received, Sent } from '../../mavlink/connection.js';
import { makeDirs } from './data-dir.js';
import type { Lost, StorageHealth } from './health.js';

export interface RecordableConnection {
  readonly name: string;
  onMessage(l: (r: Received) => void): () => void;
  onSent(l: (s: Sent) => void): () => void;
}

export interface RecorderOptions {
  clock: Clock;
  /** Data directory; files go to `<dataDir>/tlogs/`. */
  dataDir: string;
  flushMs?: number;
  /** Records kept per connection before vehicles appear. Default 20 000. */
  preVehicleLimit?: number;
  /** fdatasync a file at most this often (ms); 0 = at every flush; Infinity = only on close. Default 10 000. */
  syncMs?: number;
  /** Bytes of records held per file while it cannot be written; beyond, records are counted as lost. Default 8 MiB. */
  backlogBytes?: number;
  /** Where failures and recoveries are reported. */
  health?: StorageHealth;
  /** The file system calls the recorder makes (tests inject one that fails). Default node:fs. */
  fs?: RecorderFs;
}

/** The calls the recorder makes on files: node:fs's, or a test's that fails on purpose. */
export interface RecorderFs {
  openSync(path: string, flags: 'a'): number;
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number): number;
  ftruncateSync(fd: number, len: number): void;
  fstatSync(fd: number): { size: number };
  fdatasyncSync(fd: number): void;
  closeSync(fd: number): void;
  existsSync(path: string): boolean;
}

interface Rec {
  timeUs: number;
  /** The frame; received frames are views into parser blocks that are never rewritten, so holding them is safe. */
  frame: Uint8Array;
  source: number;
  /** Target system, or 0 for everyone. */
  target: number;
}

interface Sink {
  path: string;
  fd: number | undefined;
  /** Records appended in place (timestamp + frame), written out at the flush: no allocation per frame. */
  buf: Buffer;
  size: number;
  /** Bytes of whole records in the file (where a failed flush cuts back to). */
  written: number;
  /** The last write or open failed: records wait in `buf` (up to the backlog) and every flush tries again. */
  failing: boolean;
  /** A cut back to `written` is still owed (the ftruncate itself failed). */
  torn: boolean;
  lastSyncMs: number;
}

interface ConnState {
  name: string;
  vehicles: Map<number, Sink>;
  pre: Rec[];
  off: () => void;
}

const FLUSH_BYTES = 256 * 1024;
const INITIAL_BYTES = 16 * 1024;

export function tlogFileName(atMs: number, sysid: number, link: string): string {
  const iso = new Date(atMs).toISOString().slice(0, 19).replace(/:/g, '-');
  const safe = link.replace(/^[a-z]+:\/\//i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'link';
  return `${iso}Z_sys${sysid}_${safe}.tlog`;
}

function targetOf(m: MavLinkData | undefined): number {
  const t = (m as { targetSystem?: unknown } | undefined)?.targetSystem;
  return typeof t === 'number' ? t : 0;
}

export class TlogRecorder {
  private readonly conns = new Set<ConnState>();
  private readonly errs: string[] = [];
  private readonly fs: RecorderFs;
  /** Records dropped since the last recovery (backlog full while failing, or unwritable at close). */
  private lost = { records: 0, bytes: 0, firstUs: 0, lastUs: 0 };
  private readonly timer: TimerId;
  private readonly dir: string;
  private readonly parser = new FrameParser();
  private closed = false;

  constructor(private readonly o: RecorderOptions) {
    this.dir = join(o.dataDir, 'tlogs');
    this.fs = o.fs ?? nodeFs;
    this.timer = o.clock.setInterval(() => this.flush(), o.flushMs ?? 1000);
  }

  /** Record a connection. Returns a function that stops recording it (and flushes). */
  attach(connection: RecordableConnection): () => void {
    const c: ConnState = { name: connection.name, vehicles: new Map(), pre: [], off: () => {} };
    const offRx = connection.onMessage((r) => this.onReceived(c, r));
    const offTx = connection.onSent((s) => this.onSent(c, s));
    c.off = () => {
      offRx();
      offTx();
    };
    this.conns.add(c);
    return () => {
      c.off();
      this.closeConn(c);
      this.conns.delete(c);
    };
  }

  files(): string[] {
    return [...this.conns].flatMap((c) => [...c.vehicles.values()].map((s) => s.path));
  }

  /** The last 100 failures, in words. */
  errors(): string[] {
    return [...this.errs];
  }

  /** Records dropped since the last recovery (nothing is dropped while a file's backlog has room). */
  lostSinceRecovery(): Lost {
    return { records: this.lost.records, bytes: this.lost.bytes, seconds: this.lost.records ? (this.lost.lastUs - this.lost.firstUs) / 1e6 : 0 };
  }

  flush(): void {
    for (const c of this.conns) for (const s of c.vehicles.values()) this.flushSink(s);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.o.clock.clearInterval(this.timer);
    for (const c of this.conns) {
      c.off();
      this.closeConn(c);
    }
    this.conns.clear();
  }

  private timeUs(atMs: number): number {
    return Math.floor((atMs * 1000) / 4) * 4;
  }

  private onReceived(c: ConnState, r: Received): void {
    const rec: Rec = { timeUs: this.timeUs(r.atMs), frame: r.frame.raw, source: r.frame.sysid, target: targetOf(r.message) };
    const m = r.message;
    if (m instanceof minimal.Heartbeat && m.type !== minimal.MavType.GCS && !c.vehicles.has(r.frame.sysid)) {
      this.openVehicle(c, r.frame.sysid, r.atMs);
    }
    this.route(c, rec, false);
  }

  private onSent(c: ConnState, s: Sent): void {
    const frame = this.parser.pushDatagram(s.bytes)[0];
    const message = frame?.known ? decodePayload(frame.msgid, frame.payload) : undefined;
    const rec: Rec = { timeUs: this.timeUs(s.atMs), frame: s.bytes, source: frame?.sysid ?? 0, target: targetOf(message) };
    this.route(c, rec, true);
  }

  private route(c: ConnState, rec: Rec, ours: boolean): void {
    if (this.closed) return;
    const bySource = ours ? undefined : c.vehicles.get(rec.source);
    const byTarget = rec.target !== 0 ? c.vehicles.get(rec.target) : undefined;
    if (bySource || byTarget) {
      if (bySource) this.write(bySource, rec);
      if (byTarget && byTarget !== bySource) this.write(byTarget, rec);
      return;
    }
    if ((ours || c.vehicles.has(rec.source)) && rec.target === 0 && c.vehicles.size > 0) {
      for (const s of c.vehicles.values()) this.write(s, rec);
      return;
    }
    c.pre.push(rec);
    const limit = this.o.preVehicleLimit ?? 20_000;
    if (c.pre.length > limit) c.pre.splice(0, c.pre.length - limit);
  }

  private openVehicle(c: ConnState, sysid: number, atMs: number): void {
    let path = join(this.dir, tlogFileName(atMs, sysid, c.name));
    for (let n = 2; this.fs.existsSync(path) || this.files().includes(path); n++) {
      path = join(this.dir, tlogFileName(atMs, sysid, c.name).replace(/\.tlog$/, `-${n}.tlog`));
    }
    const sink: Sink = { path, fd: undefined, buf: Buffer.allocUnsafe(INITIAL_BYTES), size: 0, written: 0, failing: false, torn: false, lastSyncMs: this.o.clock.now() };
    this.openSink(sink);
    c.vehicles.set(sysid, sink);
    const keep: Rec[] = [];
    for (const rec of c.pre) {
      const mine = rec.source === sysid || rec.target === sysid;
      const everyone = rec.target === 0 && !mine;
      if (mine || everyone) this.write(sink, rec);
      if (!mine) keep.push(rec);
    }
    c.pre = keep;
  }

  private openSink(s: Sink): boolean {
    const made = makeDirs(this.dir);
    if (!made.ok) {
      this.fail(s, { code: made.code, message: made.reason });
      return false;
    }
    try {
      s.fd = this.fs.openSync(s.path, 'a');
      s.written = this.fs.fstatSync(s.fd).size;
      return true;
    } catch (e) {
      if (s.fd !== undefined) this.closeFd(s);
      this.fail(s, e);
      return false;
    }
  }

  private fail(s: Sink, e: unknown): void {
    const first = !s.failing;
    s.failing = true;
    if (first) {
      this.errs.push(`cannot write ${s.path}: ${(e as Error).message ?? String(e)}`);
      if (this.errs.length > 100) this.errs.splice(0, this.errs.length - 100);
    }
    this.o.health?.failed('tlogs', s.path, e);
  }

  private dropped(rec: Rec, bytes: number): void {
    if (this.lost.records === 0) this.lost.firstUs = rec.timeUs;
    this.lost.records++;
    this.lost.bytes += bytes;
    this.lost.lastUs = rec.timeUs;
  }

  /** Append one tlog record (8-byte big-endian µs + frame) to the sink's buffer, in place. */
  private write(s: Sink, rec: Rec): void {
    const need = 8 + rec.frame.length;
    if (s.failing && s.size + need > (this.o.backlogBytes ?? 8 * 1024 * 1024)) return this.dropped(rec, need);
    if (s.size + need > s.buf.length) {
      if (!s.failing && s.size > 0 && s.size + need > FLUSH_BYTES) this.flushSink(s);
      if (s.size + need > s.buf.length) {
        const grown = Buffer.allocUnsafe(Math.max(s.buf.length * 2, s.size + need));
        s.buf.copy(grown, 0, 0, s.size);
        s.buf = grown;
      }
    }
    const t = rec.timeUs;
    s.buf.writeUInt32BE(Math.floor(t / 0x1_0000_0000), s.size);
    s.buf.writeUInt32BE(t % 0x1_0000_0000, s.size + 4);
    s.buf.set(rec.frame, s.size + 8);
    s.size += need;
    if (!s.failing && s.size >= FLUSH_BYTES) this.flushSink(s);
  }

  /**
   * Write the buffered records out, whole: on a failure part-way the file is cut back to the end of its last
   * whole record and the records stay buffered for the next try.
   */
  private flushSink(s: Sink, sync = false): void {
    if (s.size === 0 && !sync) return;
    if (s.fd === undefined && !this.openSink(s)) return;
    const fd = s.fd!;
    if (s.torn) {
      try {
        this.fs.ftruncateSync(fd, s.written);
        s.torn = false;
      } catch (e) {
        return this.fail(s, e);
      }
    }
    const size = s.size;
    let off = 0;
    try {
      while (off < size) off += this.fs.writeSync(fd, s.buf, off, size - off);
    } catch (e) {
      if (off > 0) {
        try {
          this.fs.ftruncateSync(fd, s.written);
        } catch {
          s.torn = true;
        }
      }
      return this.fail(s, e);
    }
    s.written += size;
    s.size = 0;
    // A backlog that grew while the disk was full goes back to its usual size.
    if (s.buf.length > 2 * FLUSH_BYTES) s.buf = Buffer.allocUnsafe(INITIAL_BYTES);
    const now = this.o.clock.now();
    if (sync || now - s.lastSyncMs >= (this.o.syncMs ?? 10_000)) {
      s.lastSyncMs = now;
      try {
        this.fs.fdatasyncSync(fd);
      } catch (e) {
        return this.fail(s, e);
      }
    }
    if (s.failing) {
      s.failing = false;
      this.recoveredIfAll();
    }
  }

  private recoveredIfAll(): void {
    for (const c of this.conns) for (const x of c.vehicles.values()) if (x.failing) return;
    this.o.health?.recovered('tlogs', this.lostSinceRecovery());
    this.lost = { records: 0, bytes: 0, firstUs: 0, lastUs: 0 };
  }

  private closeFd(s: Sink): void {
    try {
      this.fs.closeSync(s.fd!);
    } catch {
      /* already closed */
    }
    s.fd = undefined;
  }

  private closeConn(c: ConnState): void {
    for (const s of c.vehicles.values()) {
      this.flushSink(s, true);
      if (s.size > 0) {
        this.errs.push(`${s.path}: ${s.size} bytes of records could not be written before close`);
        this.lost.bytes += s.size;
      }
      if (s.fd !== undefined) this.closeFd(s);
    }
  }
}
