/**
 * One place for the station's stores and their failures. Every store that writes to the data folder — the
 * tlogs (station/storage/recorder.ts), the patrol's SQLite store (station/patrol/store.ts), the video recordings
 * (station/video/recording.ts) — reports a failed write here with its cause (ENOSPC, EROFS, EACCES, EIO,
 * SQLITE_FULL, …) and reports again when writing works again, with what was lost in between (records, bytes,
 * seconds). Nothing here throws: a failed write is a notice, never an exception into a link or a timer.
 *
 * What it turns that into (the way ArduPilot turns "Logging failed" into a pre-arm failure and keeps flying):
 *  - one notice per transition (failed → recovered), for the console's events, the log and the patrol's alerts;
 *  - `launchBlocker()`, read by the patrol runner's launch gates: new launches are refused while a store cannot
 *    keep its records or the free space is under `stopFreeBytes`; drones already in the air are not touched;
 *  - free-space watermarks checked every `checkMs`: under `warnFreeBytes` a warning, under `stopFreeBytes` an
 *    alert and the launch gate;
 *  - `onRetry`: stores holding records they could not write try again at every check, so recording resumes
 *    by itself when space returns.
 */
import type { Clock, TimerId } from '../../common/clock.js';
import type { Said, StationEvent } from '../../common/api/contract.js';
import { freeBytes as statFree } from './data-dir.js';

export type StoreName = 'tlogs' | 'patrol' | 'video' | 'audit';

export interface Lost {
  records: number;
  bytes: number;
  /** Span of the lost records (first to last), seconds. */
  seconds: number;
}

export interface StorageFault {
  store: StoreName;
  path: string;
  /** errno or SQLite code: ENOSPC, EROFS, EACCES, EIO, SQLITE_FULL, … */
  code: string;
  message: string;
  sinceMs: number;
  /** Failed attempts since it began. */
  attempts: number;
}

export type StorageNotice =
  | { kind: 'storage-failed'; atMs: number; store: StoreName; path: string; code: string; message: string }
  | { kind: 'storage-recovered'; atMs: number; store: StoreName; downMs: number; lost: Lost }
  | { kind: 'storage-low'; atMs: number; freeBytes: number; level: 'warn' | 'stop'; thresholdBytes: number }
  | { kind: 'storage-space-ok'; atMs: number; freeBytes: number };

export interface StorageHealthOptions {
  clock: Clock;
  dataDir: string;
  /** Warn under this many free bytes. Default 2 GiB. */
  warnFreeBytes?: number;
  /** Refuse new launches under this many free bytes. Default 512 MiB. */
  stopFreeBytes?: number;
  /** How often free space is measured and stores retry. Default 5 s. */
  checkMs?: number;
  /** Free bytes of a folder (tests inject); default statfs. */
  freeBytes?: (dir: string) => number | null;
}

export const STORE_WORDS: Record<StoreName, string> = { tlogs: 'telemetry logs', patrol: 'patrol record', video: 'video recording', audit: 'command audit' };

/** The errno/SQLite code of a thrown error, and its words without the syscall's path tail. */
export function errorCause(e: unknown): { code: string; message: string } {
  const x = e as { code?: unknown; message?: unknown };
  const code = typeof x?.code === 'string' ? x.code : 'EUNKNOWN';
  const raw = typeof x?.message === 'string' ? x.message : String(e);
  // "ENOSPC: no space left on device, write '/d/x'" → "no space left on device" (the code is said beside it).
  const message = raw.replace(/, \w+(?: '[^']*')?(?: -> '[^']*')?$/, '').replace(`${code}: `, '');
  return { code, message };
}

const mib = (b: number) => `${(b / 1048576).toFixed(b < 10 * 1048576 ? 1 : 0)} MiB`;

export class StorageHealth {
  private readonly fails = new Map<StoreName, StorageFault>();
  private readonly listeners = new Set<(n: StorageNotice) => void>();
  private readonly retriers = new Map<() => void, StoreName>();
  private readonly timer: TimerId;
  private level: 'ok' | 'warn' | 'stop' = 'ok';
  private free: number | null = null;
  private closed = false;
  readonly warnFreeBytes: number;
  readonly stopFreeBytes: number;

  constructor(private readonly o: StorageHealthOptions) {
    this.warnFreeBytes = o.warnFreeBytes ?? 2 * 1024 ** 3;
    this.stopFreeBytes = Math.min(o.stopFreeBytes ?? 512 * 1024 ** 2, this.warnFreeBytes);
    // The first measurement is the first check's (or the owner's `check()` once it listens): a disk already
    // low at start is then said like any other change.
    this.timer = o.clock.setInterval(() => this.check(), o.checkMs ?? 5000);
  }

  /** A write to `store` failed. The first failure of a run of them is a notice; later ones count attempts. */
  failed(store: StoreName, path: string, e: unknown): void {
    const { code, message } = errorCause(e);
    const f = this.fails.get(store);
    if (f) {
      f.attempts++;
      if (f.code === code) return;
      // The cause changed (ENOSPC → EIO): said again.
      Object.assign(f, { code, message, path });
    } else this.fails.set(store, { store, path, code, message, sinceMs: this.o.clock.now(), attempts: 1 });
    this.emit({ kind: 'storage-failed', atMs: this.o.clock.now(), store, path, code, message });
  }

