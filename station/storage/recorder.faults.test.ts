/**
 * The recorder on a disk that fills up and on a folder it cannot write, through an injected fs (EnospcFs,
 * runs as any user) and a real read-only folder: a record is on disk whole or not at all (a strict read of
 * the file finds no torn record and skips nothing), the failure and the recovery are told to StorageHealth
 * with their cause, recording resumes by itself when space returns, and what was lost is counted exactly.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { minimal } from 'mavlink-mappings';
import { FakeClock } from '../../common/clock.js';
import { MavConnection } from '../../mavlink/connection.js';
import { make } from '../../mavlink/codec/messages.js';
import { memoryPair } from '../../mavlink/transport/index.js';
import { TlogRecorder } from './recorder.js';
import { StorageHealth, type StorageNotice } from './health.js';
import { EnospcFs } from '../testdata/enospc-fs.js';
import { canMakeReadOnly, makeReadOnly } from '../testdata/mounts.js';
import { readTlogFile, type TlogStats } from './tlog.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A drone sending HEARTBEAT + SYS_STATUS at 50 Hz each to a recorded GCS connection, on a fake clock. */
async function rig(o: { fs?: EnospcFs; backlogBytes?: number; dataDir?: string }) {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'kongxun-tlogfault-'));
  dirs.push(dataDir);
  const clock = new FakeClock(1_764_000_000_000);
  const [a, b] = memoryPair(clock);
  const gcs = new MavConnection(a, { clock, sysid: 255, compid: 190, name: 'mem' });
  const drone = new MavConnection(b, { clock, sysid: 1, compid: 1 });
  await gcs.open();
  await drone.open();
  const health = new StorageHealth({ clock, dataDir, freeBytes: () => null });
  const notices: StorageNotice[] = [];
  health.onNotice((n) => notices.push(n));
  const rec = new TlogRecorder({ clock, dataDir, health, syncMs: 0, ...(o.fs ? { fs: o.fs } : {}), ...(o.backlogBytes ? { backlogBytes: o.backlogBytes } : {}) });
  rec.attach(gcs);
  let sent = 0;
  clock.setInterval(() => {
    drone.send(make(minimal.Heartbeat, { type: 2, autopilot: 3, systemStatus: 4 }));
    sent++;
  }, 20);
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 20) {
      clock.advance(20);
      await new Promise((r) => setImmediate(r));
    }
  };
  const read = () => {
    const files = readdirSync(join(dataDir, 'tlogs'));
    const stats: TlogStats = { records: 0, skippedBytes: 0, truncated: false };
    const recs = readTlogFile(join(dataDir, 'tlogs', files[0]!), stats);
    return { files, stats, recs, bytes: statSync(join(dataDir, 'tlogs', files[0]!)).size };
  };
  return { dataDir, clock, rec, health, notices, run, read, sent: () => sent, close: () => { rec.close(); health.close(); } };
}

