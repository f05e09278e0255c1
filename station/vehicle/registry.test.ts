/**
 * The registry over real MavConnections on memoryPairs and the FakeClock, with hand-made HEARTBEATs and a
 * tiny scripted autopilot that ACKs commands (no simulator): discovery, components and other GCSes, stream
 * requests and their REQUEST_DATA_STREAM fallback, lost/regained, state events, redundant links (one vehicle,
 * best link), and duplicate sysids (independent sequence counters, far-apart positions, different type).
 */
import { describe, expect, it } from 'vitest';
import { ardupilotmega, common, minimal, standard } from 'mavlink-mappings';
import { FakeClock } from '../../common/clock.js';
import { MavConnection } from '../../mavlink/connection.js';
import { make, type MavLinkData } from '../../mavlink/codec/messages.js';
import { memoryPair, type Transport } from '../../mavlink/transport/index.js';
import { STREAM_MESSAGE_IDS } from './streams.js';
import { VehicleRegistry, type RegistryEvent } from './registry.js';

const hb = (customMode = 0, o: { armed?: boolean; type?: number; autopilot?: number } = {}) =>
  make(minimal.Heartbeat, {
    type: o.type ?? 2,
    autopilot: o.autopilot ?? 3,
    baseMode: (1 | 16 | (o.armed ? 128 : 0)) as minimal.MavModeFlag,
    customMode,
    systemStatus: 4,
    mavlinkVersion: 3,
  });

/** An all-default message of each streamed id (the registry only times their arrival here). */
const STREAMED: Record<number, new () => MavLinkData> = {
  33: standard.GlobalPositionInt, 30: common.Attitude, 74: common.VfrHud, 1: common.SysStatus, 24: common.GpsRawInt, 42: common.MissionCurrent,
  147: common.BatteryStatus, 245: common.ExtendedSysState, 193: ardupilotmega.EkfStatusReport,
};
const blank = (id: number): MavLinkData => make(STREAMED[id]!, {});

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
/** Advance the clock in steps, letting promise continuations run between steps. */
async function run(clock: FakeClock, ms: number, stepMs = 10): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(stepMs);
    await settle();
  }
}

interface Drone {
  conn: MavConnection;
  received: MavLinkData[];
}

/** The vehicle end of a link: records what it gets, ACKs COMMAND_LONG with `answer(command)`. */
async function droneEnd(clock: FakeClock, transport: Transport, sysid = 1, answer: (cmd: number, p1: number) => number | undefined = () => 0): Promise<Drone> {
  const conn = new MavConnection(transport, { clock, sysid, compid: 1 });
  await conn.open();
  const received: MavLinkData[] = [];
  conn.onMessage((r) => {
    if (!r.message) return;
    received.push(r.message);
    if (r.message instanceof common.CommandLong && r.message.targetSystem === sysid) {
      const res = answer(r.message.command, r.message._param1);
      if (res !== undefined) conn.send(make(common.CommandAck, { command: r.message.command, result: res, targetSystem: 255, targetComponent: 190 }));
    }
  });
  return { conn, received };
}

async function setup(o: { links?: number; answer?: (cmd: number, p1: number) => number | undefined; requestStreams?: boolean } = {}) {
  const clock = new FakeClock();
  const registry = new VehicleRegistry({ clock, requestStreams: o.requestStreams, timesyncPeriodMs: 0 });
  const events: RegistryEvent[] = [];
  registry.on((e) => events.push(e));
  const gcs: MavConnection[] = [];
  const drones: Drone[] = [];
  const pairs = [];
  for (let i = 0; i < (o.links ?? 1); i++) {
    const [a, b] = memoryPair(clock, { latencyMs: 5, names: [`gcs${i}`, `drone${i}`] });
    pairs.push([a, b] as const);
    const g = new MavConnection(a, { clock, sysid: 255, compid: 190, name: `link${i}` });
    await g.open();
    registry.addConnection(g);
    gcs.push(g);
    drones.push(await droneEnd(clock, b, 1, o.answer));
  }
  return { clock, registry, events, gcs, drones, pairs };
}

const types = (ev: RegistryEvent[]) => ev.map((e) => e.type);

