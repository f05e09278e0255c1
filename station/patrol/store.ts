/**
 * The patrol runner's record in an embedded SQLite database (better-sqlite3, synchronous, WAL) in the data
 * folder: the sorties with their state, the events and the alerts. (Every command the runner sends is in the
 * station's audit, DATA/audit.sqlite, through the command gateway; databases written before kept an `audit`
 * table here, which is left as it is.) A station restarted mid-day reads the sorties back (`sorties(day)`) and
 * carries on from them.
 *
 * Durability: WAL with synchronous=FULL — every committed row is on the disk when its call returns (the WAL is
 * fsync'd at each commit), so a power cut loses nothing that was written; a kill -9 loses nothing either.
 *
 * A write never throws. A write the disk refuses (SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, …) is kept in
 * memory, in order (up to `pendingLimit` rows; a sortie's newer state replaces its older one), reported to the
 * station's StorageHealth with its cause, and tried again — all pending rows in one transaction, all or
 * nothing — at the next write and at every health check, so the record resumes by itself when space returns.
 * Rows beyond the limit are counted as lost and said so in the recovery notice.
 *
 * Every call returns a value or nothing; opening returns a Result (a missing native module is an error value).
 */
import { openSqlite } from '../storage/sqlite.js';
import type { StorageHealth } from '../storage/health.js';
import type BetterSqlite3 from 'better-sqlite3';
import { ok, type Result } from '../../mavlink/result.js';
import { SystemClock, type Clock } from '../../mavlink/clock.js';
import type { Sortie } from './sortie.js';

export interface EventRow { atMs: number; sortie: string | null; sysid: number | null; kind: string; text: string }
export interface AlertRow { atMs: number; sortie: string | null; sysid: number | null; level: string; text: string; state: string | null }

export interface PatrolStore {
  readonly file: string;
  saveSortie(day: string, s: Sortie): void;
  sorties(day: string): Sortie[];
  event(r: EventRow): void;
  alert(r: AlertRow): void;
  events(): EventRow[];
  alerts(): AlertRow[];
  setKv(key: string, value: string): void;
  kv(key: string): string | undefined;
  /** Rows waiting for the disk (0 when all is written). */
  pending(): number;
  /** Try the pending rows again now; true when none is left. */
  retry(): boolean;
  close(): void;
}

