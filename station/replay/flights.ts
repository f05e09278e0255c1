/**
 * Flights for replay (common/api/contract.ts, "Flight replay"): every armed → disarmed span of the vehicle of
 * each tlog in DATA/tlogs, found by running the vehicle's received frames through the same reducer as the live
 * console (vehicle-state.ts), with its summary, its 5 Hz telemetry samples, its events and its video.
 *
 *   DATA/tlogs/<iso>_sys<N>_<link>.tlog ──► records of sysid N (frames we sent are from our own sysid: left out)
 *        ──► reduceVehicleOwned ──► armed ↑ opens a flight, armed ↓ closes it
 *                                        ├─ summary: max altitude, ground track, lowest battery (always)
 *                                        └─ detail: samples (first of each 200 ms), events (on request)
 *
 * Reading is incremental and cached per file by (size, mtime): a listing of a hundred tlogs reads none of them
 * again, and the live tlog (the recorder appends to it every second) is read on from where the last listing
 * stopped, with the reducer's state kept. A detail re-reads only the flight's own byte range, from the reducer
 * state saved at its arming. The vehicle of a file is the sysid in its name (`_sys<N>_`), else the first
 * autopilot that sends a HEARTBEAT in it. The reader resynchronises over corrupt bytes and stops at a truncated
 * record, so a damaged tlog yields what it can; a file that cannot be read at all is left out with one log line.
 */
