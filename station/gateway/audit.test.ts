import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeRequire } from '../node-require.js';
import { auditCsv, openAuditLog, type AuditEntry, type AuditLog } from './audit.js';

const Database = nodeRequire()('better-sqlite3') as typeof BetterSqlite3;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function entry(i: number, over: Partial<AuditEntry> = {}): AuditEntry {
  return { atMs: 1_700_000_000_000 + i * 1000, who: i % 2 ? 'alice' : 'patrol-runner', role: 'pilot', via: i % 2 ? 'console' : 'runner', from: i % 2 ? '127.0.0.1' : '', sysid: 11 + (i % 3), drone: `JH-0${1 + (i % 3)}`, sortie: null, phase: 'request', ref: null, action: 'goto', command: JSON.stringify({ command: 'goto', latDeg: 24.6, lonDeg: 118.26, altRelM: 40 + i }), verdict: 'allowed', reason: '', answer: '', ...over };
}

function filled(n: number): { dir: string; log: AuditLog } {
  const dir = mkdtempSync(join(tmpdir(), 'kongxun-audit-'));
  dirs.push(dir);
  const log = openAuditLog(dir);
  if (!log.ok) throw new Error(log.reason);
  for (let i = 1; i <= n; i++) log.value.append(entry(i));
  return { dir, log: log.value };
}

/** What an attacker with the sqlite3 shell does: drop the guards, change the rows. */
function tamper(dir: string, sql: string): void {
  const db = new Database(join(dir, 'audit.sqlite'));
  db.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;');
  db.exec(sql);
  db.close();
}

function verifyAfter(dir: string, log: AuditLog, sql: string) {
  log.close();
  tamper(dir, sql);
  const again = openAuditLog(dir);
  if (!again.ok) throw new Error(again.reason);
  const v = again.value.verify();
  again.value.close();
  return v;
}

describe('the audit log', () => {
  it('chains rows 1…n and verifies; filters by time, drone and user; CSV', () => {
    const { log } = filled(6);
    const v = log.verify();
    expect(v).toMatchObject({ ok: true, rows: 6, problems: [] });
    expect(v.head?.id).toBe(6);
    expect(log.rows().map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(log.rows()[1]!.prev).toBe(log.rows()[0]!.hash);
    expect(log.rows({ user: 'alice' }).map((r) => r.id)).toEqual([1, 3, 5]);
    expect(log.rows({ drone: 'JH-01' }).map((r) => r.id)).toEqual([3, 6]);
    expect(log.rows({ drone: '11' }).map((r) => r.id)).toEqual([3, 6]);
    expect(log.rows({ sinceMs: 1_700_000_000_000 + 5000 }).map((r) => r.id)).toEqual([5, 6]);
    expect(log.rows({ limit: 2 }).map((r) => r.id)).toEqual([5, 6]);
    const csv = auditCsv(log.rows({ limit: 1 })).split('\r\n');
    expect(csv[0]).toBe('id,time_utc,who,role,via,from,sysid,drone,sortie,phase,ref,action,command,verdict,reason,answer,prev,hash');
    expect(csv[1]).toMatch(/^6,2023-11-14T22:13:26.000Z,patrol-runner,pilot,runner,,11,JH-01,,request,,goto,"{""command"":""goto"",/);
    log.close();
  });

  it('refuses UPDATE and DELETE through SQLite (append-only)', () => {
    const { dir, log } = filled(2);
    log.close();
    const db = new Database(join(dir, 'audit.sqlite'));
    expect(() => db.exec("UPDATE audit SET who = 'mallory' WHERE id = 1")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit WHERE id = 1')).toThrow(/append-only/);
    db.close();
  });

  it('names an edited row', () => {
    const { dir, log } = filled(5);
    const v = verifyAfter(dir, log, "UPDATE audit SET command = replace(command, '\"altRelM\":43', '\"altRelM\":143') WHERE id = 3");
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([{ id: 3, problem: 'row 3: its content does not match its hash (edited, or moved here from another place)' }]);
  });

  it('names a deleted row', () => {
    const { dir, log } = filled(5);
    const v = verifyAfter(dir, log, 'DELETE FROM audit WHERE id = 2');
    expect(v.problems).toEqual([{ id: 3, problem: 'row 2 is missing (deleted): row 3 follows row 1' }]);
  });

  it('names swapped rows (contents exchanged, numbers kept)', () => {
    const { dir, log } = filled(5);
    const cols = 'at_ms, who, role, via, from_addr, sysid, drone, sortie, phase, ref, action, command, verdict, reason, answer, prev, hash';
    const v = verifyAfter(
      dir,
      log,
      `CREATE TEMP TABLE t AS SELECT * FROM audit WHERE id IN (2, 3);
       UPDATE audit SET (${cols}) = (SELECT ${cols} FROM t WHERE t.id = 3) WHERE id = 2;
       UPDATE audit SET (${cols}) = (SELECT ${cols} FROM t WHERE t.id = 2) WHERE id = 3;`,
    );
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => p.id)).toEqual([2, 2, 3, 3, 4]);
    expect(v.problems[0]!.problem).toBe('row 2 does not follow row 1: the row before it was replaced, or rows were deleted or moved');
  });

  it('renumbered rows (a delete covered up by shifting ids) still break the chain', () => {
    const { dir, log } = filled(4);
    const v = verifyAfter(dir, log, 'DELETE FROM audit WHERE id = 2; UPDATE audit SET id = id - 1 WHERE id > 2;');
    expect(v.ok).toBe(false);
    expect(v.problems[0]!.id).toBe(2);
  });
});
