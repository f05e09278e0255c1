/**
 * The per-drone battery model on disk: what a file must be to be used (a table of hostile files), and the
 * Vehicle's round trip — a flight learned from its SYS_STATUS, saved when it lands, read back by the next
 * station; a file that fails its checks reported and not used.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { common, minimal } from 'mavlink-mappings';
import { FakeClock } from '../../common/clock.js';
import { MavConnection } from '../../mavlink/connection.js';
import { make } from '../../mavlink/codec/messages.js';
import { memoryPair } from '../../mavlink/transport/index.js';
import { emptyBatteryModel, type BatteryModel } from './battery-estimate.js';
import { batteryModelPath, CHECKPOINT_MS, loadBatteryModel, parseBatteryModel, saveBatteryModel } from './battery-store.js';
import { VehicleRegistry } from './registry.js';
import type { RegistryEvent } from './vehicle-types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'kx-batt-'));
  dirs.push(d);
  return d;
};

const good = { ...emptyBatteryModel(), whPerPct: [null, null, null, null, null, null, null, null, 3.5, 3.7], steps: [0, 0, 0, 0, 0, 0, 0, 0, 10, 12], flightW: 340, flightS: 1200 };

describe('battery model file', () => {
  it('a good file is read back as it was', () => {
    const r = parseBatteryModel(JSON.stringify(good));
    expect(r).toEqual({ ok: true, value: good });
  });

  it('keeps the BATT_CAPACITY it was learned under; a file without it (written before) is still a model', () => {
    expect(parseBatteryModel(JSON.stringify({ ...good, capacityMah: 10_000 }))).toEqual({ ok: true, value: { ...good, capacityMah: 10_000 } });
    expect(parseBatteryModel(JSON.stringify({ ...good, capacityMah: null }))).toEqual({ ok: true, value: good });
    const old = parseBatteryModel(JSON.stringify(good));
    expect(old.ok && old.value.capacityMah).toBeUndefined();
  });

  const bad: [string, string][] = [
    ['a capacity no pack has (0 mAh)', JSON.stringify({ ...good, capacityMah: 0 })],
    ['a capacity as a string', JSON.stringify({ ...good, capacityMah: '10000' })],
    ['an infinite capacity', JSON.stringify({ ...good, capacityMah: 1 }).replace('"capacityMah":1', '"capacityMah":1e999')],
    ['not JSON', '{"version":1,'],
    ['an array', '[]'],
    ['another version', JSON.stringify({ ...good, version: 2 })],
    ['nine bands', JSON.stringify({ ...good, whPerPct: good.whPerPct.slice(1) })],
    ['a negative Wh per %', JSON.stringify({ ...good, whPerPct: [...good.whPerPct.slice(0, 9), -1] })],
    ['a string for a figure', JSON.stringify({ ...good, whPerPct: [...good.whPerPct.slice(0, 9), '3.7'] })],
    ['1e9 Wh per %', JSON.stringify({ ...good, whPerPct: [...good.whPerPct.slice(0, 9), 1e9] })],
    ['a figure without steps', JSON.stringify({ ...good, steps: [...good.steps.slice(0, 9), 0] })],
    ['steps beyond the memory', JSON.stringify({ ...good, steps: [...good.steps.slice(0, 9), 1e6] })],
    ['NaN watts (as null in JSON, but a string here)', JSON.stringify({ ...good, flightW: 'NaN' })],
    ['zero watts', JSON.stringify({ ...good, flightW: 0 })],
    ['negative seconds', JSON.stringify({ ...good, flightS: -5 })],
    ['too large', JSON.stringify({ ...good, pad: 'x'.repeat(20_000) })],
    ['an infinite figure (1e999 parses to Infinity)', JSON.stringify(good).replace('3.7', '1e999')],
    ['infinite seconds', JSON.stringify(good).replace('"flightS":1200', '"flightS":1e999')],
    ['a torn write (half a file)', JSON.stringify(good).slice(0, 60)],
    ['empty', ''],
    ['null', 'null'],
  ];
  for (const [name, text] of bad) {
    it(`refused: ${name}`, () => {
      const r = parseBatteryModel(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
    });
  }

  it('a file of megabytes is refused by its size before it is read', () => {
    const d = tmp();
    mkdirSync(join(d, 'battery'), { recursive: true });
    writeFileSync(batteryModelPath(d, 7), Buffer.alloc(8 << 20, 0x20));
    const r = loadBatteryModel(d, 7);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.code, r.reason]).toEqual(['too-large', expect.stringContaining('8388608 bytes')]);
  });

  it('written whole: a stale .tmp of a killed write is ignored and replaced; the file read back is the model', async () => {
    const d = tmp();
    mkdirSync(join(d, 'battery'), { recursive: true });
    writeFileSync(`${batteryModelPath(d, 7)}.tmp`, '{"version":1,"whPer');
    expect(loadBatteryModel(d, 7)).toEqual({ ok: true, value: undefined });
    expect(await saveBatteryModel(d, 7, good as BatteryModel)).toEqual({ ok: true, value: undefined });
    expect(loadBatteryModel(d, 7)).toEqual({ ok: true, value: good });
    expect(existsSync(`${batteryModelPath(d, 7)}.tmp`)).toBe(false);
    // A data folder that cannot take it: an error value with the path, no throw.
    writeFileSync(join(d, 'blocker'), '');
    const r = await saveBatteryModel(join(d, 'blocker'), 7, good as BatteryModel);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('blocker');
  });

  it('no file: nothing learned yet (not an error); a directory in its place: an error with the path', () => {
    const d = tmp();
    expect(loadBatteryModel(d, 7)).toEqual({ ok: true, value: undefined });
    mkdirSync(batteryModelPath(d, 7), { recursive: true });
    const r = loadBatteryModel(d, 7);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('sys7.json');
  });
});

const hb = (armed: boolean) =>
  make(minimal.Heartbeat, { type: 2, autopilot: 3, baseMode: (1 | 16 | (armed ? 128 : 0)) as minimal.MavModeFlag, customMode: 4, systemStatus: 4, mavlinkVersion: 3 });

async function station(dataDir: string) {
  const clock = new FakeClock();
  const registry = new VehicleRegistry({ clock, requestStreams: false, timesyncPeriodMs: 0, dataDir, batteryReservePct: 25 });
  const events: RegistryEvent[] = [];
  registry.on((e) => events.push(e));
  const [a, b] = memoryPair(clock, { latencyMs: 5, names: ['gcs', 'drone'] });
  const gcs = new MavConnection(a, { clock, sysid: 255, compid: 190, name: 'link0' });
  await gcs.open();
  registry.addConnection(gcs);
  const drone = new MavConnection(b, { clock, sysid: 7, compid: 1 });
  await drone.open();
  const settle = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      clock.advance(50);
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    }
  };
  return { clock, registry, drone, events, settle };
}

describe('the Vehicle keeps its battery model', () => {
  it('learns in flight, saves on landing, and the next station reads it back: the ground shows 可飞 at once', async () => {
    const d = tmp();
    const s = await station(d);
    // 12 V; 300 W in the air; 1.2 Wh per % (a 120 Wh pack): one % every 14.4 s.
    let usedWh = 0;
    const frame = (armed: boolean, flying: boolean, watts: number) => {
      s.drone.send(hb(armed));
      s.drone.send(make(common.ExtendedSysState, { vtolState: 0, landedState: flying ? 2 : 1 }));
      s.drone.send(make(common.SysStatus, { voltageBattery: 12000, currentBattery: Math.round((watts / 12) * 100), batteryRemaining: Math.round(100 - usedWh / 1.2) }));
    };
    frame(false, false, 0);
    await s.settle(1000);
    for (let t = 0; t < 10 * 60; t++) {
      frame(true, true, 300);
      usedWh += 300 / 3600;
      await s.settle(1000);
    }
    const v = s.registry.vehicle(7)!;
    expect(v.state().battery?.timeLeftKind).toBe('flight');
    frame(false, false, 0);
    await s.settle(2000);
    expect(v.state().battery?.timeLeftKind).toBe('endurance');
    const shown = v.state().battery!.timeLeftS!;
    // At 300 W, ~58 % above the reserve of a 120 Wh pack: ~14 min.
    expect(Math.abs(shown - ((100 - usedWh / 1.2 - 25) * 1.2 * 3600) / 300)).toBeLessThan(30);
    await v.batterySaved();
    const saved = JSON.parse(readFileSync(batteryModelPath(d, 7), 'utf8')) as { flightW: number };
    expect(saved.flightW).toBeCloseTo(300, 0);
    s.registry.close();
    await s.registry.saved(); // the last write lands before the folder is removed

    const again = await station(d);
    again.drone.send(hb(false));
    again.drone.send(make(common.SysStatus, { voltageBattery: 12000, currentBattery: 0, batteryRemaining: 92 }));
    await again.settle(500);
    const b = again.registry.vehicle(7)!.state().battery!;
    expect(b.timeLeftKind).toBe('endurance');
    expect(b.timeLeftSource).toBe('learned');
    expect(Math.abs(b.timeLeftS! - ((92 - 25) * 1.2 * 3600) / 300)).toBeLessThan(0.03 * b.timeLeftS!);
    again.registry.close();
    await again.registry.saved(); // the last write lands before the folder is removed
  });

  /** 12 V; `watts` in the air; a 1.2 Wh per % pack (one % every 14.4 s at 300 W), from `usedWh` on. */
  const flight = (s: Awaited<ReturnType<typeof station>>, pack: { usedWh: number }) => {
    const frame = (armed: boolean, flying: boolean, watts: number) => {
      s.drone.send(hb(armed));
      s.drone.send(make(common.ExtendedSysState, { vtolState: 0, landedState: flying ? 2 : 1 }));
      s.drone.send(make(common.SysStatus, { voltageBattery: 12000, currentBattery: Math.round((watts / 12) * 100), batteryRemaining: Math.floor(100 - pack.usedWh / 1.2) }));
    };
    return {
      frame,
      fly: async (seconds: number) => {
        for (let t = 0; t < seconds; t++) {
          frame(true, true, 300);
          pack.usedWh += 300 / 3600;
          await s.settle(1000);
        }
      },
    };
  };
  const stepsOf = (m: BatteryModel) => m.steps.reduce((a, n) => a + n, 0);

  it('in the air the model is written each minute of flight: a station killed mid-flight keeps all but the last minute', async () => {
    const d = tmp();
    const s = await station(d);
    const f = flight(s, { usedWh: 0 });
    f.frame(false, false, 0);
    await s.settle(1000);
    await f.fly(CHECKPOINT_MS / 1000 - 5);
    await s.registry.vehicle(7)!.batterySaved();
    expect(existsSync(batteryModelPath(d, 7))).toBe(false); // not yet a minute in the air
    await f.fly(6 * 60);
    const v = s.registry.vehicle(7)!;
    await v.batterySaved();
    // Killed: no landing, no close. What is on disk is a checkpoint of this flight, not older than a minute.
    const onDisk = loadBatteryModel(d, 7);
    if (!onDisk.ok || !onDisk.value) throw new Error('no checkpoint');
    expect(stepsOf(onDisk.value)).toBeGreaterThan(stepsOf(v.batteryModel) - 60 / 14.4 - 1);
    expect(onDisk.value.flightS).toBeGreaterThan(v.batteryModel.flightS - CHECKPOINT_MS / 1000 - 1);
    expect(onDisk.value.flightW).toBeCloseTo(300, 0);
    expect(s.events.filter((e) => e.type === 'battery-model')).toEqual([]);
  });

  it('stopped mid-flight and restarted: what was learned is kept and nothing is counted twice', async () => {
    // The same flight (12 min at 300 W) heard by one station throughout, and by one stopped after 5 min and
    // another started at once in its place, on the same data folder.
    const whole = await station(tmp());
    const fw = flight(whole, { usedWh: 0 });
    fw.frame(false, false, 0);
    await whole.settle(1000);
    await fw.fly(12 * 60);
    const uninterrupted = whole.registry.vehicle(7)!.batteryModel;
    whole.registry.close();
    await whole.registry.saved(); // the last write lands before the folder is removed

    const d = tmp();
    const pack = { usedWh: 0 };
    const first = await station(d);
    const f1 = flight(first, pack);
    f1.frame(false, false, 0);
    await first.settle(1000);
    await f1.fly(5 * 60);
    const before = first.registry.vehicle(7)!.batteryModel;
    // Stopped: close() writes what was learned since the last checkpoint.
    first.registry.close();
    await first.registry.saved(); // the last write lands before the folder is removed
    await first.registry.saved();
    expect(loadBatteryModel(d, 7)).toEqual({ ok: true, value: before });

    const second = await station(d);
    const f2 = flight(second, pack);
    await f2.fly(7 * 60);
    const v = second.registry.vehicle(7)!;
    // The restarted station showed a time left at once (the learned figures), in the air.
    expect(v.state().battery?.timeLeftKind).toBe('flight');
    expect(v.state().battery?.timeLeftS).not.toBeNull();
    const after = v.batteryModel;
    // Nothing counted twice: no more steps nor airborne seconds than the station that heard it all.
    expect(stepsOf(after)).toBeLessThanOrEqual(stepsOf(uninterrupted));
    expect(stepsOf(after)).toBeGreaterThan(stepsOf(before));
    expect(after.flightS).toBeLessThanOrEqual(uninterrupted.flightS);
    for (let b = 0; b < 10; b++) {
      const x = after.whPerPct[b], y = uninterrupted.whPerPct[b];
      if (x !== null && x !== undefined && y !== null && y !== undefined) expect(Math.abs(x - y) / y).toBeLessThan(0.03);
    }
    second.registry.close();
    await second.registry.saved(); // the last write lands before the folder is removed
    await second.registry.saved();
    expect(loadBatteryModel(d, 7)).toEqual({ ok: true, value: after });
  });

  it('BATT_CAPACITY from the autopilot seeds a first estimate; a hostile value is reported and not used', async () => {
    const s = await station(tmp());
    const f = flight(s, { usedWh: 0 });
    const param = (paramId: string, paramValue: number) => s.drone.send(make(common.ParamValue, { paramId, paramValue, paramType: 6, paramCount: 1349, paramIndex: 65535 }));
    f.frame(false, false, 0);
    param('BATT_CAPACITY', 3.4e38); // (the writer refuses a non-finite float: an absurd finite one)
    await s.settle(1000);
    const v = s.registry.vehicle(7)!;
    expect(s.events.find((e) => e.type === 'battery-model')).toMatchObject({ problem: 'rejected', reason: expect.stringContaining('BATT_CAPACITY') });
    expect(v.batteryPrior).toBeNull();
    // Other hostile values after it: no more events (no flood), still no prior.
    for (const x of [0, -1, 1e9, 50]) param('BATT_CAPACITY', x);
    await f.fly(3);
    expect(s.events.filter((e) => e.type === 'battery-model')).toHaveLength(1);
    expect(v.state().battery?.timeLeftS).toBeNull();
    // 10 000 mAh of a 3S pack (12 V at 100 %: the cell count from the voltage).
    param('BATT_CAPACITY', 10_000);
    await f.fly(3);
    expect(v.batteryPrior).toMatchObject({ capacityMah: 10_000, cells: 3, cellsFrom: 'voltage' });
    const shown = v.state().battery!.timeLeftS!;
    // The prior's energy above the 25 % reserve at the measured 300 W: minutes, not nothing.
    const wh = v.batteryPrior!.whPerPct.reduce((a, x, b) => a + (b >= 3 ? 10 * x : b === 2 ? 5 * x : 0), 0);
    expect(Math.abs(shown - (wh / 300) * 3600)).toBeLessThan(0.02 * shown);
    // Said for what it is: from the parameters, nothing learned yet (the card's 按参数估计).
    expect(v.state().battery!.timeLeftSource).toBe('prior');
    s.registry.close();
    await s.registry.saved(); // the last write lands before the folder is removed
  });

  it('BATT_CAPACITY changed: the bands learned under the old one are dropped (powers kept), said once, written; the prior stands in', async () => {
    const d = tmp();
    mkdirSync(join(d, 'battery'), { recursive: true });
    writeFileSync(batteryModelPath(d, 7), JSON.stringify({ ...good, capacityMah: 10_000 }));
    const s = await station(d);
    const f = flight(s, { usedWh: 0 });
    const param = (paramValue: number) => s.drone.send(make(common.ParamValue, { paramId: 'BATT_CAPACITY', paramValue, paramType: 6, paramCount: 1349, paramIndex: 65535 }));
    f.frame(false, false, 0);
    param(10_000); // the capacity it was learned under: nothing changes
    await s.settle(1000);
    const v = s.registry.vehicle(7)!;
    expect(v.batteryModel.whPerPct).toEqual(good.whPerPct);
    expect(v.state().battery!.timeLeftSource).toBe('learned');
    param(5000); // the pack changed (or the setting): each % is now half the charge
    await s.settle(1000);
    expect(v.batteryModel).toMatchObject({ whPerPct: Array(10).fill(null), steps: Array(10).fill(0), flightW: 340, flightS: 1200, capacityMah: 5000 });
    const changed = s.events.filter((e) => e.type === 'battery-model');
    expect(changed).toEqual([expect.objectContaining({ problem: 'capacity-changed', sysid: 7, reason: 'BATT_CAPACITY 10000 → 5000 mAh' })]);
    // Echoed again, and hostile values between: said once.
    param(5000);
    param(-1);
    param(5000);
    await s.settle(1000);
    expect(s.events.filter((e) => e.type === 'battery-model' && e.problem === 'capacity-changed')).toHaveLength(1);
    // Written: a restarted station knows it too.
    await v.batterySaved();
    expect(loadBatteryModel(d, 7)).toEqual({ ok: true, value: v.batteryModel });
    // The figure now is the new capacity's prior, and says so.
    await f.fly(3);
    expect(v.state().battery!.timeLeftS).toBeGreaterThan(0);
    expect(v.state().battery!.timeLeftSource).toBe('prior');
    s.registry.close();
    await s.registry.saved(); // the last write lands before the folder is removed
  });

  it('a model from before the capacity was kept is taken as learned under the one the drone reports: kept, no event', async () => {
    const d = tmp();
    mkdirSync(join(d, 'battery'), { recursive: true });
    writeFileSync(batteryModelPath(d, 7), JSON.stringify(good));
    const s = await station(d);
    flight(s, { usedWh: 0 }).frame(false, false, 0);
    s.drone.send(make(common.ParamValue, { paramId: 'BATT_CAPACITY', paramValue: 8000, paramType: 6, paramCount: 1349, paramIndex: 65535 }));
    await s.settle(1000);
    const v = s.registry.vehicle(7)!;
    expect(v.batteryModel).toEqual({ ...good, capacityMah: 8000 });
    expect(s.events.filter((e) => e.type === 'battery-model')).toEqual([]);
    await v.batterySaved();
    expect(loadBatteryModel(d, 7)).toEqual({ ok: true, value: { ...good, capacityMah: 8000 } });
    s.registry.close();
    await s.registry.saved(); // the last write lands before the folder is removed
  });

  it('a file that fails its checks is reported and not used', async () => {
    const d = tmp();
    mkdirSync(join(d, 'battery'), { recursive: true });
    writeFileSync(batteryModelPath(d, 7), JSON.stringify({ ...good, flightW: -300 }));
    const s = await station(d);
    s.drone.send(hb(false));
    s.drone.send(make(common.SysStatus, { voltageBattery: 12000, currentBattery: 0, batteryRemaining: 92 }));
    await s.settle(500);
    expect(s.events.find((e) => e.type === 'battery-model')).toMatchObject({ problem: 'rejected', sysid: 7 });
    expect(s.registry.vehicle(7)!.batteryModel.flightW).toBeNull();
    expect(s.registry.vehicle(7)!.state().battery?.timeLeftS).toBeNull();
    // It starts from the prior: the autopilot's BATT_CAPACITY gives a figure as soon as it flies.
    s.drone.send(make(common.ParamValue, { paramId: 'BATT_CAPACITY', paramValue: 10_000, paramType: 6, paramCount: 1349, paramIndex: 65535 }));
    await flight(s, { usedWh: 0 }).fly(3);
    expect(s.registry.vehicle(7)!.state().battery?.timeLeftS).toBeGreaterThan(0);
    s.registry.close();
    await s.registry.saved(); // the last write lands before the folder is removed
  });
});
