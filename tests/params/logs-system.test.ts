/**
 * Onboard logs end to end against the simulator on a 57600-baud link: listed over MAVFTP (APM/LOGS) and
 * with LOG_REQUEST_LIST; a download cut off by a lost link keeps its partial file and the next `get`
 * resumes from there and verifies the result (MAVFTP: the vehicle's CRC32; LOG protocol: the size); the
 * file equals the drone's log byte for byte; nothing on the drone is deleted except one log by name.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ftpCrc32 } from '../../mavlink/services/ftp/protocol.js';
import { logBytes } from '../../sitl/log-store.js';
import { FilesRig } from './helpers.js';

let rig: FilesRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const SIZES = [40_000, 150_123, 90_000];

describe('onboard logs against the simulator', () => {
  it('lists the same logs over MAVFTP and with LOG_REQUEST_LIST', async () => {
    rig = await FilesRig.create({ link: { bytesPerSecond: 5760, lossRate: 0.1, seed: 8, latencyMs: 20 }, logSizes: SIZES });
    const ftp = await rig.run(rig.files.logs.list('ftp'));
    const log = await rig.run(rig.files.logs.list('log'));
    expect(ftp.ok && ftp.value.logs.map((l) => [l.id, l.name, l.size])).toEqual(SIZES.map((s, i) => [i + 1, `0000000${i + 1}.BIN`, s]));
    expect(log.ok && log.value.logs.map((l) => [l.id, l.name, l.size])).toEqual(SIZES.map((s, i) => [i + 1, `0000000${i + 1}.BIN`, s]));
  });

  it.each(['ftp', 'log'] as const)('via %s: a download cut mid-transfer resumes and is verified', async (via) => {
    rig = await FilesRig.create({ link: { bytesPerSecond: 5760, lossRate: 0.05, seed: 9, latencyMs: 20 }, logSizes: SIZES, radio: { bytesPerSecond: 5760, flowControl: true } });
    const out = join(rig.dataDir, 'logs');
    const progress: number[] = [];
    const first = rig.files.logs.get({ id: 2 }, out, { via, onProgress: (pct) => progress.push(pct) });
    // Cut the radio once a third of the log is in, for longer than any retry budget.
    await rig.waitFor(() => (progress.at(-1) ?? 0) >= 30, 600_000);
    rig.stationEnd.setDown(true);
    const broken = await rig.run(first);
    expect(broken).toMatchObject({ ok: false, code: 'interrupted', reason: expect.stringContaining('resume') });
    const part = join(out, '00000002.BIN.part');
    const kept = statSync(part).size;
    expect(kept).toBeGreaterThan(30_000);
    expect(Buffer.from(readFileSync(part)).equals(Buffer.from(logBytes(2, SIZES[1]!).subarray(0, kept)))).toBe(true);
    rig.stationEnd.setDown(false);
    await rig.waitFor(() => !rig!.station.vehicle(1)!.lost, 30_000);
    const done = await rig.run(rig.files.logs.get({ name: '00000002.BIN' }, out, { via }));
    expect(done.ok, done.ok ? '' : done.reason).toBe(true);
    if (!done.ok) return;
    expect(done.value).toMatchObject({ via, resumedFrom: kept, size: SIZES[1], check: via === 'ftp' ? 'crc32' : 'size' });
    const bytes = readFileSync(join(out, '00000002.BIN'));
    expect(Buffer.from(bytes).equals(Buffer.from(logBytes(2, SIZES[1]!)))).toBe(true);
    expect(done.value.crc32).toBe(ftpCrc32(bytes));
    expect(existsSync(part)).toBe(false);
    // A download deletes nothing on the drone.
    expect(rig.drone.fileServices.logs.list()).toHaveLength(3);
  });

  it('deletes one log by name over MAVFTP, and only that one', async () => {
    rig = await FilesRig.create({ logSizes: SIZES });
    expect(await rig.run(rig.files.logs.remove('00000002.BIN'))).toEqual({ ok: true, value: undefined });
    expect(rig.drone.fileServices.logs.list().map((l) => l.name)).toEqual(['00000001.BIN', '00000003.BIN']);
    expect(await rig.run(rig.files.logs.remove('LASTLOG.TXT'))).toMatchObject({ ok: false, code: 'not-found' });
  });
});
