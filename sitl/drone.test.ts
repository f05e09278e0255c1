import { common, minimal, standard } from 'mavlink-mappings';
import { afterEach, describe, expect, it } from 'vitest';
import { MavConnection } from '../mavlink/connection.js';
import { make } from '../mavlink/codec/messages.js';
import { memoryPair } from '../mavlink/transport/memory.js';
import { copterDefaults } from './params.js';
import { GcsHarness } from './testkit.js';

const C = common.MavCmd;
const R = common.MavResult;
let h: GcsHarness | undefined;
afterEach(() => h?.stop());

function ids(rx: GcsHarness['rx'], fromMs: number, toMs = Infinity): Set<number> {
  return new Set(rx.filter((r) => r.atMs >= fromMs && r.atMs < toMs).map((r) => r.msgid));
}

describe('SimDrone streams', () => {
  it('a silent listener gets only HEARTBEAT at 1 Hz (STATUSTEXT only during the boot window)', () => {
    h = new GcsHarness();
    h.gcsHeartbeats = false;
    h.advance(60_000);
    expect([...ids(h.rx, 3100)]).toEqual([0]);
    expect([...ids(h.rx, 0, 3000)].sort()).toEqual([0, 253]);
    expect(h.of(0).length).toBeGreaterThanOrEqual(59);
    expect(h.of(0).length).toBeLessThanOrEqual(61);
  });

  it('after the GCS speaks: SYS_STATUS once, no telemetry streams until asked; REQUEST_DATA_STREAM(ALL, 4 Hz) starts them', () => {
    h = new GcsHarness();
    h.advance(30_000);
    const seen = ids(h.rx, 0);
    expect(seen.has(1)).toBe(true); // SYS_STATUS once when the link became active
    expect(h.of(1).length).toBe(1);
    for (const id of [24, 30, 33, 74, 147, 193]) expect(seen.has(id)).toBe(false);
    const since = h.t;
    h.gcs.send(make(common.RequestDataStream, { targetSystem: 1, targetComponent: 1, reqStreamId: 0, reqMessageRate: 4, startStop: 1 }));
    h.advance(10_000);
    for (const id of [1, 24, 30, 33, 74, 147, 193]) {
      const n = h.of(id, since).length;
      expect(n, `msg ${id}`).toBeGreaterThanOrEqual(39);
      expect(n, `msg ${id}`).toBeLessThanOrEqual(41);
    }
  });

  it('SET_MESSAGE_INTERVAL sets, disables (-1) and restores (0) per message rates', () => {
    h = new GcsHarness();
    h.advance(2000);
    expect(h.command(C.SET_MESSAGE_INTERVAL, [33, 100_000])).toBe(R.ACCEPTED);
    expect(h.command(C.SET_MESSAGE_INTERVAL, [30, 200_000])).toBe(R.ACCEPTED);
    let t0 = h.t;
    h.advance(10_000);
    expect(Math.abs(h.of(33, t0).length - 100)).toBeLessThanOrEqual(1);
    expect(Math.abs(h.of(30, t0).length - 50)).toBeLessThanOrEqual(1);
    expect(h.command(C.SET_MESSAGE_INTERVAL, [33, -1])).toBe(R.ACCEPTED);
    t0 = h.t + 100;
    h.advance(10_000);
    expect(h.of(33, t0).length).toBe(0);
    h.gcs.send(make(common.RequestDataStream, { targetSystem: 1, targetComponent: 1, reqStreamId: 6, reqMessageRate: 2, startStop: 1 }));
    expect(h.command(C.SET_MESSAGE_INTERVAL, [33, 0])).toBe(R.ACCEPTED);
    t0 = h.t + 100;
    h.advance(10_000);
    expect(Math.abs(h.of(33, t0).length - 20)).toBeLessThanOrEqual(1);
    expect(h.command(C.SET_MESSAGE_INTERVAL, [9999, 100_000])).toBe(R.FAILED);
  });

  it('serves several links: STATUSTEXT and the once-only messages reach only the link the GCS spoke on', async () => {
    h = new GcsHarness();
    const [a, b] = memoryPair(h.clock, { seed: 3, names: ['udp', 'listener'] });
    const droneUdp = new MavConnection(a, { clock: h.clock, sysid: 1, compid: 1 });
    const listener = new MavConnection(b, { clock: h.clock, sysid: 255, compid: 191 });
    const heard: number[] = [];
    listener.onMessage((r) => heard.push(r.frame.msgid));
    await droneUdp.open();
    await listener.open();
    h.drone.attach(droneUdp);
    h.advance(5000);
    heard.length = 0;
    h.waitForPosition();
    h.setMode(4);
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(R.ACCEPTED);
    h.advance(2000);
    expect(h.texts()).toContain('Arming motors');
    expect(new Set(heard)).toEqual(new Set([0])); // the silent listener: heartbeats only
  });

  it('REQUEST_MESSAGE: AUTOPILOT_VERSION after its ACK with the captured capabilities; HOME_POSITION only once home is set', () => {
    h = new GcsHarness();
    h.advance(1000);
    expect(h.command(C.REQUEST_MESSAGE, [148])).toBe(R.ACCEPTED);
    h.advance(100);
    const ackAt = h.rx.findIndex((r) => r.msgid === 77);
    const avAt = h.rx.findIndex((r) => r.msgid === 148);
    expect(avAt).toBeGreaterThan(ackAt);
    const av = h.last<standard.AutopilotVersion>(148)!;
    const P = standard.MavProtocolCapability;
    for (const cap of [P.MISSION_INT, P.COMMAND_INT, P.FTP, P.MAVLINK2, P.MISSION_FENCE, P.MISSION_RALLY]) {
      expect(BigInt(av.capabilities) & BigInt(cap)).toBe(BigInt(cap));
    }
    expect(av.flightSwVersion).toBe(0x04070000);
    expect(h.command(C.REQUEST_MESSAGE, [242])).toBe(R.FAILED);
    h.advance(25_000);
    expect(h.command(C.REQUEST_MESSAGE, [242])).toBe(R.ACCEPTED);
    h.advance(100);
    const home = h.last<common.HomePosition>(242)!;
    expect(home.latitude).toBe(245900000);
    expect(home.altitude).toBe(10_000);
  });

  it('GLOBAL_POSITION_INT reads lat = lon = 0 until the GPS fix, then the home position', () => {
    h = new GcsHarness();
    h.advance(500);
    h.command(C.SET_MESSAGE_INTERVAL, [33, 1_000_000]);
    h.advance(30_000);
    const gpi = h.rx.filter((r) => r.msgid === 33);
    const lat = (r: (typeof gpi)[number]) => (r.message as standard.GlobalPositionInt).lat;
    const first = gpi.find((r) => lat(r) !== 0)!;
    expect(first.atMs).toBeGreaterThan(9000);
    expect(gpi.filter((r) => r.atMs < 9000).every((r) => lat(r) === 0)).toBe(true);
    expect(lat(first)).toBe(245900000);
  });
});

