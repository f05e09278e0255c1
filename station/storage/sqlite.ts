/**
 * One way the station opens its SQLite stores (patrol record, accounts, command audit, centre outbox):
 * better-sqlite3 loaded as an error value, the folder made with `makeDirs` (never Node 20's recursive mkdir,
 * which does not return under /proc), WAL, and each store's own synchronous level, busy timeout and schema.
 */
import { chmodSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { err, ok, type Result } from '../../common/result.js';
import { makeDirs } from './data-dir.js';
import { nodeRequire } from '../node-require.js';

export interface SqliteOptions {
  schema: string;
  synchronous?: 'NORMAL' | 'FULL';
  busyTimeoutMs?: number;
  /**
   * Readable by the station's own OS user only (no effect on Windows): the file exists with mode 0600 before
   * SQLite opens it, so its -wal and -shm files, which SQLite creates with the database's own mode, are too.
   */
  private?: boolean;
}

export function openSqlite(dir: string, name: string, o: SqliteOptions): Result<{ db: BetterSqlite3.Database; file: string }> {
  let Database: typeof BetterSqlite3;
  try {
    Database = nodeRequire()('better-sqlite3') as typeof BetterSqlite3;
  } catch (e) {
    return err('unavailable', `better-sqlite3 cannot be loaded: ${(e as Error).message}`);
  }
  const file = join(dir, name);
  const made = makeDirs(dir);
  if (!made.ok) return err('unwritable', `${file}: ${made.reason}`);
  try {
    if (o.private) {
      closeSync(openSync(file, 'a', 0o600));
      if (process.platform !== 'win32') chmodSync(file, 0o600);
    }
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    if (o.synchronous) db.pragma(`synchronous = ${o.synchronous}`);
    if (o.busyTimeoutMs !== undefined) db.pragma(`busy_timeout = ${o.busyTimeoutMs}`);
    db.exec(o.schema);
    return ok({ db, file });
  } catch (e) {
    return err('unwritable', `${file}: ${(e as Error).message}`);
  }
}