  /** Writes to `store` work again; `lost` is what could not be kept in between. Nothing happens when it had not failed. */
  recovered(store: StoreName, lost: Lost = { records: 0, bytes: 0, seconds: 0 }): void {
    const f = this.fails.get(store);
    if (!f) return;
    this.fails.delete(store);
    const atMs = this.o.clock.now();
    this.emit({ kind: 'storage-recovered', atMs, store, downMs: atMs - f.sinceMs, lost });
  }

  isFailing(store: StoreName): boolean {
    return this.fails.has(store);
  }

  faults(): StorageFault[] {
    return [...this.fails.values()].map((f) => ({ ...f }));
  }

  space(): { freeBytes: number | null; level: 'ok' | 'warn' | 'stop' } {
    return { freeBytes: this.free, level: this.level };
  }

  /** Why new launches must wait, or null: a store that cannot keep its records, or the disk under the stop mark. */
  launchBlocker(): string | null {
    const f = this.fails.values().next().value as StorageFault | undefined;
    if (f) return `records cannot be kept: ${STORE_WORDS[f.store]} ${f.code} (${f.message})`;
    if (this.level === 'stop' && this.free !== null) return `records: ${mib(this.free)} free < ${mib(this.stopFreeBytes)}`;
    return null;
  }

  onNotice(l: (n: StorageNotice) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** `fn` runs at every check: a store holding records it could not write tries them again. */
  onRetry(store: StoreName, fn: () => void): () => void {
    this.retriers.set(fn, store);
    return () => this.retriers.delete(fn);
  }

  /** Measure the free space and let the stores retry (also runs every `checkMs`). */
  check(): void {
    if (this.closed) return;
    for (const [r, store] of [...this.retriers]) {
      try {
        r();
      } catch (e) {
        // A retrier does not throw; if one does, its store is failing all the same, said once per cause.
        this.failed(store, '(retry)', e);
      }
    }
    this.measure();
  }

  close(): void {
    this.closed = true;
    this.o.clock.clearInterval(this.timer);
    this.listeners.clear();
    this.retriers.clear();
  }

  private measure(): void {
    const free = (this.o.freeBytes ?? statFree)(this.o.dataDir);
    this.free = free;
    if (free === null) return;
    const level = free < this.stopFreeBytes ? 'stop' : free < this.warnFreeBytes ? 'warn' : 'ok';
    if (level === this.level) return;
    const rank = { ok: 0, warn: 1, stop: 2 } as const;
    const worse = rank[level] > rank[this.level];
    this.level = level;
    const atMs = this.o.clock.now();
    if (level === 'ok') this.emit({ kind: 'storage-space-ok', atMs, freeBytes: free });
    else if (worse || level === 'warn') this.emit({ kind: 'storage-low', atMs, freeBytes: free, level, thresholdBytes: level === 'stop' ? this.stopFreeBytes : this.warnFreeBytes });
  }

  private emit(n: StorageNotice): void {
    for (const l of [...this.listeners]) l(n);
  }
}

/** A notice as the console's event (English text; the console words it from kind + args). */
export function storageEvent(n: StorageNotice): StationEvent {
  switch (n.kind) {
    case 'storage-failed':
      return {
        atMs: n.atMs, kind: n.kind, severity: 'alert',
        text: `${STORE_WORDS[n.store]} cannot be written: ${n.code} (${n.message}) — new launches refused, drones in the air fly on`,
        args: { store: n.store, code: n.code, path: n.path },
      };
    case 'storage-recovered':
      return {
        atMs: n.atMs, kind: n.kind, severity: 'notice',
        text: `${STORE_WORDS[n.store]} written again after ${Math.round(n.downMs / 1000)} s; lost ${n.lost.records} records (${n.lost.bytes} bytes, ${n.lost.seconds.toFixed(1)} s)`,
        args: { store: n.store, seconds: String(Math.round(n.downMs / 1000)), records: String(n.lost.records), bytes: String(n.lost.bytes) },
      };
    case 'storage-low':
      return {
        atMs: n.atMs, kind: n.level === 'stop' ? 'storage-stop' : 'storage-low', severity: n.level === 'stop' ? 'alert' : 'warning',
        text: `data folder: ${mib(n.freeBytes)} free < ${mib(n.thresholdBytes)}${n.level === 'stop' ? ' — new launches refused' : ''}`,
        args: { free: mib(n.freeBytes), threshold: mib(n.thresholdBytes), level: n.level },
      };
    case 'storage-space-ok':
      return { atMs: n.atMs, kind: n.kind, severity: 'notice', text: `data folder: ${mib(n.freeBytes)} free again`, args: { free: mib(n.freeBytes) } };
  }
}

/** A notice as the patrol's alert (level and text; its store and the daily report's faults), or null for none. */
export function patrolAlert(n: StorageNotice): { level: 'critical' | 'warning' | 'notice'; text: string; said: Said } | null {
  if (n.kind === 'storage-space-ok') return null;
  const ev = storageEvent(n);
  // By code as the console's storage events (the console words `storage-*` with their args).
  return { level: ev.severity === 'alert' ? 'critical' : ev.severity === 'warning' ? 'warning' : 'notice', text: ev.text, said: { code: ev.kind, ...(ev.args ? { args: ev.args } : {}) } };
}