import type { Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { common, minimal } from 'mavlink-mappings';
import { decodePayload } from '../../mavlink/codec/messages.js';
import { groundDistanceM } from '../../common/geo.js';
import type { FlightDetail, FlightEvent, FlightSample, FlightSummary } from '../../common/api/contract.js';
import { readTlog, type TlogStats } from '../storage/tlog.js';
import { initialVehicleState, reduceVehicleOwned, type VehicleState } from '../vehicle/vehicle-state.js';
import { VideoIndexCache } from './video-index.js';

/** A gap longer than this in the vehicle's frames is a lost link (the live registry's `lostAfterMs`). */
export const LINK_GAP_MS = 5000;
/** One sample per this many ms: at most 5 per second. */
export const SAMPLE_MS = 200;
const LINK = 'tlog';
/** Bytes read at a time when scanning a file. */
const CHUNK = 4 * 1024 * 1024;
/** Records reduced between two turns of the event loop (a live station keeps serving its links). */
const YIELD_EVERY = 4000;

export interface FlightCatalogOptions {
  /** The station's data directory: tlogs in DATA/tlogs, video in DATA/video. */
  dataDir: string;
  /** The fleet's drone id of a sysid, null when the fleet does not name it. */
  droneName(sysid: number): string | null;
  /** One line per file left out (unreadable), once per version of the file. */
  log?: (line: string) => void;
}

/** Running totals of one flight while its records are read. */
interface FlightAcc {
  startMs: number;
  /** Byte offset of the record that armed, and the reducer state (and last frame time) just before it. */
  startOffset: number;
  startState: VehicleState;
  startPrevMs: number | null;
  endMs: number;
  /** Byte offset just after the record that disarmed (or after the last record read). */
  endOffset: number;
  closed: boolean;
  maxAltRelM: number | null;
  distanceM: number;
  minBatteryPct: number | null;
  lastPos: { latDeg: number; lonDeg: number; atMs: number } | null;
  armPos: { latDeg: number; lonDeg: number } | null;
  home: { latDeg: number; lonDeg: number } | null;
  /** Detail only. */
  samples: FlightSample[] | null;
  events: FlightEvent[] | null;
  lastBucket: number;
}

/** The reading of one file: where it got to and the reducer's state there, so that it can read on. */
interface Walker {
  /** The file's vehicle, when known. */
  sysid: number | null;
  /** Whether `sysid` came from the file name (else it is inferred from the first autopilot HEARTBEAT). */
  named: boolean;
  state: VehicleState | null;
  /** Last frame of the vehicle, and last record of anyone (our own frames go on after a link is lost). */
  lastVehicleMs: number | null;
  lastRecordMs: number | null;
  open: FlightAcc | null;
  closed: FlightAcc[];
  /** Detail mode: collect samples and events, stop after the first flight closes. */
  detail: boolean;
}

interface FileEntry {
  name: string;
  size: number;
  mtimeMs: number;
  /** Bytes read so far (whole records and skipped bytes). */
  offset: number;
  walker: Walker;
  stats: TlogStats;
}

export interface FlightRef {
  summary: FlightSummary;
  file: string;
}

export interface CatalogStats {
  /** Bytes of tlog read while listing (not detail reads): a cached listing adds nothing. */
  scannedBytes: number;
  /** Bytes read for details. */
  detailBytes: number;
}

/** The sysid in a recorder's file name (`…_sys11_…`), as recorder.ts names them. */
export function sysidFromName(name: string): number | null {
  const m = /_sys(\d{1,3})_/.exec(name);
  const n = m ? Number(m[1]) : NaN;
  return n >= 1 && n <= 255 ? n : null;
}

/** `<tlog name without .tlog>~<n>` → its parts; undefined for anything else (no path may hide in it). */
export function parseFlightId(id: string): { tlog: string; n: number } | undefined {
  const at = id.lastIndexOf('~');
  if (at <= 0) return undefined;
  const base = id.slice(0, at);
  const nText = id.slice(at + 1);
  if (!/^[1-9]\d{0,5}$/.test(nText)) return undefined;
  if (base === '.' || base === '..' || /[/\\\0]/.test(base)) return undefined;
  return { tlog: `${base}.tlog`, n: Number(nText) };
}

export const flightId = (tlog: string, n: number): string => `${tlog.replace(/\.tlog$/i, '')}~${n}`;

const textLevel = (severity: number): FlightEvent['level'] =>
  severity <= common.MavSeverity.CRITICAL ? 'alert' : severity <= common.MavSeverity.WARNING ? 'warning' : 'info';

const yieldNow = () => new Promise<void>((r) => setImmediate(r));

function newWalker(sysid: number | null, detail: boolean): Walker {
  return { sysid, named: sysid !== null, state: null, lastVehicleMs: null, lastRecordMs: null, open: null, closed: [], detail };
}

function openFlight(w: Walker, atMs: number, offset: number, before: VehicleState, prevMs: number | null): FlightAcc {
  return {
    startMs: atMs,
    startOffset: offset,
    // Kept for every flight listed: without the text log and message rates, which no replay figure reads
    // (chunks of a text still being reassembled stay).
    startState: { ...before, statustext: { ...before.statustext, entries: [], arming: [] }, rates: {} },
    startPrevMs: prevMs,
    endMs: atMs,
    endOffset: offset,
    closed: false,
    maxAltRelM: null,
    distanceM: 0,
    minBatteryPct: null,
    lastPos: null,
    armPos: null,
    home: null,
    samples: w.detail ? [] : null,
    events: w.detail ? [] : null,
    lastBucket: -1,
  };
}

function sampleOf(s: VehicleState, t: number): FlightSample {
  return {
    t,
    latDeg: s.position?.latDeg ?? null,
    lonDeg: s.position?.lonDeg ?? null,
    altRelM: s.position?.altRelM ?? null,
    headingDeg: s.headingDeg,
    groundSpeedMps: s.velocity?.groundSpeedMps ?? null,
    climbMps: s.velocity?.climbMps ?? null,
    batteryPct: s.battery?.remainingPct ?? null,
    voltageV: s.battery?.voltageV ?? null,
    mode: s.mode,
    armed: s.armed,
  };
}

/** Fold the state after one frame into the open flight's totals (and its samples in detail mode). */
function track(f: FlightAcc, s: VehicleState, t: number): void {
  const p = s.position;
  // A position of 0,0 is ArduPilot's "no fix yet", not a place.
  if (p && !(p.latDeg === 0 && p.lonDeg === 0) && p.atMs !== f.lastPos?.atMs) {
    f.maxAltRelM = f.maxAltRelM === null ? p.altRelM : Math.max(f.maxAltRelM, p.altRelM);
    if (f.lastPos) f.distanceM += groundDistanceM(f.lastPos, p);
    f.lastPos = { latDeg: p.latDeg, lonDeg: p.lonDeg, atMs: p.atMs };
    f.armPos ??= { latDeg: p.latDeg, lonDeg: p.lonDeg };
  }
  const b = s.battery?.remainingPct;
  if (b !== null && b !== undefined) f.minBatteryPct = f.minBatteryPct === null ? b : Math.min(f.minBatteryPct, b);
  if (s.home) f.home = { latDeg: s.home.latDeg, lonDeg: s.home.lonDeg };
  if (f.samples) {
    const bucket = Math.floor((t - f.startMs) / SAMPLE_MS);
    if (bucket !== f.lastBucket) {
      f.lastBucket = bucket;
      f.samples.push(sampleOf(s, t));
    }
  }
}

const event = (f: FlightAcc, e: FlightEvent) => f.events?.push(e);

/**
 * Read the records of `bytes` (which start at file offset `base`) into the walker. Returns the bytes consumed:
 * whole records and skipped bytes, not a truncated record at the end (the next read starts there).
 */
async function walk(w: Walker, bytes: Uint8Array, base: number, stats: TlogStats): Promise<number> {
  const skippedBefore = stats.skippedBytes;
  let recordBytes = 0;
  let n = 0;
  for (const { timeUs, frame } of readTlog(bytes, stats)) {
    const recStart = base + recordBytes + (stats.skippedBytes - skippedBefore);
    recordBytes += 8 + frame.raw.length;
    const recEnd = recStart + 8 + frame.raw.length;
    const t = timeUs / 1000;
    w.lastRecordMs = t;
    if (++n % YIELD_EVERY === 0) await yieldNow();
    const message = decodePayload(frame.msgid, frame.payload);
    if (w.sysid === null && !w.named && message instanceof minimal.Heartbeat && message.type !== minimal.MavType.GCS && message.autopilot !== minimal.MavAutopilot.INVALID) {
      w.sysid = frame.sysid;
    }
    if (frame.sysid !== w.sysid) continue;
    // The vehicle is its autopilot component, as the live registry decides: the first HEARTBEAT of an autopilot.
    if (!w.state) {
      if (!(message instanceof minimal.Heartbeat) || message.type === minimal.MavType.GCS || message.autopilot === minimal.MavAutopilot.INVALID) continue;
      w.state = initialVehicleState(frame.sysid, frame.compid, message.autopilot, message.type);
    }
    const prevMs = w.lastVehicleMs;
    const f0 = w.open;
    if (f0 && prevMs !== null && t - prevMs > LINK_GAP_MS) {
      event(f0, { t: prevMs, kind: 'link-lost', level: 'alert', text: `link lost (${((t - prevMs) / 1000).toFixed(1)} s without a frame)` });
      event(f0, { t, kind: 'link-regained', level: 'info', text: 'link regained' });
    }
    w.lastVehicleMs = t;
    const prev = w.state;
    const { state, texts } = reduceVehicleOwned(prev, {
      type: 'frame',
      link: LINK,
      sysid: frame.sysid,
      compid: frame.compid,
      seq: frame.seq,
      msgid: frame.msgid,
      message,
      atMs: t,
    });
    w.state = state;
    const heartbeat = message instanceof minimal.Heartbeat && frame.compid === state.compid;
    if (!prev.armed && state.armed) {
      const f = openFlight(w, t, recStart, prev, prevMs);
      w.open = f;
      event(f, { t, kind: 'armed', level: 'info', text: 'armed' });
    }
    const f = w.open;
    if (!f) continue;
    if (heartbeat && prev.lastHeartbeatMs !== null && prev.mode !== state.mode) {
      event(f, { t, kind: 'mode', level: 'info', text: `mode ${prev.mode} → ${state.mode}` });
    }
    for (const e of texts) if (e.atMs >= f.startMs) event(f, { t: e.atMs, kind: 'statustext', level: textLevel(e.severity), text: e.text });
    track(f, state, t);
    f.endMs = t;
    f.endOffset = recEnd;
    if (prev.armed && !state.armed) {
      event(f, { t, kind: 'disarmed', level: 'info', text: 'disarmed' });
      f.closed = true;
      w.closed.push(f);
      w.open = null;
      if (w.detail) return recEnd - base;
    }
  }
  return recordBytes + (stats.skippedBytes - skippedBefore);
}

async function readRange(path: string, from: number, to: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.max(0, to - from));
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, got);
  } finally {
    await fh.close();
  }
}

