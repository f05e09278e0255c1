/**
 * The Vehicle over real MavConnections on a memoryPair and the FakeClock: made by the registry on the first
 * autopilot HEARTBEAT (not by other frames, not by other components), one object for the drone's life; its
 * state, view and info; its services built from it once each (files only with a data folder); a command sent
 * through its queue on its link and answered by the drone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { common, minimal } from 'mavlink-mappings';
import { FakeClock } from '../../common/clock.js';
import { MavConnection } from '../../mavlink/connection.js';
import { make } from '../../mavlink/codec/messages.js';
import { memoryPair } from '../../mavlink/transport/index.js';
import { saveCache } from './params-cache.js';
import { VehicleRegistry, type RegistryOptions } from './registry.js';

const hb = (customMode: number, armed = false) =>
  make(minimal.Heartbeat, { type: 2, autopilot: 3, baseMode: (1 | 16 | (armed ? 128 : 0)) as minimal.MavModeFlag, customMode, systemStatus: 4, mavlinkVersion: 3 });

async function run(clock: FakeClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    clock.advance(10);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(o: Partial<RegistryOptions> = {}) {
  const clock = new FakeClock();
  const registry = new VehicleRegistry({ clock, requestStreams: false, timesyncPeriodMs: 0, ...o });
  const [a, b] = memoryPair(clock, { latencyMs: 5, names: ['gcs', 'drone'] });
  const gcs = new MavConnection(a, { clock, sysid: 255, compid: 190, name: 'link0' });
  await gcs.open();
  registry.addConnection(gcs);
  const drone = new MavConnection(b, { clock, sysid: 7, compid: 1 });
  await drone.open();
  const commands: number[] = [];
  drone.onMessage((r) => {
    if (!(r.message instanceof common.CommandLong) || r.message.targetSystem !== 7) return;
    commands.push(r.message.command);
    drone.send(make(common.CommandAck, { command: r.message.command, result: common.MavResult.ACCEPTED, targetSystem: 255, targetComponent: 190 }));
  });
  return { clock, registry, drone, commands };
}

describe('Vehicle', () => {
  it('is made by the first autopilot HEARTBEAT and stays one object; state, view and info follow the frames', async () => {
    const { clock, registry, drone } = await setup();
    drone.send(make(common.Attitude, { timeBootMs: 1000 }));
    drone.sendAs(make(minimal.Heartbeat, { type: minimal.MavType.CAMERA, autopilot: minimal.MavAutopilot.INVALID }), 7, 100);
    await run(clock, 100);
    expect(registry.vehicles()).toEqual([]);
    drone.send(hb(0));
    await run(clock, 100);
    const v = registry.vehicle(7)!;
    expect([v.sysid, v.compid, v.state().mode, v.lost]).toEqual([7, 1, 'STABILIZE', false]);
    const before = v.state();
    drone.send(hb(4, true));
    await run(clock, 100);
    expect(registry.vehicle(7)).toBe(v);
    expect(registry.vehicles()).toEqual([v]);
    expect([v.state().mode, v.state().armed]).toEqual(['GUIDED', true]);
    expect(before.mode).toBe('STABILIZE'); // a state once read does not change under its reader
    expect(v.view()).toEqual(registry.snapshot()[0]);
    expect(v.info()).toEqual({ sysid: 7, compid: 1, lost: false, duplicateSysid: null, unsignedFrames: 0, links: v.links, components: v.components, streams: null });
    expect(v.links.map((l) => l.link)).toEqual(['link0']);
    expect(v.components.map((c) => c.compid)).toEqual([100]);
    expect(JSON.parse(JSON.stringify(v.view()))).toEqual(v.view());
    registry.close();
  });

  it('builds its services from itself, once each; parameters and logs only with a data folder', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-vehicle-'));
    dirs.push(dataDir);
    const withData = await setup({ dataDir });
    withData.drone.send(hb(0));
    await run(withData.clock, 100);
    const v = withData.registry.vehicle(7)!;
    expect(v.commands).toBe(v.commands);
    expect(v.missions).toBe(v.missions);
    const files = v.files!;
    expect(v.files).toBe(files);
    expect(files.link.vehicle).toBe(v);
    expect(files.link.dataDir).toBe(dataDir);
    withData.registry.close();

    const without = await setup();
    without.drone.send(hb(0));
    await run(without.clock, 100);
    expect(without.registry.vehicle(7)!.files).toBeUndefined();
    without.registry.close();
  });

  it('keeps the parameters the console\'s route estimate reads: from its parameter cache at start, then each pull and set', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-vehicle-'));
    dirs.push(dataDir);
    const fp = { sysid: 7, flightSwVersion: 1, flightCustom: 'abc', uid: '01', count: 3 };
    await saveCache(dataDir, fp, [{ name: 'RTL_ALT', value: 3000, type: 6 }, { name: 'WPNAV_SPEED_UP', value: 300, type: 9 }, { name: 'FRAME_CLASS', value: 1, type: 2 }], 0);
    const s = await setup({ dataDir });
    s.drone.send(hb(0));
    await run(s.clock, 100);
    const v = s.registry.vehicle(7)!;
    expect(v.info().copterParams).toEqual({ RTL_ALT: 3000, WPNAV_SPEED_UP: 300 });
    expect(s.registry.snapshot()[0]!.info.copterParams).toEqual({ RTL_ALT: 3000, WPNAV_SPEED_UP: 300 });
    // A set through the station changes one; a new full pull replaces them (the parameter services call this).
    v.files!.link.paramsRead!([{ name: 'RTL_ALT', value: 4000, type: 6 }], false);
    expect(v.info().copterParams).toEqual({ RTL_ALT: 4000, WPNAV_SPEED_UP: 300 });
    v.files!.link.paramsRead!([{ name: 'LAND_SPEED', value: 40, type: 4 }, { name: 'RTL_SPEED', value: NaN, type: 4 }], true);
    expect(v.info().copterParams).toEqual({ LAND_SPEED: 40 });
    v.files!.link.paramsRead!([{ name: 'FRAME_CLASS', value: 1, type: 2 }], true);
    expect(v.info().copterParams).toBeUndefined();
    s.registry.close();

    // Without a cache: none.
    const empty = mkdtempSync(join(tmpdir(), 'kx-vehicle-'));
    dirs.push(empty);
    const bare = await setup({ dataDir: empty });
    bare.drone.send(hb(0));
    await run(bare.clock, 100);
    expect(bare.registry.vehicle(7)!.info()).not.toHaveProperty('copterParams');
    bare.registry.close();
  });

  it('sends a command through its queue on its link, and the drone answers it', async () => {
    const { clock, registry, drone, commands } = await setup();
    drone.send(hb(4));
    await run(clock, 100);
    const v = registry.vehicle(7)!;
    const reply = v.commands.arm();
    const pump = (async () => {
      for (let i = 0; i < 50 && commands.length === 0; i++) await run(clock, 100);
      // ArduPilot shows an arm in its next HEARTBEAT; the command API does not wait for it, but keep the drone honest.
      drone.send(hb(4, true));
      await run(clock, 500);
    })();
    const [r] = await Promise.all([reply, pump]);
    expect(r.ok).toBe(true);
    expect(commands).toEqual([common.MavCmd.COMPONENT_ARM_DISARM]);
    expect(v.state().armed).toBe(true);
    registry.close();
  });
});
