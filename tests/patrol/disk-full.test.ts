/**
 * Disk full mid-patrol, on the simulated day with the station's records watched (tlogs recorded, the patrol
 * store, StorageHealth gating launches), two ways:
 *  - a real disk: a 64 MiB tmpfs the test mounts (root only; CI runs as root), filled with fallocate while P001
 *    is on patrol, emptied again before P002's slot ends;
 *  - an injected one (any user): the recorder's fs ends its capacity at the byte it has reached
 *    (ENOSPC at byte N) and SQLite's max_page_count stops the store growing (SQLITE_FULL).
 * Each checks: the station neither crashes nor goes silent (a critical alert names ENOSPC / SQLITE_FULL); the
 * drone in the air flies on (P001 stays on patrol, no command is sent to it because of the disk); no sortie
 * launches while records cannot be kept (P002's gates say why); when space returns the recording resumes,
 * says so, and P002's slot is flown; the tlogs read whole (no torn record) and SQLite's integrity_check is ok;
 * what was lost is counted: 0 records, 0 bytes, 0 s (the records waited in memory during the outage).
 */
import { readdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeRequire } from '../../station/node-require.js';
import type { SimDay } from '../../station/patrol/sim-day.js';
import type { StorageNotice } from '../../station/storage/health.js';
import { EnospcFs } from '../../station/testdata/enospc-fs.js';
import { fillUp, mountTmpfs } from '../../station/testdata/mounts.js';
import { readTlogFile, type TlogStats } from '../../station/storage/tlog.js';
import { sampleSimDay } from './testkit.js';

