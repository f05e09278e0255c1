/** StorageHealth: one notice per failure and per recovery, the launch gate, the free-space marks, retries. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { StorageHealth, storageEvent, type StorageNotice } from './health.js';

const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: 'ENOSPC' });

function make(free: { bytes: number | null }) {
  const clock = new FakeClock(1_000_000);
  const h = new StorageHealth({ clock, dataDir: '/nowhere', warnFreeBytes: 1000, stopFreeBytes: 100, checkMs: 5000, freeBytes: () => free.bytes });
  const seen: StorageNotice[] = [];
  h.onNotice((n) => seen.push(n));
  return { clock, h, seen };
}

describe('StorageHealth', () => {
  it('says a failure once with its cause, gates launches, and says the recovery with what was lost', () => {
    const { clock, h, seen } = make({ bytes: 10_000 });
    expect(h.launchBlocker()).toBeNull();
    h.failed('tlogs', '/d/tlogs/a.tlog', enospc);
    h.failed('tlogs', '/d/tlogs/b.tlog', enospc);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ kind: 'storage-failed', store: 'tlogs', code: 'ENOSPC', message: 'no space left on device' });
    expect(h.faults()[0]!.attempts).toBe(2);
    expect(h.launchBlocker()).toBe('records cannot be kept: telemetry logs ENOSPC (no space left on device)');
    // Another cause is said again.
    h.failed('tlogs', '/d/tlogs/a.tlog', Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    expect(seen).toHaveLength(2);
    clock.advance(42_000);
    h.recovered('tlogs', { records: 3, bytes: 120, seconds: 0.5 });
    expect(h.launchBlocker()).toBeNull();
    expect(seen[2]).toMatchObject({ kind: 'storage-recovered', store: 'tlogs', downMs: 42_000, lost: { records: 3, bytes: 120 } });
    expect(storageEvent(seen[2]!).text).toBe('telemetry logs written again after 42 s; lost 3 records (120 bytes, 0.5 s)');
    h.recovered('tlogs');
    expect(seen).toHaveLength(3);
    h.close();
  });

  it('warns under the warn mark, refuses launches under the stop mark, and says when space is back', () => {
    const free = { bytes: 10_000 as number | null };
    const { clock, h, seen } = make(free);
    h.check();
    expect(seen).toEqual([]);
    free.bytes = 500;
    clock.advance(5000);
    expect(seen.map((n) => n.kind)).toEqual(['storage-low']);
    expect(storageEvent(seen[0]!).severity).toBe('warning');
    expect(h.launchBlocker()).toBeNull();
    free.bytes = 50;
    clock.advance(5000);
    expect(storageEvent(seen[1]!)).toMatchObject({ kind: 'storage-stop', severity: 'alert' });
    expect(h.launchBlocker()).toMatch(/^records: 0\.0 MiB free < 0\.0 MiB$/);
    free.bytes = 5000;
    clock.advance(5000);
    expect(seen.map((n) => n.kind)).toEqual(['storage-low', 'storage-low', 'storage-space-ok']);
    expect(h.launchBlocker()).toBeNull();
    h.close();
  });

  it('a disk already low at start is said at the first check', () => {
    const { h, seen } = make({ bytes: 50 });
    expect(seen).toEqual([]);
    h.check();
    expect(seen).toEqual([expect.objectContaining({ kind: 'storage-low', level: 'stop', freeBytes: 50 })]);
    h.close();
  });

  it('lets stores retry at every check; a retrier that throws is a failure of its store, not an exception', () => {
    const { clock, h, seen } = make({ bytes: null });
    let tries = 0;
    h.onRetry('video', () => {
      tries++;
      throw Object.assign(new Error('EIO'), { code: 'EIO' });
    });
    clock.advance(10_000);
    expect(tries).toBe(2);
    expect(seen).toEqual([expect.objectContaining({ kind: 'storage-failed', store: 'video', code: 'EIO' })]);
    h.close();
  });
});