export class FlightCatalog {
  private readonly tlogDir: string;
  private readonly files = new Map<string, FileEntry>();
  private readonly skipped = new Map<string, string>();
  private readonly video: VideoIndexCache;
  private refreshing: Promise<FlightRef[]> | null = null;
  private readonly counters: CatalogStats = { scannedBytes: 0, detailBytes: 0 };
  private readonly details = new Map<string, FlightDetail>();

  constructor(private readonly o: FlightCatalogOptions) {
    this.tlogDir = join(o.dataDir, 'tlogs');
    this.video = new VideoIndexCache(join(o.dataDir, 'video'));
  }

  stats(): CatalogStats {
    return { ...this.counters };
  }

  /** The drone id used for a sysid's recordings and replay frames: the fleet's, else `sys<N>` (as the hub names them). */
  droneId(sysid: number): string {
    return this.o.droneName(sysid) ?? `sys${sysid}`;
  }

  /** Every flight, newest first. */
  async list(): Promise<FlightSummary[]> {
    return (await this.refresh()).map((r) => r.summary);
  }

  /** One flight by id; undefined when no listed flight has it (the id is never used as a path). */
  async find(id: string): Promise<FlightRef | undefined> {
    if (!parseFlightId(id)) return undefined;
    return (await this.refresh()).find((r) => r.summary.id === id);
  }

