/**
 * The patrol runner's record in an embedded SQLite database (better-sqlite3, synchronous, WAL) in the data
 * folder: the sorties with their state, the events and the alerts. (Every command the runner sends is in the
 * station's audit, DATA/audit.sqlite, through the command gateway; databases written before kept an `audit`
 * table here, which is left as it is.) A station restarted mid-day reads the sorties back (`sorties(day)`) and
 * carries on from them.
 *
 * Every call returns a value or nothing; opening returns a Result (a missing native module is an error value).
 */
import { mkdirSync } from 'node:fs';
import { nodeRequire } from '../node-require.js';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { err, ok, type Result } from '../../mavlink/result.js';
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
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sorties (day TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL, sysid INTEGER NOT NULL,
  body TEXT NOT NULL, updated_ms INTEGER NOT NULL, PRIMARY KEY (day, id));
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, sortie TEXT, sysid INTEGER, kind TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, sortie TEXT, sysid INTEGER, level TEXT NOT NULL, text TEXT NOT NULL, state TEXT);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export function openPatrolStore(dataDir: string, name = 'patrol.sqlite'): Result<PatrolStore> {
  let Database: typeof BetterSqlite3;
  try {
    Database = nodeRequire()('better-sqlite3') as typeof BetterSqlite3;
  } catch (e) {
    return err('unavailable', `better-sqlite3 cannot be loaded: ${(e as Error).message}`);
  }
  let db: BetterSqlite3.Database;
  const file = join(dataDir, name);
  try {
    mkdirSync(dataDir, { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
  } catch (e) {
    return err('unwritable', `${file}: ${(e as Error).message}`);
  }
  const upsert = db.prepare('INSERT INTO sorties (day, id, state, sysid, body, updated_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(day, id) DO UPDATE SET state = excluded.state, sysid = excluded.sysid, body = excluded.body, updated_ms = excluded.updated_ms');
  const ev = db.prepare('INSERT INTO events (at_ms, sortie, sysid, kind, text) VALUES (?, ?, ?, ?, ?)');
  const al = db.prepare('INSERT INTO alerts (at_ms, sortie, sysid, level, text, state) VALUES (?, ?, ?, ?, ?, ?)');
  const kvSet = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  const kvGet = db.prepare('SELECT value FROM kv WHERE key = ?');
  // Writes after close are dropped: they come from actions the shutdown itself cancelled, finishing late (the
  // station closes its links before this store; the sorties' states were saved as they changed).
  return ok({
    file,
    saveSortie: (day, s) => void (db.open && upsert.run(day, s.id, s.state, s.sysid, JSON.stringify(s), Date.now())),
    sorties: (day) => (db.prepare('SELECT body FROM sorties WHERE day = ? ORDER BY rowid').all(day) as { body: string }[]).map((r) => JSON.parse(r.body) as Sortie),
    event: (r) => void (db.open && ev.run(r.atMs, r.sortie, r.sysid, r.kind, r.text)),
    alert: (r) => void (db.open && al.run(r.atMs, r.sortie, r.sysid, r.level, r.text, r.state)),
    events: () => db.prepare('SELECT at_ms AS atMs, sortie, sysid, kind, text FROM events ORDER BY id').all() as EventRow[],
    alerts: () => db.prepare('SELECT at_ms AS atMs, sortie, sysid, level, text, state FROM alerts ORDER BY id').all() as AlertRow[],
    setKv: (k, v) => void (db.open && kvSet.run(k, v)),
    kv: (k) => (kvGet.get(k) as { value: string } | undefined)?.value,
    close: () => db.close(),
  });
}