describe('SimDrone arming and boot', () => {
  it('arming in GUIDED before the EKF has a position fails with "Arm: Need Position Estimate", then succeeds', () => {
    h = new GcsHarness();
    h.advance(25_000);
    expect(h.setMode(4)).toBe(R.ACCEPTED);
    let since = h.t;
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(R.FAILED);
    h.advance(100);
    expect(h.texts(since)).toContain('Arm: Need Position Estimate');
    const ekf = () => h!.drone.phase().position;
    expect(ekf()).toBe(false);
    h.waitForPosition();
    since = h.t;
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(R.ACCEPTED);
    h.advance(1100);
    expect(h.texts(since)).toContain('Arming motors');
    const hb = h.last<minimal.Heartbeat>(0)!;
    expect(hb.baseMode & minimal.MavModeFlag.SAFETY_ARMED).toBeTruthy();
    expect(hb.customMode).toBe(4);
  });

  it('early in boot the refusal is "System not initialised"; STABILIZE arms once home is set without a position', () => {
    h = new GcsHarness();
    h.advance(1000);
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(R.FAILED);
    h.advance(100);
    expect(h.texts()).toContain('Arm: System not initialised');
    h.advance(10_000);
    let since = h.t;
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(R.FAILED);
    h.advance(100);
    expect(h.texts(since)).toEqual(['Arm: Accels inconsistent', 'Arm: AHRS: waiting for home']);
    h.advance(12_500);
    since = h.t;
    expect(h.drone.positionOk()).toBe(false);
    expect(h.drone.mode).toBe(0);
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(R.ACCEPTED);
    h.advance(100);
    expect(h.texts(since)).toEqual(['Arming motors']);
  });

  it('a mode set before RC is valid is accepted, then lost (back to STABILIZE), as captured', () => {
    h = new GcsHarness();
    h.advance(2400);
    expect(h.setMode(4)).toBe(R.ACCEPTED);
    expect(h.drone.mode).toBe(4);
    h.advance(500);
    expect(h.drone.mode).toBe(0);
    expect(h.setMode(4)).toBe(R.ACCEPTED);
    h.advance(5000);
    expect(h.drone.mode).toBe(4);
  });

  it('disarms by itself DISARM_DELAY (10 s) after arming on the ground without a takeoff', () => {
    h = new GcsHarness();
    h.waitForPosition();
    h.setMode(4);
    h.command(C.COMPONENT_ARM_DISARM, [1]);
    const armedAt = h.t;
    h.runUntil(() => !h!.drone.armed, 20_000);
    expect(h.drone.armed).toBe(false);
    expect(h.t - armedAt).toBeGreaterThanOrEqual(9900);
    expect(h.texts(armedAt)).toContain('Disarming motors');
    expect(h.drone.lastDisarmReason).toBe('auto disarm');
  });

  it('SET_MODE is acknowledged with command 11; unknown commands are UNSUPPORTED; a reboot goes silent then boots again', () => {
    h = new GcsHarness();
    h.advance(5000);
    h.gcs.send(make(common.SetMode, { targetSystem: 1, baseMode: 1, customMode: 5 } as unknown as Partial<common.SetMode>));
    h.advance(100);
    const ack = h.last<common.CommandAck>(77)!;
    expect(ack.command).toBe(11);
    expect(ack.result).toBe(R.ACCEPTED);
    expect(h.drone.mode).toBe(5);
    expect(h.command(C.DO_SET_SERVO, [5, 1500])).toBe(R.UNSUPPORTED);
    expect(h.command(C.PREFLIGHT_REBOOT_SHUTDOWN, [1])).toBe(R.ACCEPTED);
    const t0 = h.t;
    h.advance(2500);
    expect(h.rx.filter((r) => r.atMs > t0 + 50).length).toBe(0);
    h.advance(2000);
    const hb = h.rx.filter((r) => r.msgid === 0 && r.atMs > t0 + 2500);
    expect(hb.length).toBeGreaterThan(0);
    expect((hb[0]!.message as minimal.Heartbeat).systemStatus).toBe(minimal.MavState.BOOT);
    expect(h.drone.mode).toBe(0);
  });

  it('parameters: list (banner + every value), read by name, set with a PARAM_VALUE echo', () => {
    h = new GcsHarness();
    h.advance(1000);
    h.gcs.send(make(common.ParamRequestList, { targetSystem: 1, targetComponent: 1 }));
    h.advance(1000); // 1349 values at the captured ~2300/s
    const values = h.of<common.ParamValue>(22);
    expect(values.length).toBe(h.drone.params.count);
    expect(values.map((v) => v.paramIndex)).toEqual([...Array(h.drone.params.count).keys()]);
    expect(h.texts()).toContain('ArduCopter V4.7.0-dev (90700977)');
    for (const name of ['MAV_SYSID', 'MAV_GCS_SYSID', 'FS_GCS_ENABLE', 'FS_GCS_TIMEOUT', 'BATT_LOW_MAH', 'BATT_FS_LOW_ACT', 'BATT_FS_CRT_ACT', 'FENCE_ENABLE', 'FENCE_RADIUS', 'FENCE_ALT_MAX', 'RTL_ALT', 'WPNAV_SPEED', 'DISARM_DELAY']) {
      expect(values.some((v) => v.paramId === name), name).toBe(true);
    }
    const since = h.t;
    h.gcs.send(make(common.ParamRequestRead, { targetSystem: 1, targetComponent: 1, paramId: 'RTL_ALT', paramIndex: -1 }));
    h.gcs.send(make(common.ParamSet, { targetSystem: 1, targetComponent: 1, paramId: 'FENCE_RADIUS', paramValue: 300, paramType: 9 } as Partial<common.ParamSet>));
    h.gcs.send(make(common.ParamSet, { targetSystem: 1, targetComponent: 1, paramId: 'NO_SUCH_PARAM', paramValue: 1, paramType: 9 } as Partial<common.ParamSet>));
    h.advance(200);
    const got = h.of<common.ParamValue>(22, since);
    expect(got.map((v) => [v.paramId, v.paramValue])).toEqual([
      ['RTL_ALT', 1500],
      ['FENCE_RADIUS', 300],
    ]);
    expect(got[1]!.paramIndex).toBe(65535);
    expect(h.drone.params.get('FENCE_RADIUS')).toBe(300);
  });

  it('BATT_CAPACITY: INT32, the pack\'s capacity (ArduCopter\'s default 3300 otherwise); the remaining % is computed from it, −1 when 0', () => {
    h = new GcsHarness({ enduranceMin: 20, warmupMs: 2000 });
    const p = h.drone.params.byName('BATT_CAPACITY')!;
    expect(p.type).toBe(common.MavParamType.INT32);
    expect(p.value).toBe(h.drone.battery.capacityMah);
    expect(h.drone.params.defaultAt(p.index)).toBe(h.drone.battery.capacityMah);
    expect(copterDefaults().find((d) => d.name === 'BATT_CAPACITY')).toEqual({ name: 'BATT_CAPACITY', value: 3300, type: 6 });
    const other = new GcsHarness({ params: { BATT_CAPACITY: 3300 } });
    expect(other.drone.params.get('BATT_CAPACITY')).toBe(3300);
    other.stop();
    h.drone.battery.consumedMah = h.drone.battery.capacityMah / 4;
    expect(h.waitForPosition()).toBe(true);
    const pct = () => h!.last<common.SysStatus>(1)!.batteryRemaining;
    h.command(common.MavCmd.SET_MESSAGE_INTERVAL, [1, 200_000]);
    h.advance(1000);
    expect(pct()).toBe(75);
    // Told the pack holds twice what it does (a wrong parameter): the autopilot's % follows the parameter.
    h.gcs.send(make(common.ParamSet, { targetSystem: 1, targetComponent: 1, paramId: 'BATT_CAPACITY', paramValue: 2 * h.drone.battery.capacityMah, paramType: 6 } as Partial<common.ParamSet>));
    h.advance(1000);
    expect(pct()).toBe(88);
    h.gcs.send(make(common.ParamSet, { targetSystem: 1, targetComponent: 1, paramId: 'BATT_CAPACITY', paramValue: 0, paramType: 6 } as Partial<common.ParamSet>));
    h.advance(1000);
    expect(pct()).toBe(-1);
  });
});