describe('recorder on a full disk (injected ENOSPC at byte N)', () => {
  it('cuts a torn flush back to the last whole record, holds the records, and resumes with nothing lost', async () => {
    // 10 s of heartbeats fill ~10 KiB; the disk ends at byte 5 000, in the middle of a record.
    const disk = new EnospcFs(5_000);
    const r = await rig({ fs: disk });
    await r.run(10_000);
    expect(r.rec.errors()[0]).toMatch(/ENOSPC/);
    expect(r.notices).toEqual([expect.objectContaining({ kind: 'storage-failed', store: 'tlogs', code: 'ENOSPC' })]);
    expect(r.health.launchBlocker()).toMatch(/^records cannot be kept: telemetry logs ENOSPC/);
    // While the disk is full the file holds only whole records: a strict reader reads it to its end.
    const during = r.read();
    expect(during.stats).toEqual({ records: during.recs.length, skippedBytes: 0, truncated: false });
    expect(during.bytes).toBeLessThanOrEqual(5_000);
    expect(during.bytes).toBe(disk.used);
    expect(during.recs.reduce((t, x) => t + 8 + x.frame.raw.length, 0)).toBe(during.bytes);
    expect(during.bytes % 28).toBe(0); // HEARTBEAT records: 8 + a 20-byte frame; the disk ended at byte 5 000, mid-record
    // Space returns: the next flush writes the held records and says so.
    disk.space(1_000_000);
    await r.run(3_000);
    expect(r.notices.map((n) => n.kind)).toEqual(['storage-failed', 'storage-recovered']);
    const back = r.notices[1] as Extract<StorageNotice, { kind: 'storage-recovered' }>;
    expect(back.lost).toEqual({ records: 0, bytes: 0, seconds: 0 });
    expect(r.health.launchBlocker()).toBeNull();
    r.close();
    const after = r.read();
    expect(after.stats).toEqual({ records: after.recs.length, skippedBytes: 0, truncated: false });
    // Every heartbeat the drone sent is in the file, in order: nothing lost.
    const hb = after.recs.filter((x) => x.frame.sysid === 1);
    expect(hb).toHaveLength(r.sent());
    for (let i = 1; i < hb.length; i++) expect(hb[i]!.timeUs).toBeGreaterThan(hb[i - 1]!.timeUs);
  });

  it('with a backlog smaller than the outage: the records beyond it are counted as lost, in records, bytes and seconds', async () => {
    const disk = new EnospcFs(2_000);
    const r = await rig({ fs: disk, backlogBytes: 28 * 100 });
    await r.run(20_000);
    disk.space(1_000_000);
    await r.run(2_000);
    r.close();
    const back = r.notices.find((n) => n.kind === 'storage-recovered') as Extract<StorageNotice, { kind: 'storage-recovered' }>;
    const after = r.read();
    expect(after.stats.skippedBytes).toBe(0);
    expect(after.stats.truncated).toBe(false);
    const onDisk = after.recs.filter((x) => x.frame.sysid === 1).length;
    // What is not on disk is exactly what the recovery notice says was lost.
    expect(back.lost.records).toBe(r.sent() - onDisk);
    expect(back.lost.bytes).toBe(28 * back.lost.records);
    expect(back.lost.records).toBeGreaterThan(0);
    expect(back.lost.seconds).toBeCloseTo((back.lost.records - 1) * 0.02, 5);
  });
});

describe('recorder on a folder it cannot write', () => {
  it('EROFS at open (injected): said with its cause, records held, written when the folder is writable again', async () => {
    const disk = new EnospcFs(1e9);
    disk.readOnly = true;
    const r = await rig({ fs: disk });
    await r.run(3_000);
    expect(r.notices).toEqual([expect.objectContaining({ kind: 'storage-failed', code: 'EROFS' })]);
    disk.readOnly = false;
    await r.run(2_000);
    r.close();
    expect(r.notices.map((n) => n.kind)).toEqual(['storage-failed', 'storage-recovered']);
    expect(r.read().recs.filter((x) => x.frame.sysid === 1)).toHaveLength(r.sent());
  });

  it.runIf(canMakeReadOnly())('a real read-only data folder: 0 bytes recorded is an alert, not silence; all is written when it is writable again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kongxun-tlog-ro-'));
    const undo = makeReadOnly(dataDir);
    let r: Awaited<ReturnType<typeof rig>> | undefined;
    try {
      r = await rig({ dataDir });
      await r.run(3_000);
      expect(r.notices).toEqual([expect.objectContaining({ kind: 'storage-failed', store: 'tlogs', code: expect.stringMatching(/^(EROFS|EACCES)$/) })]);
      expect(r.health.launchBlocker()).toMatch(/records cannot be kept/);
    } finally {
      undo();
    }
    await r.run(2_000);
    r.close();
    expect(r.notices.map((n) => n.kind)).toEqual(['storage-failed', 'storage-recovered']);
    expect(r.read().recs.filter((x) => x.frame.sysid === 1)).toHaveLength(r.sent());
  });
});
