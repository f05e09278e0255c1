import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { StorageHealth, type StorageNotice } from './health.js';
import { PendingRows } from './pending.js';

function setup(limit: number) {
  const clock = new FakeClock();
  const health = new StorageHealth({ clock, dataDir: '/nowhere', freeBytes: () => 1e12 });
  const notices: StorageNotice[] = [];
  health.onNotice((n) => notices.push(n));
  const disk = { full: true, rows: [] as string[] };
  const pending = new PendingRows<string>({
    store: 'audit',
    file: '/data/audit.sqlite',
    health,
    limit,
    writeAll: (rows) => {
      if (disk.full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      disk.rows.push(...rows);
    },
  });
  return { pending, disk, notices, health };
}

describe('PendingRows', () => {
  it('keeps rows in order, a keyed row replacing its older self, and writes them all at once when the disk takes them', () => {
    const { pending, disk, notices } = setup(10);
    pending.add('a', { bytes: 1, atMs: 1 });
    pending.add('s1 v1', { key: 's1', bytes: 1, atMs: 2 });
    pending.add('b', { bytes: 1, atMs: 3 });
    pending.add('s1 v2', { key: 's1', bytes: 1, atMs: 4 });
    expect(pending.size).toBe(3);
    expect(pending.flush()).toBe(false);
    expect(notices.map((n) => n.kind)).toEqual(['storage-failed']);
    expect(pending.size).toBe(3);
    disk.full = false;
    expect(pending.flush()).toBe(true);
    expect(disk.rows).toEqual(['a', 'b', 's1 v2']);
    expect(pending.size).toBe(0);
    expect(notices.at(-1)).toMatchObject({ kind: 'storage-recovered', store: 'audit', lost: { records: 0, bytes: 0, seconds: 0 } });
  });

  it('past the limit counts rows as lost (how many, bytes, over how long) and reports them at the recovery', () => {
    const { pending, disk, notices } = setup(2);
    expect(pending.add('a', { bytes: 10, atMs: 1000 })).toBe(true);
    expect(pending.add('b', { bytes: 10, atMs: 2000 })).toBe(true);
    expect(pending.add('c', { bytes: 7, atMs: 3000 })).toBe(false);
    expect(pending.add('d', { bytes: 5, atMs: 6000 })).toBe(false);
    pending.failed(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    disk.full = false;
    expect(pending.flush()).toBe(true);
    expect(disk.rows).toEqual(['a', 'b']);
    expect(notices.at(-1)).toMatchObject({ kind: 'storage-recovered', lost: { records: 2, bytes: 12, seconds: 3 } });
    // The count starts again after a recovery.
    disk.full = true;
    pending.add('e', { bytes: 1, atMs: 7000 });
    expect(pending.flush()).toBe(false);
    disk.full = false;
    pending.flush();
    expect(notices.at(-1)).toMatchObject({ kind: 'storage-recovered', lost: { records: 0 } });
  });

  it('with nothing waiting, flush writes nothing and reports nothing', () => {
    const { pending, notices } = setup(2);
    expect(pending.flush()).toBe(true);
    expect(notices).toEqual([]);
  });
});