describe('VehicleRegistry', () => {
  it('finds a vehicle by HEARTBEAT, ignores other GCSes, lists components, requests streams', async () => {
    const { clock, registry, events, drones } = await setup();
    const d = drones[0]!;
    d.conn.sendAs(make(minimal.Heartbeat, { type: 6, autopilot: 8 }), 200, 190); // another GCS
    d.conn.send(hb(0));
    d.conn.sendAs(make(minimal.Heartbeat, { type: minimal.MavType.CAMERA, autopilot: 8 }), 1, 100);
    await run(clock, 2000);
    expect(registry.vehicles().map((v) => [v.sysid, v.compid])).toEqual([[1, 1]]);
    expect(registry.vehicle(1)?.components.map((c) => c.compid)).toEqual([100]);
    expect(registry.vehicle(1)?.links.map((l) => l.link)).toEqual(['link0']);
    expect(types(events)).toContain('component-new');
    const cmds = d.received.filter((m): m is common.CommandLong => m instanceof common.CommandLong);
    const intervals = cmds.filter((c) => c.command === common.MavCmd.SET_MESSAGE_INTERVAL).map((c) => [c._param1, c._param2]);
    expect(intervals).toEqual([[33, 100000], [30, 100000], [74, 250000], [1, 500000], [24, 500000], [42, 1e6], [147, 1e6], [245, 1e6], [193, 1e6]]);
    expect(cmds.filter((c) => c.command === common.MavCmd.REQUEST_MESSAGE).map((c) => c._param1)).toEqual([242, 148]);
    expect(events.find((e) => e.type === 'streams-requested')).toMatchObject({ method: 'message-interval' });
    registry.close();
  });

  it('falls back to REQUEST_DATA_STREAM when SET_MESSAGE_INTERVAL is unsupported (ArduPilot quirk)', async () => {
    const { clock, registry, events, drones } = await setup({
      answer: (c) => (c === common.MavCmd.SET_MESSAGE_INTERVAL ? common.MavResult.UNSUPPORTED : 0),
    });
    drones[0]!.conn.send(hb(0));
    await run(clock, 2000);
    const rds = drones[0]!.received.filter((m): m is common.RequestDataStream => m instanceof common.RequestDataStream);
    expect(rds.map((r) => [r.reqStreamId, r.reqMessageRate]).sort((a, b) => a[0]! - b[0]!)).toEqual([[2, 2], [6, 10], [10, 10], [11, 4], [12, 1]]);
    expect(events.find((e) => e.type === 'streams-requested')).toMatchObject({ method: 'data-stream' });
    registry.close();
  });

  it('lost after 5 s without HEARTBEAT, regained with streams requested again', async () => {
    const { clock, registry, events, drones } = await setup();
    const d = drones[0]!;
    for (let i = 0; i < 3; i++) {
      d.conn.send(hb(0));
      await run(clock, 1000);
    }
    expect(registry.vehicle(1)?.lost).toBe(false);
    await run(clock, 6000);
    expect(registry.vehicle(1)?.lost).toBe(true);
    const before = d.received.length;
    d.conn.send(hb(0));
    await run(clock, 3000);
    expect(registry.vehicle(1)?.lost).toBe(false);
    expect(types(events).filter((t) => t.startsWith('vehicle-'))).toEqual(['vehicle-new', 'vehicle-lost', 'vehicle-regained']);
    // Every stream asked for again (the fake drone sends none, so some are also re-asked as missing).
    const again = d.received.slice(before).filter((m): m is common.CommandLong => m instanceof common.CommandLong && m.command === common.MavCmd.SET_MESSAGE_INTERVAL);
    expect(new Set(again.map((c) => c._param1))).toEqual(new Set(Object.values(STREAM_MESSAGE_IDS)));
    registry.close();
  });

  it('emits mode-changed, armed, disarmed and statustext', async () => {
    const { clock, registry, events, drones } = await setup({ requestStreams: false });
    const d = drones[0]!;
    for (const m of [hb(0), hb(4), hb(4, { armed: true }), make(common.StatusText, { severity: 6, text: 'Arming motors' }), hb(4)]) {
      d.conn.send(m);
      await run(clock, 100);
    }
    expect(events.map((e) => (e.type === 'mode-changed' ? `${e.from}->${e.to}` : e.type === 'statustext' ? e.entry.text : e.type))).toEqual([
      'vehicle-new',
      'STABILIZE->GUIDED',
      'armed',
      'Arming motors',
      'disarmed',
    ]);
    registry.close();
  });

  it('one vehicle on two links: listed once with both links, commands go out on the best link', async () => {
    const { clock, registry, events, drones, pairs } = await setup({ links: 2, requestStreams: false });
    // The vehicle encodes each frame once and sends the same bytes on both radios (same seq).
    const [d0, d1] = drones as [Drone, Drone];
    const both = (m: MavLinkData) => {
      const bytes = d0.conn.send(m);
      if (bytes.ok) d1.conn.sendRaw(bytes.value, 0);
    };
    for (let i = 0; i < 30; i++) {
      both(hb(4));
      both(make(standard.GlobalPositionInt, { lat: 244797999 + i * 100, lon: 1180894000, timeBootMs: i * 1000 }));
      await run(clock, 1000, 50);
    }
    expect(registry.vehicles()).toHaveLength(1);
    expect(registry.vehicle(1)?.links.map((l) => l.link).sort()).toEqual(['link0', 'link1']);
    expect(types(events)).not.toContain('duplicate-sysid');
    // Radio 0 goes down: the command must go out on link 1.
    pairs[0]![0].setDown(true);
    both(hb(4));
    await run(clock, 100);
    const q = registry.vehicle(1)!.queue;
    const r = q.run({ kind: 'long', command: common.MavCmd.COMPONENT_ARM_DISARM, params: [1], targetSystem: 1, targetComponent: 1 });
    await run(clock, 200);
    expect((await r.result).outcome).toBe('accepted');
    expect(d1.received.some((m) => m instanceof common.CommandLong && m.command === common.MavCmd.COMPONENT_ARM_DISARM)).toBe(true);
    expect(d0.received.some((m) => m instanceof common.CommandLong && m.command === common.MavCmd.COMPONENT_ARM_DISARM)).toBe(false);
    registry.close();
  });

  it('two drones with the same sysid on two links: independent sequence numbers → duplicate-sysid', async () => {
    const { clock, registry, events, drones } = await setup({ links: 2, requestStreams: false });
    const [d0, d1] = drones as [Drone, Drone];
    for (let i = 0; i < 20; i++) {
      d0.conn.send(hb(4));
      d1.conn.send(hb(5));
      // the drones send different amounts of telemetry, so their counters drift apart
      for (let k = 0; k < 3; k++) d1.conn.send(make(common.Attitude, { timeBootMs: i * 1000 + k }));
      await run(clock, 1000, 50);
    }
    const dup = events.filter((e) => e.type === 'duplicate-sysid');
    expect(dup).toHaveLength(1);
    expect(dup[0]).toMatchObject({ sysid: 1, compid: 1 });
    expect(registry.vehicle(1)?.duplicateSysid).toMatch(/independent/);
    registry.close();
  });

  it('duplicate sysid from far-apart positions and from a different vehicle type', async () => {
    const a = await setup({ links: 2, requestStreams: false });
    const [a0, a1] = a.drones as [Drone, Drone];
    a0.conn.send(hb(4));
    a1.conn.send(hb(4));
    await run(a.clock, 100);
    a0.conn.send(make(standard.GlobalPositionInt, { lat: 244797999, lon: 1180894000 }));
    a1.conn.send(make(standard.GlobalPositionInt, { lat: 244897999, lon: 1180894000 }));
    await run(a.clock, 100);
    expect(a.registry.vehicle(1)?.duplicateSysid).toMatch(/m apart/);
    a.registry.close();

    const b = await setup({ links: 2, requestStreams: false });
    b.drones[0]!.conn.send(hb(4));
    b.drones[1]!.conn.send(hb(4, { type: minimal.MavType.HEXAROTOR }));
    await run(b.clock, 100);
    expect(b.events.filter((e) => e.type === 'duplicate-sysid')).toHaveLength(1);
    b.registry.close();
  });

  it('re-requests streams after a reboot (time_boot_ms jumps back)', async () => {
    const { clock, registry, events, drones } = await setup();
    const d = drones[0]!;
    d.conn.send(hb(0));
    d.conn.send(make(common.Attitude, { timeBootMs: 600_000 }));
    await run(clock, 2000);
    const before = d.received.filter((m) => m instanceof common.CommandLong).length;
    d.conn.send(make(common.Attitude, { timeBootMs: 500 }));
    await run(clock, 2000);
    expect(types(events)).toContain('vehicle-rebooted');
    // Every stream asked for again (the fake drone sends none, so some are also re-asked as missing).
    const again = d.received.slice(before).filter((m): m is common.CommandLong => m instanceof common.CommandLong && m.command === common.MavCmd.SET_MESSAGE_INTERVAL);
    expect(new Set(again.map((c) => c._param1))).toEqual(new Set(Object.values(STREAM_MESSAGE_IDS)));
    registry.close();
  });

  it('measures RTT with TIMESYNC', async () => {
    const clock = new FakeClock();
    const registry = new VehicleRegistry({ clock, requestStreams: false, timesyncPeriodMs: 1000 });
    const [a, b] = memoryPair(clock, { latencyMs: 40 });
    const g = new MavConnection(a, { clock, sysid: 255, compid: 190 });
    await g.open();
    registry.addConnection(g);
    const air = new MavConnection(b, { clock, sysid: 1, compid: 1 });
    await air.open();
    // The autopilot answers a TIMESYNC request (tc1 = 0) with its own time in tc1 and our ts1 echoed.
    air.onMessage((r) => {
      if (r.message instanceof common.TimeSync && r.message.tc1 === 0n) {
        air.send(make(common.TimeSync, { tc1: 123n, ts1: r.message.ts1, targetSystem: 255, targetComponent: 190 }));
      }
    });
    air.send(hb(0));
    await run(clock, 3000);
    expect(registry.vehicle(1)?.state().rttMs).toBe(80);
    registry.close();
  });

  it('commands get through a lossy link by resending', async () => {
    const clock = new FakeClock();
    const registry = new VehicleRegistry({ clock, requestStreams: false, timesyncPeriodMs: 0 });
    const [a, b] = memoryPair(clock, { latencyMs: 30, lossRate: 0.25, seed: 7 });
    const g = new MavConnection(a, { clock, sysid: 255, compid: 190 });
    await g.open();
    registry.addConnection(g);
    const d = await droneEnd(clock, b);
    const beat = clock.setInterval(() => d.conn.send(hb(0)), 1000);
    await run(clock, 5000);
    const q = registry.vehicle(1)!.queue;
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = q.run({ kind: 'long', command: common.MavCmd.COMPONENT_ARM_DISARM, params: [1], targetSystem: 1, targetComponent: 1 }, { retries: 6 });
      await run(clock, 12_000, 50);
      outcomes.push((await r.result).outcome);
    }
    expect(outcomes).toEqual(new Array(10).fill("accepted"));
    expect(d.received.filter((m) => m instanceof common.CommandLong).length).toBeGreaterThan(10);
    clock.clearInterval(beat);
    registry.close();
  });
  it('names a requested message that does not come, asks again, and says when it is back', async () => {
    const { clock, registry, events, drones } = await setup();
    const d = drones[0]!;
    const sendAll = (skip: number) => {
      d.conn.send(hb(0));
      for (const id of Object.values(STREAM_MESSAGE_IDS)) if (id !== skip) d.conn.send(blank(id));
    };
    for (let i = 0; i < 12; i++) {
      sendAll(42);
      await run(clock, 1000, 50);
    }
    const missing = events.filter((e) => e.type === 'stream-missing');
    expect(missing.map((e) => e.type === 'stream-missing' && e.message)).toEqual(['MISSION_CURRENT']);
    expect(missing[0]).toMatchObject({ msgid: 42, hz: 1, usedFor: expect.stringContaining('mission progress') });
    // Asked again for MISSION_CURRENT alone, more than once while it stays away.
    const asks = d.received.filter((m): m is common.CommandLong => m instanceof common.CommandLong && m.command === common.MavCmd.SET_MESSAGE_INTERVAL && m._param1 === 42);
    expect(asks.length).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < 3; i++) {
      sendAll(-1);
      await run(clock, 1000, 50);
    }
    expect(events.filter((e) => e.type === 'stream-missing')).toHaveLength(1);
    expect(events.find((e) => e.type === 'stream-restored')).toMatchObject({ message: 'MISSION_CURRENT' });
    registry.close();
  });

  it('a message the drone refuses to stream is named at once', async () => {
    const { clock, registry, events, drones } = await setup({ answer: (c, p1) => (c === common.MavCmd.SET_MESSAGE_INTERVAL && p1 === 245 ? common.MavResult.DENIED : 0) });
    drones[0]!.conn.send(hb(0));
    await run(clock, 2000);
    expect(events.filter((e) => e.type === 'stream-missing')).toEqual([expect.objectContaining({ message: 'EXTENDED_SYS_STATE', refused: 'denied', silentMs: 0 })]);
    registry.close();
  });
});