  async detail(id: string): Promise<FlightDetail | undefined> {
    const ref = await this.find(id);
    if (!ref) return undefined;
    const entry = this.files.get(ref.summary.tlog);
    const n = Number(parseFlightId(id)!.n);
    const acc = entry && [...entry.walker.closed, ...(entry.walker.open ? [entry.walker.open] : [])][n - 1];
    if (!entry || !acc) return undefined;
    const key = `${id}|${acc.startMs}|${acc.startOffset}|${acc.endOffset}|${ref.summary.video.join(',')}`;
    const cached = this.details.get(key);
    if (cached) return cached;
    const bytes = await readRange(ref.file, acc.startOffset, acc.endOffset);
    this.counters.detailBytes += bytes.length;
    const w = newWalker(entry.walker.sysid, true);
    w.named = true;
    w.state = acc.startState;
    w.lastVehicleMs = acc.startPrevMs;
    await walk(w, bytes, acc.startOffset, { records: 0, skippedBytes: 0, truncated: false });
    const f = w.closed[0] ?? w.open;
    if (!f) return undefined;
    // The log ends in the air and our own frames went on without the vehicle's: the link was lost for good.
    const lastAny = entry.walker.lastRecordMs;
    if (!f.closed && lastAny !== null && lastAny - f.endMs > LINK_GAP_MS) {
      f.events!.push({ t: f.endMs, kind: 'link-lost', level: 'alert', text: `link lost (nothing more from the vehicle in the last ${((lastAny - f.endMs) / 1000).toFixed(1)} s of the log)` });
    }
    const detail: FlightDetail = { flight: ref.summary, samples: f.samples ?? [], events: f.events ?? [], home: f.home ?? f.armPos };
    this.details.set(key, detail);
    while (this.details.size > 8) this.details.delete(this.details.keys().next().value!);
    return detail;
  }

