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
 * 256 KiB, and on close, so after `kill -9` a file is complete up to the last flush. Timestamps are the
 * Clock's time in µs with the two low bits cleared (pymavlink reads those bits as a link number).
 * File system errors become values in `errors()`, never exceptions into the link.
 */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { minimal } from 'mavlink-mappings';
import type { Clock, TimerId } from '../mavlink/clock.js';
import { FrameParser } from '../mavlink/codec/frame.js';
import { decodePayload, type MavLinkData } from '../mavlink/codec/messages.js';
import type { Received, Sent } from '../mavlink/connection.js';

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
  private readonly timer: TimerId;
  private readonly dir: string;
  private readonly parser = new FrameParser();
  private closed = false;

  constructor(private readonly o: RecorderOptions) {
    this.dir = join(o.dataDir, 'tlogs');
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

  errors(): string[] {
    return [...this.errs];
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
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      this.errs.push(`cannot create ${this.dir}: ${(e as Error).message}`);
    }
    let path = join(this.dir, tlogFileName(atMs, sysid, c.name));
    for (let n = 2; existsSync(path) || this.files().includes(path); n++) {
      path = join(this.dir, tlogFileName(atMs, sysid, c.name).replace(/\.tlog$/, `-${n}.tlog`));
    }
    const sink: Sink = { path, fd: undefined, buf: Buffer.allocUnsafe(INITIAL_BYTES), size: 0 };
    try {
      sink.fd = openSync(path, 'a');
    } catch (e) {
      this.errs.push(`cannot open ${path}: ${(e as Error).message}`);
    }
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

  /** Append one tlog record (8-byte big-endian µs + frame) to the sink's buffer, in place. */
  private write(s: Sink, rec: Rec): void {
    const need = 8 + rec.frame.length;
    if (s.size + need > s.buf.length) {
      if (s.size > 0 && s.size + need > FLUSH_BYTES) this.flushSink(s);
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
    if (s.size >= FLUSH_BYTES) this.flushSink(s);
  }

  private flushSink(s: Sink): void {
    if (s.size === 0) return;
    const size = s.size;
    s.size = 0;
    if (s.fd === undefined) return;
    try {
      let off = 0;
      while (off < size) off += writeSync(s.fd, s.buf, off, size - off);
    } catch (e) {
      this.errs.push(`cannot write ${s.path}: ${(e as Error).message}`);
    }
  }

  private closeConn(c: ConnState): void {
    for (const s of c.vehicles.values()) {
      this.flushSink(s);
      if (s.fd !== undefined) {
        try {
          closeSync(s.fd);
        } catch {
          /* already closed */
        }
        s.fd = undefined;
      }
    }
  }
}
