/**
 * The recorder in a real session: every frame the station sends and receives on a vehicle's connection
 * (both directions, commands, resends and the frames sent while the radio was out) lands in that vehicle's
 * tlog, byte for byte and in order, and the counts agree with the connection's own statistics. Read back
 * with station/storage/tlog.ts. While the session runs, the file on disk is complete up to the last 1 s flush.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readTlog, readTlogFile, type TlogStats } from '../../station/storage/tlog.js';
import { buildRig, type Rig } from './harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

interface Frame {
  atMs: number;
  bytes: Uint8Array;
  out: boolean;
}

describe('tlog recording of a session', () => {
  it('writes every frame of each vehicle connection, both directions, matching the connection stats', async () => {
    rig = await buildRig({ link: { latencyMs: 10, lossRate: 0.05, seed: 9 } });
    const r = rig;
    const conns = r.station.connections();
    expect(conns).toHaveLength(3);
    // Our own capture of each connection, from the moment the station exists.
    const captured = new Map<string, Frame[]>();
    for (const c of conns) {
      const list: Frame[] = [];
      captured.set(c.name, list);
      c.onMessage((rx) => list.push({ atMs: rx.atMs, bytes: rx.frame.raw, out: false }));
      c.onSent((s) => list.push({ atMs: s.atMs, bytes: s.bytes, out: true }));
    }

    expect(await r.until(() => r.view(11)?.ekf?.posHorizAbs === true, 90_000)).toBe(true);
    const c11 = r.commands(11);
    expect(await r.settle(c11.takeoff(20))).toMatchObject({ ok: true });
    await r.run(10_000);
    // A cut in the middle: frames we send into the void are still frames we sent.
    r.link(12).stationEnd.setDown(true);
    await r.run(8000);
    r.link(12).stationEnd.setDown(false);
    expect(await r.settle(r.commands(12).setMode('LOITER'))).toMatchObject({ ok: true });
    await r.run(5000);

    // Mid-session: what is on disk is everything up to the last flush (at most 1 s old).
    const files = r.station.tlogs();
    expect(files).toHaveLength(3);
    for (const c of conns) {
      const path = files.find((f) => f.includes(`_sys${c.name.replace('memory://sys', '')}_`))!;
      const onDisk = [...readTlog(new Uint8Array(readFileSync(path)))];
      const lastUs = onDisk.at(-1)!.timeUs;
      expect(lastUs / 1000).toBeGreaterThan(r.clock.now() - 1000 - 1);
    }

    const stats = new Map(conns.map((c) => [c.name, c.stats] as const));
    await r.station.close();
    for (const c of conns) {
      const sysid = Number(c.name.replace('memory://sys', ''));
      const path = files.find((f) => f.includes(`_sys${sysid}_sys${sysid}.tlog`));
      expect(path, `${files.join(', ')}`).toBeDefined();
      expect(existsSync(path!)).toBe(true);
      const st: TlogStats = { records: 0, skippedBytes: 0, truncated: false };
      const recs = readTlogFile(path!, st);
      expect(st).toEqual({ records: recs.length, skippedBytes: 0, truncated: false });
      const s = stats.get(c.name)!;
      expect(s.framesIn).toBeGreaterThan(1000);
      expect(recs.length).toBe(s.framesIn + s.framesOut);
      expect(recs.filter((x) => x.frame.sysid === 255).length).toBe(s.framesOut);
      expect(recs.filter((x) => x.frame.sysid === sysid).length).toBe(s.framesIn);
      // Byte for byte and in order (the capture starts after the station's first GCS heartbeat).
      const mine = captured.get(c.name)!;
      const tail = recs.slice(recs.length - mine.length);
      expect(recs.length - mine.length).toBe(1);
      for (let i = 0; i < mine.length; i++) {
        const a = tail[i]!;
        const b = mine[i]!;
        expect(Buffer.from(a.frame.raw).equals(Buffer.from(b.bytes)), `record ${i} of ${c.name}`).toBe(true);
        expect(a.timeUs).toBe(Math.floor((b.atMs * 1000) / 4) * 4);
      }
      // Timestamps never go backwards.
      for (let i = 1; i < recs.length; i++) expect(recs[i]!.timeUs).toBeGreaterThanOrEqual(recs[i - 1]!.timeUs);
    }
  });
});
