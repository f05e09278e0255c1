/**
 * The composition root end to end on memory links and the FakeClock, with a hand-scripted vehicle: the
 * vehicle is found, hears our 1 Hz GCS heartbeat, takes a command through the API, shows up in a
 * JSON-clean snapshot and in a tlog; closing stops every timer of ours. Opening errors are values naming
 * the URL (a malformed URL; a UDP port on 127.0.0.1 already in use).
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { common, minimal } from 'mavlink-mappings';
import { FakeClock } from '../common/clock.js';
import { MavConnection } from '../mavlink/connection.js';
import { make, type MavLinkData } from '../mavlink/codec/messages.js';
import { memoryPair } from '../mavlink/transport/index.js';
import { createStation } from './compose.js';
import { readTlogFile } from './storage/tlog.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kongxun-station-'));
  dirs.push(d);
  return d;
}
async function run(clock: FakeClock, ms: number, stepMs = 10): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(stepMs);
    for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
  }
}

describe('createStation', () => {
  it('finds a vehicle, sends GCS heartbeats, runs commands, snapshots, records, closes', async () => {
    const clock = new FakeClock();
    const [a, b] = memoryPair(clock, { latencyMs: 20 });
    const dataDir = tempDir();
    const created = await createStation({ clock, dataDir, connections: [a] });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    const station = created.value;
    const news: number[] = [];
    station.on('vehicle-new', (e) => news.push(e.sysid));
    const armed: string[] = [];
    station.on('*', (e) => e.type === 'armed' && armed.push('armed'));

    const air = new MavConnection(b, { clock, sysid: 7, compid: 1 });
    await air.open();
    const got: MavLinkData[] = [];
    let isArmed = false;
    air.onMessage((r) => {
      if (!r.message) return;
      got.push(r.message);
      if (r.message instanceof common.CommandLong) {
        if (r.message.command === common.MavCmd.COMPONENT_ARM_DISARM) isArmed = r.message._param1 === 1;
        air.send(make(common.CommandAck, { command: r.message.command, result: common.MavResult.ACCEPTED, targetSystem: 255, targetComponent: 190 }));
      }
    });
    const beat = clock.setInterval(
      () => air.send(make(minimal.Heartbeat, { type: 2, autopilot: 3, baseMode: (isArmed ? 129 : 1) as minimal.MavModeFlag, customMode: 4, systemStatus: 4 })),
      1000,
    );

    await run(clock, 5000);
    expect(news).toEqual([7]);
    expect(station.vehicles().map((v) => v.sysid)).toEqual([7]);
    const gcsBeats = got.filter((m) => m instanceof minimal.Heartbeat) as minimal.Heartbeat[];
    expect(gcsBeats.length).toBeGreaterThanOrEqual(4); // 1 Hz over 5 s (the first went out before this end opened)
    expect(gcsBeats.every((h) => h.type === minimal.MavType.GCS && h.autopilot === minimal.MavAutopilot.INVALID)).toBe(true);

    const cmds = station.vehicle(7)!.commands;
    expect(station.vehicle(7)?.commands).toBe(cmds);
    expect(station.vehicle(8)?.commands).toBeUndefined();
    const p = cmds.arm();
    await run(clock, 2000);
    expect(await p).toMatchObject({ ok: true, value: { command: 'Arm', mavResult: 0 } });
    expect(armed).toEqual(['armed']);

    const snap = station.snapshot();
    expect(JSON.parse(JSON.stringify(snap, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)))).toBeTruthy();
    expect(snap.vehicles[0]).toMatchObject({ sysid: 7, mode: 'GUIDED', armed: true, info: { lost: false } });
    expect(snap.links[0]?.name).toBe('memory://a');

    clock.clearInterval(beat);
    const tlogs = station.tlogs();
    await station.close();
    expect(tlogs).toHaveLength(1);
    expect(tlogs[0]).toMatch(/_sys7_a\.tlog$/);
    const recs = readTlogFile(tlogs[0]!);
    expect(recs.some((r) => r.frame.sysid === 7 && r.frame.msgid === 0)).toBe(true);
    expect(recs.some((r) => r.frame.sysid === 255 && r.frame.msgid === 76)).toBe(true);
    await run(clock, 100);
    expect(clock.pending()).toBe(0);
  });

  it('gives an error value naming the URL for a malformed URL', async () => {
    const clock = new FakeClock();
    const r = await createStation({ clock, dataDir: tempDir(), connections: ['bogus://1.2.3.4:5'] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('bogus://1.2.3.4:5');
  });

  it('gives an error value naming the URL for a UDP port in use on 127.0.0.1, closing the links it opened', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
    const port = sock.address().port;
    try {
      const clock = new FakeClock();
      const [a] = memoryPair(clock);
      const url = `udpin://127.0.0.1:${port}`;
      const r = await createStation({ clock, dataDir: tempDir(), connections: [a, url] });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toContain(url);
    } finally {
      sock.close();
    }
  });
});
