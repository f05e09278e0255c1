/**
 * MAVLink 2 signing end to end: the station (createStation with a signing key) and a simulated drone whose
 * link signs and verifies with the same key. Signed traffic flows and commands are accepted; a station without
 * the key is ignored by the drone; a signed station rejects (or flags) an unsigned drone per its policy.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { keyFromPassphrase, type SigningConfig } from '../../mavlink/codec/signing.js';
import { MavConnection } from '../../mavlink/connection.js';
import { memoryPair } from '../../mavlink/transport/memory.js';
import { SimDrone } from '../../sitl/drone.js';
import { createStation, type Station } from '../../station/compose.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const KEY = keyFromPassphrase('jinhai-station-key');

/** Advance the fake clock until `p` settles, letting promise chains run between steps (bounded). */
async function settle<T>(clock: FakeClock, p: Promise<T>, maxMs: number): Promise<T> {
  let done = false;
  void p.finally(() => (done = true));
  for (let t = 0; t < maxMs && !done; t += 20) {
    clock.advance(20);
    for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
  }
  if (!done) throw new Error(`did not settle within ${maxMs} simulated ms`);
  return p;
}

async function setup(droneSigning: SigningConfig | undefined, stationSigning: Omit<SigningConfig, 'linkId'> | undefined) {
  const clock = new FakeClock();
  const [droneEnd, stationEnd] = memoryPair(clock, { latencyMs: 5 });
  const drone = new SimDrone({ clock, sysid: 11, home: { lat: 24.59, lon: 118.262, altAmslM: 10 }, seed: 3, warmupMs: 5000 });
  const conn = new MavConnection(droneEnd, { clock, sysid: 11, compid: 1, ...(droneSigning ? { signing: droneSigning } : {}) });
  drone.attach(conn);
  await conn.open();
  const st = await createStation({
    clock,
    dataDir: mkdtempSync(join(tmpdir(), 'kx-sign-')),
    connections: [stationEnd],
    record: false,
    ...(stationSigning ? { signing: stationSigning } : {}),
  });
  if (!st.ok) throw new Error(st.reason);
  return { clock, drone, conn, station: st.value as Station };
}

describe('signing between the station and a drone', () => {
  it('signed both ways: the vehicle appears and a command is accepted; every frame the station got was signed', async () => {
    const { clock, station, conn } = await setup({ key: KEY, linkId: 1, unsigned: 'reject' }, { key: KEY, unsigned: 'reject' });
    let signedIn = 0;
    let unsignedIn = 0;
    station.connections()[0]!.onMessage((r) => (r.frame.signature ? signedIn++ : unsignedIn++));
    expect(clock.runUntil(() => station.vehicle(11) !== undefined, 10_000)).toBe(true);
    clock.advance(6000); // past the simulated warm-up
    const c = station.vehicle(11)!.commands;
    const r = await settle(clock, c.setMode('GUIDED'), 10_000);
    expect(r.ok, r.ok ? '' : r.reason).toBe(true);
    expect(signedIn).toBeGreaterThan(10);
    expect(unsignedIn).toBe(0);
    expect(conn.stats.rejectedUnsigned).toBe(0);
    await station.close();
  });

  it('a station without the key is ignored by a signing drone (its commands time out, nothing is accepted)', async () => {
    const { clock, station, conn } = await setup({ key: KEY, linkId: 1, unsigned: 'reject' }, undefined);
    expect(clock.runUntil(() => station.vehicle(11) !== undefined, 10_000)).toBe(true);
    clock.advance(6000);
    const r = await settle(clock, station.vehicle(11)!.commands.arm(), 30_000);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('timeout');
    expect(conn.stats.rejectedUnsigned).toBeGreaterThan(0);
    await station.close();
  });

  it('a signing station rejects an unsigned drone, or lets it through flagged under the "flag" policy', async () => {
    const rejecting = await setup(undefined, { key: KEY, unsigned: 'reject' });
    rejecting.clock.advance(5000);
    expect(rejecting.station.vehicle(11)).toBeUndefined();
    expect(rejecting.station.connections()[0]!.stats.rejectedUnsigned).toBeGreaterThan(0);
    await rejecting.station.close();

    const flagging = await setup(undefined, { key: KEY, unsigned: 'flag' });
    let flagged = 0;
    flagging.station.connections()[0]!.onMessage((r) => (r.flaggedUnsigned ? flagged++ : 0));
    flagging.clock.advance(5000);
    expect(flagging.station.vehicle(11)).toBeDefined();
    expect(flagged).toBeGreaterThan(0);
    await flagging.station.close();
  });

  it('a replayed signed frame is rejected by the station', async () => {
    const { clock, station, conn } = await setup({ key: KEY, linkId: 1, unsigned: 'reject' }, { key: KEY, unsigned: 'reject' });
    const frames: Uint8Array[] = [];
    conn.onSent((s) => frames.push(s.bytes.slice()));
    clock.advance(3000);
    const before = station.connections()[0]!.stats.rejectedReplay;
    conn.sendRaw(frames[0]!, 0);
    clock.advance(100);
    expect(station.connections()[0]!.stats.rejectedReplay).toBe(before + 1);
    await station.close();
  });
});
