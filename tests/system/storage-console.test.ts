/**
 * The station service and its data folder, through the real `startStationService` and a console on a real
 * WebSocket:
 *  - a folder under /proc, a file, or a read-only folder is refused at start with the reason (before: /proc/x spun
 *    at 100 % CPU forever; a read-only folder printed "recording to …" and recorded 0 bytes);
 *  - on a real tmpfs that fills up while the station runs (root only), the console receives the alert naming
 *    ENOSPC and, when space returns, the recovery with what was lost; the station serves on throughout.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { addTestUser, signIn, withSession } from '../sign-in.js';
import type { ServerMessage, StationEvent } from '../../common/api/contract.js';
import { startStationService } from '../../station/service.js';
import { canMakeReadOnly, fillUp, makeReadOnly, mountTmpfs } from '../../station/testdata/mounts.js';
import { writeSampleDay } from '../patrol/testkit.js';
import { readTlogFile, type TlogStats } from '../../station/storage/tlog.js';

const base = mkdtempSync(join(tmpdir(), 'kx-storage-svc-'));
const cleanup: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanup.reverse()) c();
  rmSync(base, { recursive: true, force: true });
});

const start = (dataDir: string, storage?: { warnFreeBytes?: number; stopFreeBytes?: number; checkMs?: number }, patrolDir?: string) =>
  startStationService({ dataDir, staticDir: base, port: 0, simWarmupMs: 2000, videoDiscovery: false, log: () => undefined, ...(storage ? { storage } : {}), ...(patrolDir ? { patrolDir } : {}) });

describe('the station and its data folder', () => {
  it.runIf(process.platform === 'linux')('refuses /proc/x and a file at start, with the reason', async () => {
    const t0 = performance.now();
    const p = await start('/proc/x');
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.reason).toBe('data folder: /proc/x is on proc, a kernel pseudo-filesystem: nothing can be kept there');
    const f = join(base, 'file');
    writeFileSync(f, '');
    const q = await start(f);
    expect(q.ok).toBe(false);
    if (!q.ok) expect(q.reason).toMatch(/not a directory/);
    // A refusal, not a hang: well under the time a station takes to start.
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it.runIf(canMakeReadOnly())('refuses a read-only folder at start instead of recording 0 bytes', async () => {
    const dir = mkdtempSync(join(base, 'ro-'));
    const undo = makeReadOnly(dir);
    try {
      const r = await start(dir);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/^data folder .* cannot be written: (EROFS|EACCES)/);
    } finally {
      undo();
    }
  });

  const tmpfs = mountTmpfs(16 * 1024 * 1024);
  it.runIf('dir' in tmpfs)('a disk that fills while serving: the console gets the alert and the recovery, the station serves on', async () => {
    if (!('dir' in tmpfs)) return;
    cleanup.push(() => tmpfs.unmount());
    // With the patrol runner: it keeps each storage notice as an alert for its report, and the desk must still
    // show each failure once.
    const plan = writeSampleDay();
    cleanup.push(() => rmSync(plan.dir, { recursive: true, force: true }));
    const s = await start(join(tmpfs.dir, 'data'), { warnFreeBytes: 4 * 1024 * 1024, stopFreeBytes: 128 * 1024, checkMs: 500 }, plan.dir);
    if (!s.ok) throw new Error(s.reason);
    await addTestUser(join(tmpfs.dir, 'data'), 'viewer');
    const ws = new WebSocket(`${s.value.url.replace('http', 'ws')}ws`, withSession(await signIn(s.value.url, 'viewer')));
    const events: StationEvent[] = [];
    let snapshots = 0;
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as ServerMessage;
      if (m.type === 'event') events.push(m.event);
      if (m.type === 'snapshot') snapshots++;
    });
    await new Promise((r) => ws.once('open', r));
    const until = async (pred: () => boolean, what: string) => {
      for (let i = 0; i < 300 && !pred(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(pred(), what).toBe(true);
    };
    await until(() => s.value.station.tlogs().length > 0, 'tlogs opened');
    await new Promise((r) => setTimeout(r, 1500));
    const filler = fillUp(tmpfs.dir, 0);
    const tlogsFailed = (e: StationEvent) => e.kind === 'storage-failed' && e.args?.store === 'tlogs';
    await until(() => events.some(tlogsFailed), 'storage-failed event');
    const failed = events.find(tlogsFailed)!;
    expect(failed).toMatchObject({ severity: 'alert', args: { store: 'tlogs', code: 'ENOSPC' } });
    expect(events.some((e) => e.kind === 'storage-stop')).toBe(true);
    const snapsDuring = snapshots;
    await new Promise((r) => setTimeout(r, 2000));
    expect(snapshots).toBeGreaterThan(snapsDuring);
    unlinkSync(filler);
    const tlogsBack = (e: StationEvent) => e.kind === 'storage-recovered' && e.args?.store === 'tlogs';
    await until(() => events.some(tlogsBack), 'storage-recovered event');
    const back = events.find(tlogsBack)!;
    expect(back.args).toMatchObject({ store: 'tlogs', records: '0', bytes: '0' });
    expect(s.value.health.launchBlocker()).toBeNull();
    // One line per notice on the desk: the storage events, none repeated as a patrol alert.
    const storageLines = events.filter((e) => e.kind.startsWith('storage') || e.said?.code.startsWith('storage'));
    expect(storageLines.every((e) => e.kind.startsWith('storage'))).toBe(true);
    const failedStores = storageLines.filter((e) => e.kind === 'storage-failed').map((e) => e.args?.store);
    expect(new Set(failedStores).size).toBe(failedStores.length);
    ws.close();
    await s.value.close();
    for (const f of readdirSync(join(tmpfs.dir, 'data', 'tlogs'))) {
      const stats: TlogStats = { records: 0, skippedBytes: 0, truncated: false };
      const recs = readTlogFile(join(tmpfs.dir, 'data', 'tlogs', f), stats);
      expect(stats).toEqual({ records: recs.length, skippedBytes: 0, truncated: false });
      expect(recs.reduce((t, x) => t + 8 + x.frame.raw.length, 0)).toBe(statSync(join(tmpfs.dir, 'data', 'tlogs', f)).size);
    }
    console.log(`console saw: ${events.filter((e) => e.kind.startsWith('storage')).map((e) => `${e.kind} "${e.text}"`).join(' | ')}`);
  }, 60_000);
});
