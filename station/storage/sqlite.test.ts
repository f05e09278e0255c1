import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'kx-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openSqlite', () => {
  it('makes the folder, opens in WAL with the store schema, and keeps a private file private', () => {
    const r = openSqlite(join(dir, 'a', 'b'), 's.sqlite', { schema: 'CREATE TABLE IF NOT EXISTS t (x)', synchronous: 'FULL', busyTimeoutMs: 5000, private: true });
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(r.value.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(r.value.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    r.value.db.prepare('INSERT INTO t VALUES (1)').run();
    r.value.db.close();
    if (process.platform !== 'win32') expect(statSync(r.value.file).mode & 0o777).toBe(0o600);
  });
  it('refuses a folder under /proc with the reason instead of hanging in mkdir', () => {
    const r = openSqlite('/proc/kongxun-x', 's.sqlite', { schema: '' });
    expect(r).toMatchObject({ ok: false, code: 'unwritable', reason: expect.stringMatching(/kernel pseudo-filesystem/) });
  });
});
