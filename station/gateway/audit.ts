/**
 * The station's audit: every action on a drone, from any source, in DATA/audit.sqlite (better-sqlite3, WAL) —
 * who, with which role, from where, when (the station's clock), which drone, what (the full command as JSON),
 * the gateway's verdict and, in a second row, the drone's answer. Always on, for every station.
 *
 * Append-only, tamper-evident: rows are numbered 1, 2, 3 … and each carries `hash` = SHA-256 over the previous
 * row's hash and its own content (its number included), so `verify()` names a row whose content was edited, a
 * row that is missing (deleted) and rows that were moved (their numbers are in their hashes). Triggers refuse
 * UPDATE and DELETE through SQLite; someone who edits the file by other means is what the chain is for. What a
 * chain cannot show on its own is the loss of the newest rows: `verify()` reports the head (last row and its
 * hash) so that a reviewer can note it and compare later.
 *
 * Appends from several processes (the station and a `kongxun command` on the same data folder) are serialised
 * by an IMMEDIATE transaction that reads the last row and writes the next one.
 */
import { openSqlite } from '../storage/sqlite.js';
import type { AuditRowView } from '../../common/api/contract.js';
import type { StorageHealth } from '../storage/health.js';
import { PendingRows } from '../storage/pending.js';
import { createHash } from 'node:crypto';
import { err, ok, type Result } from '../../common/result.js';

export type AuditPhase = AuditRowView['phase'];

/**
 * What one row says: the contract's row (common/api/contract.ts `AuditRowView`, documented there) without the
 * id and hash the log gives it when written.
 */
export type AuditEntry = Omit<AuditRowView, 'id' | 'hash'>;

/** A written row: its id, the previous row's hash and its own. */
export interface AuditRecord extends AuditRowView {
  prev: string;
}

export interface AuditFilter {
  sinceMs?: number;
  /** A drone id ("JH-01") or a system id ("11"). */
  drone?: string;
  user?: string;
  /** Newest rows first when given, at most this many. */
  limit?: number;
}

export interface AuditProblem {
  id: number;
  problem: string;
}

export interface AuditVerify {
  ok: boolean;
  rows: number;
  /** The last row's id and hash: note them to notice later that rows were cut off the end. */
  head: { id: number; hash: string } | null;
  problems: AuditProblem[];
}

export interface AuditLog {
  readonly file: string;
  /** Append one row; returns its id (0 when the log is closed). */
  /** Writes one row (chained to the last); never throws: a row the disk refuses waits in memory (see openAuditLog). */
  append(e: AuditEntry): number;
  /** Rows waiting to be written (the disk refused them). */
  pending(): number;
  rows(f?: AuditFilter): AuditRecord[];
  verify(): AuditVerify;
  close(): void;
}

export const GENESIS = '0'.repeat(64);

const COLUMNS = 'id, at_ms AS atMs, who, role, via, from_addr AS "from", sysid, drone, sortie, phase, ref, action, command, verdict, reason, answer, prev, hash';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, who TEXT NOT NULL, role TEXT NOT NULL, via TEXT NOT NULL,
  from_addr TEXT NOT NULL, sysid INTEGER, drone TEXT, sortie TEXT, phase TEXT NOT NULL, ref INTEGER,
  action TEXT NOT NULL, command TEXT NOT NULL, verdict TEXT NOT NULL, reason TEXT NOT NULL, answer TEXT NOT NULL,
  prev TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at_ms);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;