export interface PatrolStoreOptions {
  /** File name in the data folder. Default patrol.sqlite. */
  name?: string;
  health?: StorageHealth;
  /**
   * The station's clock: sortie rows are stamped and the disk's refusals timed with it (a simulated day's rows
   * carry the day's time). Default the system clock (tools that open the store alone).
   */
  clock?: Clock;
  /** SQLite synchronous mode under WAL. Default FULL (see above). */
  synchronous?: 'NORMAL' | 'FULL';
  /** Rows held while the disk refuses them. Default 50 000. */
  pendingLimit?: number;
  /** Called on the database right after it is opened (tests cap its size with max_page_count). */
  onOpen?: (db: BetterSqlite3.Database) => void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sorties (day TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL, sysid INTEGER NOT NULL,
  body TEXT NOT NULL, updated_ms INTEGER NOT NULL, PRIMARY KEY (day, id));
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, sortie TEXT, sysid INTEGER, kind TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, sortie TEXT, sysid INTEGER, level TEXT NOT NULL, text TEXT NOT NULL, state TEXT);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export function openPatrolStore(dataDir: string, opts: string | PatrolStoreOptions = {}): Result<PatrolStore> {
  const o: PatrolStoreOptions = typeof opts === 'string' ? { name: opts } : opts;
  const clock = o.clock ?? new SystemClock();
  const opened = openSqlite(dataDir, o.name ?? 'patrol.sqlite', { schema: SCHEMA, synchronous: o.synchronous ?? 'FULL' });
  if (!opened.ok) return opened;
  const { db, file } = opened.value;
  o.onOpen?.(db);
  const upsert = db.prepare('INSERT INTO sorties (day, id, state, sysid, body, updated_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(day, id) DO UPDATE SET state = excluded.state, sysid = excluded.sysid, body = excluded.body, updated_ms = excluded.updated_ms');
  const ev = db.prepare('INSERT INTO events (at_ms, sortie, sysid, kind, text) VALUES (?, ?, ?, ?, ?)');
  const al = db.prepare('INSERT INTO alerts (at_ms, sortie, sysid, level, text, state) VALUES (?, ?, ?, ?, ?, ?)');
  const kvSet = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  const kvGet = db.prepare('SELECT value FROM kv WHERE key = ?');

  // Rows the disk refused, in order; a keyed row (a sortie's state, a kv) replaces its older self.
  const pending: { key: string | null; run: () => void; bytes: number }[] = [];
  const limit = o.pendingLimit ?? 50_000;
  let lostRows = 0;
  let lostBytes = 0;
  let firstLostMs = 0;
  let lastLostMs = 0;
  const flushAll = db.transaction(() => {
    for (const p of pending) p.run();
  });
  const retry = (): boolean => {
    if (pending.length === 0) return true;
    if (!db.open) return false;
    try {
      flushAll();
    } catch (e) {
      o.health?.failed('patrol', file, e);
      return false;
    }
    pending.length = 0;
    o.health?.recovered('patrol', { records: lostRows, bytes: lostBytes, seconds: lostRows ? (lastLostMs - firstLostMs) / 1000 : 0 });
    lostRows = lostBytes = 0;
    return true;
  };
  // Writes after close are dropped: they come from actions the shutdown itself cancelled, finishing late (the
  // station closes its links before this store; the sorties' states were saved as they changed).
  let lastRetryMs = 0;
  const write = (key: string | null, bytes: number, run: () => void): void => {
    if (!db.open) return;
    // Behind rows that wait, a new row waits too (order kept), but tries them all again at most once a second.
    const nowMs = clock.now();
    if (pending.length > 0 && nowMs - lastRetryMs >= 1000) {
      lastRetryMs = nowMs;
      retry();
    }
    if (pending.length === 0) {
      try {
        run();
        return;
      } catch (e) {
        lastRetryMs = nowMs;
        o.health?.failed('patrol', file, e);
      }
    }
    if (key !== null) {
      const i = pending.findIndex((p) => p.key === key);
      if (i >= 0) pending.splice(i, 1);
    }
    if (pending.length >= limit) {
      if (lostRows === 0) firstLostMs = nowMs;
      lastLostMs = nowMs;
      lostRows++;
      lostBytes += bytes;
      return;
    }
    pending.push({ key, run, bytes });
  };
  const offRetry = o.health?.onRetry('patrol', () => void retry());
  return ok({
    file,
    saveSortie: (day, s) => {
      const body = JSON.stringify(s);
      const at = clock.now();
      write(`sortie:${day}/${s.id}`, body.length, () => upsert.run(day, s.id, s.state, s.sysid, body, at));
    },
    sorties: (day) => (db.prepare('SELECT body FROM sorties WHERE day = ? ORDER BY rowid').all(day) as { body: string }[]).map((r) => JSON.parse(r.body) as Sortie),
    event: (r) => write(null, r.text.length + 32, () => ev.run(r.atMs, r.sortie, r.sysid, r.kind, r.text)),
    alert: (r) => write(null, r.text.length + (r.state?.length ?? 0) + 32, () => al.run(r.atMs, r.sortie, r.sysid, r.level, r.text, r.state)),
    events: () => db.prepare('SELECT at_ms AS atMs, sortie, sysid, kind, text FROM events ORDER BY id').all() as EventRow[],
    alerts: () => db.prepare('SELECT at_ms AS atMs, sortie, sysid, level, text, state FROM alerts ORDER BY id').all() as AlertRow[],
    setKv: (k, v) => write(`kv:${k}`, v.length, () => kvSet.run(k, v)),
    kv: (k) => (kvGet.get(k) as { value: string } | undefined)?.value,
    pending: () => pending.length,
    retry,
    close: () => {
      if (!db.open) return;
      offRetry?.();
      retry();
      db.close();
    },
  });
}
