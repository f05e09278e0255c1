/**
 * Parameters end to end: the real station against the simulated ArduCopter (1349 parameters) over a
 * 57600-baud memory link (5760 B/s) with 0–30 % loss, on the FakeClock. A pull over MAVFTP
 * (@PARAM/param.pck) and a pull with the list protocol give the same set, equal to the drone's; the cache is
 * reused on reconnect and dropped when the drone's parameters changed; a set is verified by the echo and
 * written through to the cache; a full download is refused in flight.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Param } from '../../mavlink/services/param/types.js';
import { FilesRig } from './helpers.js';

let rig: FilesRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const BAUD_57600 = 5760;

function droneParams(r: FilesRig): Param[] {
  const p = r.drone.params;
  return Array.from({ length: p.count }, (_, i) => {
    const d = p.at(i)!;
    return { name: d.name, value: d.value, type: d.type };
  });
}

describe('parameters against the simulator', () => {
  it.each([0, 0.1, 0.3])('pull via MAVFTP and via the list give the same 1349 parameters at %s loss, 57600 baud', async (loss) => {
    rig = await FilesRig.create({ link: { bytesPerSecond: BAUD_57600, lossRate: loss, seed: 11, latencyMs: 20 } });
    const ftp = await rig.run(rig.files.params.pull({ via: 'ftp', cache: false }));
    const list = await rig.run(rig.files.params.pull({ via: 'list', cache: false }));
    expect(ftp.ok, ftp.ok ? '' : ftp.reason).toBe(true);
    expect(list.ok, list.ok ? '' : list.reason).toBe(true);
    if (!ftp.ok || !list.ok) return;
    expect(ftp.value.via).toBe('ftp');
    expect(list.value.via).toBe('list');
    expect(ftp.value.params).toHaveLength(1349);
    expect(ftp.value.params).toEqual(list.value.params);
    expect(ftp.value.params).toEqual(droneParams(rig));
    // MAVFTP is faster than the list on the same link.
    expect(ftp.value.elapsedMs).toBeLessThan(list.value.elapsedMs);
  });

  it('auto falls back to the list when the vehicle offers no @PARAM/param.pck', async () => {
    rig = await FilesRig.create({ link: { bytesPerSecond: BAUD_57600, latencyMs: 20 } });
    const orig = rig.drone.fileServices.files.open.bind(rig.drone.fileServices.files);
    rig.drone.fileServices.files.open = (p: string) => (p.startsWith('@PARAM') ? undefined : orig(p));
    const r = await rig.run(rig.files.params.pull({ cache: false }));
    expect(r.ok && r.value.via).toBe('list');
    expect(r.ok && r.value.notes.join(' ')).toContain('FileNotFound');
  });

  it('reuses the cache on reconnect; a changed parameter invalidates it', async () => {
    rig = await FilesRig.create({ link: { bytesPerSecond: BAUD_57600, lossRate: 0.05, seed: 2, latencyMs: 20 } });
    const first = await rig.run(rig.files.params.pull());
    expect(first.ok && first.value.via).toBe('ftp');
    await rig.reconnect();
    const again = await rig.run(rig.files.params.pull());
    expect(again.ok && again.value.via).toBe('cache');
    expect(again.ok && again.value.params).toEqual(droneParams(rig));
    expect(again.ok && first.ok && again.value.elapsedMs).toBeLessThan(first.ok ? first.value.elapsedMs : 0);
    // Another GCS changes a parameter the check samples (the last one is always sampled).
    const last = rig.drone.params.at(rig.drone.params.count - 1)!;
    rig.drone.params.set(last.name, last.value + 1);
    await rig.reconnect();
    const changed = await rig.run(rig.files.params.pull());
    expect(changed.ok && changed.value.via).toBe('ftp');
    expect(changed.ok && changed.value.params.at(-1)!.value).toBe(last.value + 1);
  });

  it('set: read-back verified, written through to the cache; bad values and unknown names refused', async () => {
    rig = await FilesRig.create({ link: { bytesPerSecond: BAUD_57600, lossRate: 0.1, seed: 4, latencyMs: 20 } });
    await rig.run(rig.files.params.pull());
    // The vehicle keeps what the console's route estimate reads (VehicleView.copterParams), from the pull and each set.
    const copter = () => rig!.station.vehicle(1)!.info().copterParams!;
    expect(copter()).toMatchObject({ RTL_ALT: 1500, WPNAV_SPEED_UP: 250, LAND_SPEED: 50, RTL_LOIT_TIME: 5000 });
    expect(Object.keys(copter())).toHaveLength(12);
    const s = await rig.run(rig.files.params.set('RTL_ALT', 2500));
    expect(s).toEqual({ ok: true, value: { name: 'RTL_ALT', value: 2500, type: 6 } });
    expect(rig.drone.params.get('RTL_ALT')).toBe(2500);
    expect(copter().RTL_ALT).toBe(2500);
    const f = await rig.run(rig.files.params.set('WPNAV_SPEED', 750.5));
    expect(f.ok && f.value.value).toBe(750.5);
    expect(await rig.run(rig.files.params.set('FS_GCS_ENABLE', 300))).toMatchObject({ ok: false, code: 'bad-value', reason: expect.stringContaining('INT8') });
    expect(await rig.run(rig.files.params.set('NO_SUCH_PARAM', 1))).toMatchObject({ ok: false, code: 'unknown-param', reason: expect.stringContaining('NO_SUCH_PARAM') });
    const cached = await rig.run(rig.files.params.pull());
    expect(cached.ok && cached.value.via).toBe('cache');
    expect(cached.ok && cached.value.params.find((p) => p.name === 'RTL_ALT')!.value).toBe(2500);
  });

  it('refuses a full download while flying (the cache check is allowed)', async () => {
    rig = await FilesRig.create({ link: { latencyMs: 20 }, warmupMs: 3000 });
    await rig.waitFor(() => rig!.drone.positionOk(), 60_000);
    const c = rig.station.vehicle(1)!.commands;
    const up = await rig.run(c.takeoff(20, { arm: true }));
    expect(up.ok, up.ok ? '' : up.reason).toBe(true);
    await rig.waitFor(() => rig!.drone.physics.state.upM > 5 && rig!.station.snapshot().vehicles[0]?.landedState !== 'ON_GROUND', 60_000);
    const r = await rig.run(rig.files.params.pull({ cache: false }));
    expect(r).toMatchObject({ ok: false, code: 'flying', reason: expect.stringContaining('land') });
    const one = await rig.run(rig.files.params.set('RTL_ALT', 3000));
    expect(one.ok).toBe(true);
  });
});

describe('a vehicle without MAVFTP', () => {
  it('auto uses the list; --via ftp is refused naming the capability', async () => {
    rig = await FilesRig.create({ link: { bytesPerSecond: BAUD_57600, latencyMs: 20 } });
    const link = rig.files.link;
    const real = link.identity.bind(link);
    link.identity = async () => {
      const id = await real();
      return id && { ...id, capabilities: id.capabilities & ~(1n << 5n) };
    };
    const auto = await rig.run(rig.files.params.pull({ cache: false }));
    expect(auto.ok && auto.value.via).toBe('list');
    expect(await rig.run(rig.files.params.pull({ via: 'ftp', cache: false }))).toMatchObject({ ok: false, code: 'no-ftp', reason: expect.stringContaining('MAV_PROTOCOL_CAPABILITY_FTP') });
    const logs = await rig.run(rig.files.logs.list());
    expect(logs.ok && logs.value.via).toBe('log');
  });
});
