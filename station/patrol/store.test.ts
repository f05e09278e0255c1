/**
 * The patrol store when SQLite cannot write (SQLITE_FULL, from a page limit: SQLite's own "database or disk is
 * full" path, no root needed): no call throws (an uncaught SQLITE_FULL in saveSortie used to kill the station),
 * the failure is told to StorageHealth with its cause, the rows wait in order and are written — all of them,
 * in one transaction — when room returns; the database passes `PRAGMA integrity_check`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { StorageHealth, type StorageNotice } from '../storage/health.js';
import { openPatrolStore } from './store.js';
import type { Sortie } from './sortie.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sortie = (id: string, state: string) => ({ id, state, sysid: 11, pad: 'x'.repeat(400) }) as unknown as Sortie;

describe('patrol store on a full database', () => {
  it('never throws; holds the rows; writes them all when room returns, and says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kongxun-store-'));
    dirs.push(dir);
    const clock = new FakeClock(1_000_000);
    const health = new StorageHealth({ clock, dataDir: dir, freeBytes: () => null, checkMs: 5000 });
    const notices: StorageNotice[] = [];
    health.onNotice((n) => notices.push(n));
    let db!: BetterSqlite3.Database;
    const opened = openPatrolStore(dir, { health, onOpen: (d) => (db = d) });
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    const store = opened.value;
    // The database may grow by a few pages only: SQLite answers SQLITE_FULL past them.
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 3}`);
    let written = 0;
    for (let i = 0; i < 200; i++) {
      expect(() => store.event({ atMs: i, sortie: 'P001', sysid: 11, kind: 'state', text: `event ${i} ${'y'.repeat(300)}` })).not.toThrow();
      expect(() => store.saveSortie('day', sortie('P001', `s${i}`))).not.toThrow();
      if (store.pending() === 0) written = i + 1;
    }
    expect(written).toBeLessThan(200);
    expect(notices[0]).toMatchObject({ kind: 'storage-failed', store: 'patrol', code: 'SQLITE_FULL' });
    expect(health.launchBlocker()).toMatch(/^records cannot be kept: patrol record SQLITE_FULL/);
    // Events wait one each; the sortie's states replace each other: one row for it.
    expect(store.pending()).toBe(200 - written + 1);
    // Room again: the health check retries, everything is written.
    db.pragma('max_page_count = 1073741823');
    clock.advance(5000);
    expect(store.pending()).toBe(0);
    expect(notices.map((n) => n.kind)).toEqual(['storage-failed', 'storage-recovered']);
    expect((notices[1] as Extract<StorageNotice, { kind: 'storage-recovered' }>).lost).toEqual({ records: 0, bytes: 0, seconds: 0 });
    const events = store.events();
    expect(events.map((e) => e.atMs)).toEqual([...Array(200).keys()]);
    expect((store.sorties('day')[0] as unknown as { state: string }).state).toBe('s199');
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    store.close();
    health.close();
  });

  it('rows past the pending limit are counted as lost and said in the recovery', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kongxun-store-'));
    dirs.push(dir);
    const clock = new FakeClock(0);
    const health = new StorageHealth({ clock, dataDir: dir, freeBytes: () => null });
    const notices: StorageNotice[] = [];
    health.onNotice((n) => notices.push(n));
    let db!: BetterSqlite3.Database;
    const opened = openPatrolStore(dir, { health, pendingLimit: 10, onOpen: (d) => (db = d) });
    if (!opened.ok) throw new Error(opened.reason);
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    let direct = 0;
    for (let i = 0; i < 25; i++) {
      opened.value.event({ atMs: i, sortie: null, sysid: 11, kind: 'note', text: 'x'.repeat(2000) });
      if (opened.value.pending() === 0) direct = i + 1;
    }
    expect(direct).toBeLessThan(5);
    db.pragma('max_page_count = 1073741823');
    expect(opened.value.retry()).toBe(true);
    const rec = notices.find((n) => n.kind === 'storage-recovered') as Extract<StorageNotice, { kind: 'storage-recovered' }>;
    const kept = opened.value.events().length;
    expect(kept).toBe(direct + 10);
    expect(rec.lost.records).toBe(25 - kept);
    opened.value.close();
    health.close();
  });

  it('opens with WAL and synchronous=FULL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kongxun-store-'));
    dirs.push(dir);
    let db!: BetterSqlite3.Database;
    const opened = openPatrolStore(dir, { onOpen: (d) => (db = d) });
    if (!opened.ok) throw new Error(opened.reason);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    opened.value.close();
  });
});