`;

/** SHA-256 over the previous hash and this row's content, its id included (hex). */
export function rowHash(prev: string, id: number, e: AuditEntry): string {
  const content = JSON.stringify([id, e.atMs, e.who, e.role, e.via, e.from, e.sysid, e.drone, e.sortie, e.phase, e.ref, e.action, e.command, e.verdict, e.reason, e.answer]);
  return createHash('sha256').update(prev).update('\n').update(content).digest('hex');
}

/** Check the chain of rows (ordered by id) as `verify()` does; exported for tests and tools. */
export function verifyChain(rows: AuditRecord[]): AuditVerify {
  const problems: AuditProblem[] = [];
  let prevId = 0;
  let prevHash = GENESIS;
  for (const r of rows) {
    const selfOk = rowHash(r.prev, r.id, r) === r.hash;
    if (r.id !== prevId + 1) {
      const gone = r.id - prevId - 1;
      problems.push({ id: r.id, problem: gone > 0 ? `row${gone > 1 ? `s ${prevId + 1}–${r.id - 1} are` : ` ${prevId + 1} is`} missing (deleted): row ${r.id} follows row ${prevId}` : `row ${r.id} is out of order after row ${prevId}` });
    } else if (r.prev !== prevHash) {
      problems.push({ id: r.id, problem: `row ${r.id} does not follow row ${prevId}: the row before it was replaced, or rows were deleted or moved` });
    }
    if (!selfOk) problems.push({ id: r.id, problem: `row ${r.id}: its content does not match its hash (edited, or moved here from another place)` });
    prevId = r.id;
    prevHash = r.hash;
  }
  const last = rows.at(-1);
  return { ok: problems.length === 0, rows: rows.length, head: last ? { id: last.id, hash: last.hash } : null, problems };
}

/** Rows held in memory while the audit cannot be written (a full disk): about a day of a busy station's commands. */
export const AUDIT_PENDING_MAX = 100_000;

/**
 * The audit in `DATA/<name>`. A row that cannot be written (a full or read-only disk) is never an exception into
 * the command path: it waits in memory, in order, with the rows after it, and all are written in one
 * transaction at the next append or the health's retry; the failure and the recovery go to `health` (an alert,
 * and new launches wait, as for every store). Ids are given at write time from the file, so a CLI writing the
 * same file meanwhile keeps the chain whole; only a row beyond AUDIT_PENDING_MAX is lost, counted, and then
 * shows as a gap `audit verify` names.
 */
export function openAuditLog(dataDir: string, name = 'audit.sqlite', o: { health?: StorageHealth } = {}): Result<AuditLog> {
  const opened = openSqlite(dataDir, name, { schema: SCHEMA, synchronous: 'NORMAL', busyTimeoutMs: 5000 });
  if (!opened.ok) return err(opened.code, `audit ${opened.reason}`);
  const { db, file } = opened.value;
  const last = db.prepare('SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1');
  const insert = db.prepare(
    'INSERT INTO audit (id, at_ms, who, role, via, from_addr, sysid, drone, sortie, phase, ref, action, command, verdict, reason, answer, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const appendTx = db.transaction((e: AuditEntry): number => {
    const top = last.get() as { id: number; hash: string } | undefined;
    const id = (top?.id ?? 0) + 1;
    const prev = top?.hash ?? GENESIS;
    insert.run(id, e.atMs, e.who, e.role, e.via, e.from, e.sysid, e.drone, e.sortie, e.phase, e.ref, e.action, e.command, e.verdict, e.reason, e.answer, prev, rowHash(prev, id, e));
    return id;
  });
  const flushTx = db.transaction((rows: readonly AuditEntry[]): void => {
    for (const e of rows) appendTx(e);
  });
  // Rows the disk refused wait in order (station/storage/pending.ts), at most AUDIT_PENDING_MAX.
  const pending = new PendingRows<AuditEntry>({ store: 'audit', file, health: o.health, limit: AUDIT_PENDING_MAX, writeAll: (rows) => flushTx.immediate(rows) });
  /** Writes what waits; true when nothing waits any more. */
  const flush = (): boolean => (pending.size === 0 || !db.open ? true : pending.flush());
  const offRetry = o.health?.onRetry('audit', () => void flush());
  return ok({
    file,
    append: (e) => {
      if (!db.open) return 0;
      if (flush()) {
        try {
          return appendTx.immediate(e);
        } catch (x) {
          pending.failed(x);
        }
      }
      if (!pending.add(e, { bytes: 0, atMs: e.atMs })) return 0;
      // The id it will have, this station being the only writer meanwhile (the result row's `ref`).
      const top = last.get() as { id: number } | undefined;
      return (top?.id ?? 0) + pending.size;
    },
    pending: () => pending.size,
    rows: (f = {}) => {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (f.sinceMs !== undefined) {
        where.push('at_ms >= ?');
        args.push(f.sinceMs);
      }
      if (f.drone !== undefined) {
        where.push('(drone = ? OR CAST(sysid AS TEXT) = ?)');
        args.push(f.drone, f.drone);
      }
      if (f.user !== undefined) {
        where.push('who = ?');
        args.push(f.user);
      }
      const sql = `SELECT ${COLUMNS} FROM audit${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id${f.limit !== undefined ? ' DESC LIMIT ?' : ''}`;
      if (f.limit !== undefined) args.push(Math.max(0, Math.floor(f.limit)));
      const rows = db.prepare(sql).all(...args) as AuditRecord[];
      return f.limit !== undefined ? rows.reverse() : rows;
    },
    verify: () => verifyChain(db.prepare(`SELECT ${COLUMNS} FROM audit ORDER BY id`).all() as AuditRecord[]),
    close: () => {
      offRetry?.();
      if (!db.open) return;
      flush();
      db.close();
    },
  });
}

/** A field for CSV (RFC 4180): quoted when it holds a comma, quote or line break. */
function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_COLUMNS: (keyof AuditRecord)[] = ['id', 'atMs', 'who', 'role', 'via', 'from', 'sysid', 'drone', 'sortie', 'phase', 'ref', 'action', 'command', 'verdict', 'reason', 'answer', 'prev', 'hash'];

export function auditCsv(rows: AuditRecord[]): string {
  const lines = [['id', 'time_utc', ...CSV_COLUMNS.slice(2)].join(',')];
  for (const r of rows) lines.push([r.id, new Date(r.atMs).toISOString(), ...CSV_COLUMNS.slice(2).map((k) => r[k])].map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