  /** Re-read what changed in DATA/tlogs (one listing at a time). */
  private refresh(): Promise<FlightRef[]> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async doRefresh(): Promise<FlightRef[]> {
    let names: string[];
    try {
      names = (await readdir(this.tlogDir)).filter((n) => n.toLowerCase().endsWith('.tlog')).sort();
    } catch {
      names = [];
    }
    await this.video.scan();
    const present = new Set(names);
    for (const k of [...this.files.keys()]) if (!present.has(k)) this.files.delete(k);
    const out: FlightRef[] = [];
    for (const name of names) {
      const path = join(this.tlogDir, name);
      const entry = await this.scanFile(name, path);
      if (!entry) continue;
      const all = [...entry.walker.closed, ...(entry.walker.open ? [entry.walker.open] : [])];
      for (const [i, f] of all.entries()) {
        const sysid = entry.walker.sysid!;
        const drone = this.o.droneName(sysid);
        const endMs = f.endMs;
        out.push({
          file: path,
          summary: {
            id: flightId(name, i + 1),
            drone,
            sysid,
            tlog: name,
            startMs: f.startMs,
            endMs,
            truncated: !f.closed,
            maxAltRelM: f.maxAltRelM,
            distanceM: Math.round(f.distanceM * 10) / 10,
            minBatteryPct: f.minBatteryPct,
            video: this.video.overlapping(drone ?? `sys${sysid}`, f.startMs, endMs),
          },
        });
      }
    }
    return out.sort((a, b) => b.summary.startMs - a.summary.startMs || (a.summary.id < b.summary.id ? -1 : 1));
  }

  private skip(name: string, version: string, why: string): undefined {
    if (this.skipped.get(name) !== version) {
      this.skipped.set(name, version);
      this.o.log?.(`kongxun: replay: skipping ${join(this.tlogDir, name)}: ${why}`);
    }
    this.files.delete(name);
    return undefined;
  }

  /** Read a file as far as it goes, from where the last reading stopped when it only grew. */
  private async scanFile(name: string, path: string): Promise<FileEntry | undefined> {
    let st: Stats;
    try {
      st = await stat(path);
    } catch (e) {
      return this.skip(name, 'stat', (e as NodeJS.ErrnoException).code ?? String(e));
    }
    const version = `${st.size}|${st.mtimeMs}`;
    if (!st.isFile()) return this.skip(name, version, 'not a regular file');
    let entry = this.files.get(name);
    if (entry && entry.size === st.size && entry.mtimeMs === st.mtimeMs) return entry;
    // Grown (appended to, as the recorder does) → read on; anything else → read again from the start.
    if (!entry || st.size < entry.size || (st.size === entry.size && st.mtimeMs !== entry.mtimeMs)) {
      entry = { name, size: 0, mtimeMs: 0, offset: 0, walker: newWalker(sysidFromName(name), false), stats: { records: 0, skippedBytes: 0, truncated: false } };
    }
    const e = entry;
    try {
      const fh = await open(path, 'r');
      try {
        while (e.offset < st.size) {
          const want = Math.min(CHUNK, st.size - e.offset);
          const buf = Buffer.allocUnsafe(want);
          const { bytesRead } = await fh.read(buf, 0, want, e.offset);
          if (bytesRead === 0) break;
          const used = await walk(e.walker, new Uint8Array(buf.buffer, buf.byteOffset, bytesRead), e.offset, e.stats);
          this.counters.scannedBytes += bytesRead;
          e.offset += used;
          // The last chunk of the file: what is left is a record still being written; it is read next time.
          if (bytesRead < CHUNK || used === 0) break;
        }
      } finally {
        await fh.close();
      }
    } catch (err) {
      return this.skip(name, version, (err as NodeJS.ErrnoException).code ?? String(err));
    }
    e.size = st.size;
    e.mtimeMs = st.mtimeMs;
    this.files.set(name, e);
    this.skipped.delete(name);
    return e;
  }
}