const cleanup: (() => void | Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

interface Disk {
  dataDir?: string;
  fill(): void;
  free(): void;
}

async function diskFullMidPatrol(disk: Disk, day: SimDay, db: () => BetterSqlite3.Database): Promise<string> {
  const byId = (id: string) => day.runner.list().find((s) => s.id === id)!;
  const p1 = day.day.sorties.find((s) => s.s.id === 'P001')!;
  const p2 = day.day.sorties.find((s) => s.s.id === 'P002')!;
  await day.runUntil(p1.onMs + 2 * 60_000);
  expect(byId('P001').state).toBe('on_patrol');
  const p1sysid = byId('P001').sysid;
  const faultAt = day.clock.now();
  disk.fill();
  // Through P002's launch time, with the disk full.
  await day.runUntil(p2.launchMs + 60_000);
  const failed = day.notices.filter((n): n is Extract<StorageNotice, { kind: 'storage-failed' }> => n.kind === 'storage-failed');
  expect(failed.map((n) => n.store)).toContain('tlogs');
  expect(failed.every((n) => n.code === 'ENOSPC' || n.code === 'SQLITE_FULL')).toBe(true);
  expect(day.health!.launchBlocker()).toMatch(/^records/);
  // The drone in the air flies on, and nothing was sent to it because of the disk.
  expect(byId('P001').state).toBe('on_patrol');
  // No sortie launched during the outage, and the gates said why.
  const launchedDuring = day.runner.list().filter((s) => s.launchedAtMs !== null && s.launchedAtMs > faultAt);
  expect(launchedDuring).toEqual([]);
  const p2slot = day.runner.list().filter((s) => s.id === 'P002' || s.replaces === 'P002');
  expect(p2slot.some((s) => /records/.test(s.reason ?? ''))).toBe(true);
  const freedAt = day.clock.now();
  disk.free();
  await day.runUntil(p2.onMs + 10 * 60_000);
  const recovered = day.notices.filter((n): n is Extract<StorageNotice, { kind: 'storage-recovered' }> => n.kind === 'storage-recovered');
  // Every store that failed at any time (the audit may first fail on a command after the first look) recovered.
  const failedAll = day.notices.filter((n) => n.kind === 'storage-failed').map((n) => (n as Extract<StorageNotice, { kind: 'storage-failed' }>).store);
  expect(recovered.map((n) => n.store).sort()).toEqual([...new Set(failedAll)].sort());
  for (const r of recovered) expect(r.lost).toEqual({ records: 0, bytes: 0, seconds: 0 });
  // The command audit held what the disk refused and wrote it when space returned: the chain is whole.
  expect(day.gateway.audit.pending()).toBe(0);
  expect(day.gateway.audit.verify()).toMatchObject({ ok: true, problems: [] });
  expect(day.health!.launchBlocker()).toBeNull();
  // The slot is flown once the records can be kept again.
  expect(day.runner.list().some((s) => (s.id === 'P002' || s.replaces === 'P002') && s.launchedAtMs !== null && s.launchedAtMs >= freedAt)).toBe(true);
  expect(day.gateway.audit.rows().filter((r) => r.phase === 'request' && r.sysid === p1sysid && r.atMs >= faultAt && r.atMs < freedAt && /RTL|land/i.test(r.action))).toEqual([]);
  // The alerts of the outage are in the store (written when space returned), so the daily report has them.
  const alerts = day.store.alerts().filter((a) => a.atMs >= faultAt);
  expect(alerts.some((a) => a.level === 'critical' && /cannot be written: (ENOSPC|SQLITE_FULL)/.test(a.text))).toBe(true);
  expect(alerts.some((a) => /written again after/.test(a.text))).toBe(true);
  // Records on disk: whole, and the SQLite file intact.
  await day.close();
  let records = 0;
  let bytes = 0;
  for (const f of readdirSync(join(day.dataDir, 'tlogs'))) {
    const stats: TlogStats = { records: 0, skippedBytes: 0, truncated: false };
    const recs = readTlogFile(join(day.dataDir, 'tlogs', f), stats);
    expect(stats, f).toEqual({ records: recs.length, skippedBytes: 0, truncated: false });
    records += recs.length;
    bytes += recs.reduce((t, x) => t + 8 + x.frame.raw.length, 0);
  }
  expect(db().open).toBe(false);
  const Database = nodeRequire()('better-sqlite3') as typeof BetterSqlite3;
  const check = new Database(join(day.dataDir, 'patrol.sqlite'), { readonly: true });
  expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
  check.close();
  const down = Math.round((recovered.at(-1)!.atMs - faultAt) / 1000);
  return `disk full ${Math.round((freedAt - faultAt) / 1000)} s mid-patrol: said ${failed.map((n) => `${n.store} ${n.code}`).join(', ')}; recovered after ≤ ${down} s; lost ${recovered.map((r) => `${r.store} ${r.lost.records} records/${r.lost.bytes} bytes/${r.lost.seconds} s`).join(', ')}; tlogs ${records} whole records (${bytes} bytes), 0 torn`;
}

describe('disk full mid-patrol', () => {
  it('injected (ENOSPC at byte N, SQLITE_FULL): flies on, refuses launches, resumes, loses nothing', async () => {
    const fs = new EnospcFs(1e12);
    let db: BetterSqlite3.Database | undefined;
    let pages = 0;
    const { day, dir } = await sampleSimDay({ storage: { recorder: { fs }, store: { onOpen: (d) => (db = d) }, freeBytes: () => null } });
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }), () => rmSync(day.dataDir, { recursive: true, force: true }));
    const disk: Disk = {
      // The database's own fallocate: its size capped where it is, and its free pages taken by a filler table.
      fill: () => {
        fs.space(0);
        pages = db!.pragma('page_count', { simple: true }) as number;
        db!.pragma(`max_page_count = ${pages + 2}`);
        db!.exec('CREATE TABLE filler (b BLOB)');
        const put = db!.prepare('INSERT INTO filler VALUES (zeroblob(3000))');
        for (let i = 0; i < 100_000; i++) {
          try {
            put.run();
          } catch (e) {
            expect((e as { code?: string }).code).toBe('SQLITE_FULL');
            break;
          }
        }
      },
      free: () => {
        fs.space(1e12);
        db!.pragma('max_page_count = 1073741823');
        db!.exec('DROP TABLE filler');
      },
    };
    const said = await diskFullMidPatrol(disk, day, () => db!);
    // The store fails only when a write needs a new page (its rows are small and its pages have room): said
    // when it does; SQLITE_FULL on every write is station/patrol/store.test.ts's.
    console.log(`injected: ${said}; ${fs.failures} writes refused`);
  }, 240_000);

  const tmpfs = mountTmpfs(64 * 1024 * 1024);
  it.runIf('dir' in tmpfs)(`a real 64 MiB tmpfs filled with fallocate${'reason' in tmpfs ? ` (skipped: ${tmpfs.reason})` : ''}`, async () => {
    if (!('dir' in tmpfs)) return;
    cleanup.push(() => tmpfs.unmount());
    let db: BetterSqlite3.Database | undefined;
    const dataDir = join(tmpfs.dir, 'data');
    const { day, dir } = await sampleSimDay({ dataDir, storage: { store: { onOpen: (d) => (db = d) }, warnFreeBytes: 8 * 1024 * 1024, stopFreeBytes: 256 * 1024 } });
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    let filler = '';
    const disk: Disk = { fill: () => (filler = fillUp(tmpfs.dir, 0)), free: () => unlinkSync(filler) };
    const said = await diskFullMidPatrol(disk, day, () => db!);
    // On a real full disk the WAL cannot grow: the SQLite stores (patrol record, command audit) and the tlogs
    // fail, and all recover.
    expect(day.notices.filter((n) => n.kind === 'storage-failed').map((n) => n.store).sort()).toEqual(['audit', 'patrol', 'tlogs']);
    console.log(`tmpfs: ${said}; notices ${day.notices.map((n) => n.kind).join(', ')}`);
  }, 240_000);
});
