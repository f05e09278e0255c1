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
import { PendingRows } from '../storage/pending.js';
import type BetterSqlite3 from 'better-sqlite3';
import { ok, type Result } from '../../common/result.js';
import { SystemClock, type Clock } from '../../common/clock.js';
import type { Sortie } from './sortie.js';
import type { Said } from './said.js';

/** `said`: the row by code (said.ts) for a console to word in its language; `text` is its English. Absent in rows written before codes. */
export interface EventRow { atMs: number; sortie: string | null; sysid: number | null; kind: string; text: string; said?: Said | null }
export interface AlertRow {
  atMs: number; sortie: string | null; sysid: number | null; level: string; text: string; state: string | null; said?: Said | null;
  /** The picture of the moment (issue 18): a JPEG in DATA/snapshots (station/video/alert-snapshot.ts), kept with the alert. */
  snapshot?: { file: string; atMs: number };
}

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
  // Records written before messages had codes: the column is added (empty for their rows).
  for (const t of ['events', 'alerts']) {
    const cols = db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[];
    if (!cols.some((c) => c.name === 'said')) db.exec(`ALTER TABLE ${t} ADD COLUMN said TEXT`);
  }
  const upsert = db.prepare('INSERT INTO sorties (day, id, state, sysid, body, updated_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(day, id) DO UPDATE SET state = excluded.state, sysid = excluded.sysid, body = excluded.body, updated_ms = excluded.updated_ms');
  const ev = db.prepare('INSERT INTO events (at_ms, sortie, sysid, kind, text, said) VALUES (?, ?, ?, ?, ?, ?)');
  // Alert pictures came later (issue 18): a store written before gets the column.
  if (!(db.prepare('PRAGMA table_info(alerts)').all() as { name: string }[]).some((c) => c.name === 'snapshot')) db.exec('ALTER TABLE alerts ADD COLUMN snapshot TEXT');
  const al = db.prepare('INSERT INTO alerts (at_ms, sortie, sysid, level, text, state, said, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const kvSet = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  const kvGet = db.prepare('SELECT value FROM kv WHERE key = ?');

  // Rows the disk refused, in order; a keyed row (a sortie's state, a kv) replaces its older self.
  const flushAll = db.transaction((runs: readonly (() => void)[]) => {
    for (const run of runs) run();
  });
  const pending = new PendingRows<() => void>({ store: 'patrol', file, health: o.health, limit: o.pendingLimit ?? 50_000, writeAll: (runs) => flushAll(runs) });
  const retry = (): boolean => {
    if (pending.size === 0) return true;
    if (!db.open) return false;
    return pending.flush();
  };
  // Writes after close are dropped: they come from actions the shutdown itself cancelled, finishing late (the
  // station closes its links before this store; the sorties' states were saved as they changed).
  let lastRetryMs = 0;
  const write = (key: string | null, bytes: number, run: () => void): void => {
    if (!db.open) return;
    // Behind rows that wait, a new row waits too (order kept), but tries them all again at most once a second.
    const nowMs = clock.now();
    if (pending.size > 0 && nowMs - lastRetryMs >= 1000) {
      lastRetryMs = nowMs;
      retry();
    }
    if (pending.size === 0) {
      try {
        run();
        return;
      } catch (e) {
        lastRetryMs = nowMs;
        pending.failed(e);
      }
    }
    pending.add(run, { key, bytes, atMs: nowMs });
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
    event: (r) => {
      const sd = r.said ? JSON.stringify(r.said) : null;
      write(null, r.text.length + (sd?.length ?? 0) + 32, () => ev.run(r.atMs, r.sortie, r.sysid, r.kind, r.text, sd));
    },
    alert: (r) => {
      const sd = r.said ? JSON.stringify(r.said) : null;
      const snap = r.snapshot ? JSON.stringify({ file: r.snapshot.file, atMs: r.snapshot.atMs }) : null;
      write(null, r.text.length + (r.state?.length ?? 0) + (sd?.length ?? 0) + (snap?.length ?? 0) + 32, () => al.run(r.atMs, r.sortie, r.sysid, r.level, r.text, r.state, sd, snap));
    },
    events: () => (db.prepare('SELECT at_ms AS atMs, sortie, sysid, kind, text, said FROM events ORDER BY id').all() as (Omit<EventRow, 'said'> & { said: string | null })[]).map((r) => ({ ...r, said: readSaid(r.said) })),
    alerts: () =>
      (db.prepare('SELECT at_ms AS atMs, sortie, sysid, level, text, state, said, snapshot FROM alerts ORDER BY id').all() as (Omit<AlertRow, 'said' | 'snapshot'> & { said: string | null; snapshot: string | null })[]).map(({ snapshot, said, ...r }) => {
        const snap = parseSnapshot(snapshot);
        return { ...r, said: readSaid(said), ...(snap ? { snapshot: snap } : {}) };
      }),
    setKv: (k, v) => write(`kv:${k}`, v.length, () => kvSet.run(k, v)),
    kv: (k) => (kvGet.get(k) as { value: string } | undefined)?.value,
    pending: () => pending.size,
    retry,
    close: () => {
      if (!db.open) return;
      offRetry?.();
      retry();
      db.close();
    },
  });
}

/** A stored picture reference, checked (a hand-edited or damaged row is no picture, not a crash). */
function parseSnapshot(text: string | null): AlertRow['snapshot'] {
  if (!text) return undefined;
  try {
    const x = JSON.parse(text) as { file?: unknown; atMs?: unknown };
    return typeof x.file === 'string' && typeof x.atMs === 'number' && Number.isFinite(x.atMs) ? { file: x.file, atMs: x.atMs } : undefined;
  } catch {
    return undefined;
  }
}

/** A stored message code read back: checked as any file's content (a hand-edited row is not trusted), else null. */
export function readSaid(json: string | null): Said | null {
  if (!json || json.length > 20_000) return null;
  try {
    return checkSaid(JSON.parse(json) as unknown, 0);
  } catch {
    return null;
  }
}

function checkSaid(v: unknown, depth: number): Said | null {
  if (depth > 4 || typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.code !== 'string' || !/^[a-z][a-z0-9-]{0,40}$/.test(o.code)) return null;
  const out: Said = { code: o.code };
  if (o.args !== undefined) {
    if (typeof o.args !== 'object' || o.args === null) return null;
    const args: Record<string, string> = {};
    for (const [k, x] of Object.entries(o.args)) if (typeof x === 'string') args[k] = x;
    out.args = args;
  }
  if (Array.isArray(o.why)) out.why = o.why.slice(0, 20).map((w) => checkSaid(w, depth + 1)).filter((w): w is Said => w !== null);
  return out;
}
