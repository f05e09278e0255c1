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
import type { FlightDetail, FlightSummary } from '../../common/api/contract.js';
import type { TlogStats } from '../storage/tlog.js';
import { LINK_GAP_MS, newWalker, readRange, walk, type Walker } from './flight-walk.js';
import { VideoIndexCache } from './video-index.js';

export { LINK_GAP_MS, SAMPLE_MS } from './flight-walk.js';

/** Bytes read at a time when scanning a file. */
const CHUNK = 4 * 1024 * 1024;

export interface FlightCatalogOptions {
  /** The station's data directory: tlogs in DATA/tlogs, video in DATA/video. */
  dataDir: string;
  /** The fleet's drone id of a sysid, null when the fleet does not name it. */
  droneName(sysid: number): string | null;
  /** One line per file left out (unreadable), once per version of the file. */
  log?: (line: string) => void;
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
    // Fresh counters per walk: the walk updates them in place, and a flight's detail is walked again as it grows.
    w.state = { ...acc.startState, rates: {}, links: {}, recent: { keys: [], atMs: [], next: 0 } };
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
