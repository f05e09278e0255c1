/**
 * The vehicle reducer with hand-built messages: unit conversions, mode names via quirks, battery time
 * estimate, unhealthy sensors, chunked STATUSTEXT, loss from sequence gaps, rates on the clock, RTT from
 * TIMESYNC, reboot detection, purity (input never mutated) and JSON-serialisable snapshots.
 */
import { describe, expect, it } from 'vitest';
import { common, minimal, standard, ardupilotmega } from 'mavlink-mappings';
import { make, type MavLinkData } from '../../mavlink/codec/messages.js';
import { initialVehicleState, reduceVehicle, reduceVehicleOwned, reduceVehicleWithTexts, vehicleSnapshot, type VehicleState } from './vehicle-state.js';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
let seq = 0;
function input(message: MavLinkData, o: { atMs?: number; sysid?: number; compid?: number; seq?: number; link?: string } = {}) {
  const cls = message.constructor as unknown as { MSG_ID: number };
  return {
    type: 'frame' as const,
    link: o.link ?? 'udp',
    sysid: o.sysid ?? 1,
    compid: o.compid ?? 1,
    seq: o.seq ?? seq++ & 0xff,
    msgid: cls.MSG_ID,
    message,
    atMs: o.atMs ?? T0,
  };
}
const hb = (customMode: number, armed = false, autopilot = 3) =>
  make(minimal.Heartbeat, { type: 2, autopilot, baseMode: 1 | (armed ? 128 : 0) | 16, customMode, systemStatus: 4, mavlinkVersion: 3 });

function run(msgs: ReturnType<typeof input>[], s: VehicleState = initialVehicleState(1, 1)): VehicleState {
  return msgs.reduce(reduceVehicle, s);
}

describe('vehicle-state reducer', () => {
  it('heartbeat: ArduPilot mode names, armed, system status; PX4 main/sub modes', () => {
    let s = run([input(hb(4, true))]);
    expect([s.mode, s.armed, s.systemStatus, s.firmware, s.lastHeartbeatMs]).toEqual(['GUIDED', true, 'ACTIVE', 'ardupilot', T0]);
    s = run([input(hb(4 * 65536 + 4 * 16777216, false, 12))]);
    expect([s.mode, s.armed, s.firmware]).toEqual(['AUTO.MISSION', false, 'px4']);
  });

  it('GCS heartbeats with our sysid do not change the vehicle', () => {
    const gcs = make(minimal.Heartbeat, { type: 6, autopilot: 8, baseMode: 0 as minimal.MavModeFlag, customMode: 0, systemStatus: 4 });
    const s = run([input(hb(5)), input(gcs)]);
    expect(s.mode).toBe('LOITER');
  });

  it('position, velocity, heading, attitude in SI units with frames named', () => {
    const s = run([
      input(make(standard.GlobalPositionInt, { lat: 244797999, lon: 1180894000, alt: 40100, relativeAlt: 30000, vx: 300, vy: -400, vz: -150, hdg: 27000, timeBootMs: 1000 })),
      input(make(common.Attitude, { roll: Math.PI / 6, pitch: -Math.PI / 12, yaw: -Math.PI / 2, timeBootMs: 1010 })),
      input(make(common.VfrHud, { airspeed: 5.5, groundspeed: 5, climb: 1.5, heading: 270, alt: 40.1, throttle: 50 })),
    ]);
    expect(s.position).toMatchObject({ latDeg: 24.4797999, lonDeg: 118.0894, altRelM: 30, altAmslM: 40.1 });
    expect(s.velocity).toEqual({ vnMps: 3, veMps: -4, vdMps: -1.5, groundSpeedMps: 5, airSpeedMps: 5.5, climbMps: 1.5 });
    expect(s.headingDeg).toBe(270);
    expect(s.attitude?.rollDeg).toBeCloseTo(30);
    expect(s.attitude?.pitchDeg).toBeCloseTo(-15);
    expect(s.attitude?.yawDeg).toBeCloseTo(270);
  });

  it('battery: SYS_STATUS and BATTERY_STATUS; the reducer estimates no time left and ignores time_remaining', () => {
    let s = run([
      input(make(common.BatteryStatus, { id: 0, voltages: [12600, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535], currentBattery: 2000, currentConsumed: 1000, batteryRemaining: 75, timeRemaining: 0 })),
    ]);
    expect(s.battery).toEqual({ voltageV: 12.6, currentA: 20, remainingPct: 75, consumedMah: 1000, timeLeftS: null, timeLeftKind: null, timeLeftSource: null });
    // A smart battery's time to empty at its present current: not a figure to plan with (battery-estimate.ts).
    s = run([input(make(common.BatteryStatus, { id: 0, voltages: [12600], currentBattery: 2000, currentConsumed: 1000, batteryRemaining: 75, timeRemaining: 321 }))], s);
    expect(s.battery?.timeLeftS).toBeNull();
    s = run([input(make(common.SysStatus, { voltageBattery: 12400, currentBattery: -1, batteryRemaining: 70 }))], s);
    expect([s.battery?.voltageV, s.battery?.currentA, s.battery?.remainingPct]).toEqual([12.4, 20, 70]);
  });

  it('sensors: present & enabled & not healthy → names; GPS; home; landed state; EKF', () => {
    const S = common.MavSysStatusSensor;
    const present = S.SENSOR_3D_GYRO | S.SENSOR_GPS | S.PREARM_CHECK | S.SENSOR_RC_RECEIVER;
    const enabled = S.SENSOR_3D_GYRO | S.SENSOR_GPS | S.PREARM_CHECK;
    const health = S.SENSOR_3D_GYRO;
    const s = run([
      input(make(common.SysStatus, { onboardControlSensorsPresent: present, onboardControlSensorsEnabled: enabled, onboardControlSensorsHealth: health, voltageBattery: 65535, currentBattery: -1, batteryRemaining: -1 })),
      input(make(common.GpsRawInt, { fixType: 3, satellitesVisible: 10, eph: 121 })),
      input(make(common.HomePosition, { latitude: 244797999, longitude: 1180894000, altitude: 10100 })),
      input(make(common.ExtendedSysState, { landedState: 2 })),
      input(make(ardupilotmega.EkfStatusReport, { flags: 831 as ardupilotmega.EkfStatusFlags })),
    ]);
    expect(s.sensors?.unhealthy).toEqual(['SENSOR_GPS', 'PREARM_CHECK']);
    expect(s.gps).toEqual({ fixType: 3, satellites: 10, hdop: 1.21 });
    expect(s.home).toEqual({ latDeg: 24.4797999, lonDeg: 118.0894, altAmslM: 10.1 });
    expect(s.landedState).toBe('IN_AIR');
    expect(s.ekf).toMatchObject({ flags: 831, posHorizAbs: true, constPosMode: false });
  });

  it('STATUSTEXT: log, arming messages, chunk reassembly by id/chunk_seq', () => {
    const long = 'A'.repeat(50);
    const r1 = reduceVehicleWithTexts(initialVehicleState(1, 1), input(make(common.StatusText, { severity: 2, text: 'Arm: Need Position Estimate', id: 0, chunkSeq: 0 })));
    expect(r1.texts.map((t) => t.text)).toEqual(['Arm: Need Position Estimate']);
    let s = r1.state;
    s = run([input(make(common.StatusText, { severity: 6, text: long, id: 7, chunkSeq: 0 }), { atMs: T0 + 1 })], s);
    expect(s.statustext.entries).toHaveLength(1);
    const r2 = reduceVehicleWithTexts(s, input(make(common.StatusText, { severity: 6, text: 'tail', id: 7, chunkSeq: 1 }), { atMs: T0 + 2 }));
    expect(r2.texts.map((t) => t.text)).toEqual([long + 'tail']);
    expect(r2.state.statustext.arming.map((t) => t.text)).toEqual(['Arm: Need Position Estimate']);
    // bounded ring
    let big = initialVehicleState(1, 1);
    for (let i = 0; i < 150; i++) big = reduceVehicle(big, input(make(common.StatusText, { severity: 6, text: `t${i}`, id: 0, chunkSeq: 0 })));
    expect(big.statustext.entries).toHaveLength(100);
    expect(big.statustext.entries[0]?.text).toBe('t50');
  });

  it('the snapshot is the state without its counters, in the state\'s key order, with rates, loss and texts read', () => {
    let s = initialVehicleState(1, 1, 3, 2);
    s = reduceVehicle(s, input(hb(3, true), { seq: 0, atMs: T0, link: 'A' }));
    s = reduceVehicle(s, input(make(common.StatusText, { severity: 4, text: 'PreArm: x', id: 0, chunkSeq: 0 }), { seq: 1, atMs: T0 + 10, link: 'B' }));
    s = reduceVehicle(s, input(make(standard.GlobalPositionInt, { lat: 300000000, lon: 1200000000, timeBootMs: 100 }), { seq: 2, atMs: T0 + 20, link: 'A' }));
    // As it was built before it was written out field by field.
    const { rates: _r, links, statustext, recent: _recent, ...rest } = s;
    const reference = {
      ...rest,
      ratesHz: vehicleSnapshot(s, T0 + 1500).ratesHz,
      links: Object.entries(links).map(([link, q]) => ({ link, lastRxMs: q.lastRxMs, received: q.received, lost: q.lost, lossPct: Math.round((100 * q.lost) / (q.received + q.lost || 1) * 10) / 10 })),
      statustext: statustext.entries.slice(-20),
      armingMessages: statustext.arming.slice(-5),
    };
    const snap = vehicleSnapshot(s, T0 + 1500);
    expect(snap).toStrictEqual(reference);
    expect(Object.keys(snap)).toEqual(Object.keys(reference));
    expect(snap.ratesHz).toEqual({ HEARTBEAT: 1, STATUSTEXT: 1, GLOBAL_POSITION_INT: 1 });
    expect(snap.links.map((l) => l.link)).toEqual(['A', 'B']);
  });

  it('link quality: loss from sequence gaps per component per link; rates on the clock; RTT', () => {
    const att = () => make(common.Attitude, { timeBootMs: 5000 });
    const frames = [];
    // 10 Hz for 3 s on link A with every 10th frame missing; link B clean.
    for (let i = 0; i < 30; i++) {
      if (i % 10 !== 9) frames.push(input(att(), { seq: i, atMs: T0 + i * 100, link: 'A' }));
      frames.push(input(att(), { seq: i, atMs: T0 + i * 100, link: 'B' }));
    }
    // a camera component with its own counter on A
    frames.push(input(att(), { compid: 100, seq: 200, atMs: T0 + 2950, link: 'A' }));
    let s = run(frames);
    const snap = vehicleSnapshot(s, T0 + 3000);
    const a = snap.links.find((l) => l.link === 'A');
    expect([a?.received, a?.lost]).toEqual([28, 2]);
    expect(snap.links.find((l) => l.link === 'B')?.lost).toBe(0);
    expect(snap.ratesHz.ATTITUDE).toBe(10); // the copy on the second link is not counted twice
    // TIMESYNC reply echoing our ts1 (ns) 120 ms ago
    s = reduceVehicle(s, input(make(common.TimeSync, { tc1: 5n, ts1: BigInt(T0 + 2880) * 1_000_000n }), { atMs: T0 + 3000 }));
    expect(s.rttMs).toBe(120);
    expect(reduceVehicle(s, { type: 'rtt', rttMs: 200, atMs: T0 }).rttMs).toBe(130);
  });

  it('reduces a frame heard on two links once (one STATUSTEXT), but counts it for both links', () => {
    const st = make(common.StatusText, { severity: 6, text: 'Arming motors', id: 0, chunkSeq: 0 });
    const r1 = reduceVehicleWithTexts(initialVehicleState(1, 1), input(st, { seq: 9, link: 'A' }));
    const r2 = reduceVehicleWithTexts(r1.state, input(st, { seq: 9, link: 'B', atMs: T0 + 30 }));
    expect(r1.texts).toHaveLength(1);
    expect(r2.texts).toHaveLength(0);
    expect(r2.state.statustext.entries).toHaveLength(1);
    expect(Object.keys(r2.state.links)).toEqual(['A', 'B']);
    // the same seq much later (counter wrapped) is a new frame
    const r3 = reduceVehicleWithTexts(r2.state, input(st, { seq: 9, link: 'A', atMs: T0 + 5000 }));
    expect(r3.texts).toHaveLength(1);
  });

  it('counts a reboot when time_boot_ms jumps back', () => {
    const s = run([
      input(make(common.Attitude, { timeBootMs: 600_000 })),
      input(make(common.Attitude, { timeBootMs: 1_000 })),
    ]);
    expect(s.reboots).toBe(1);
  });

  it('is pure and its snapshot is plain JSON', () => {
    const s0 = initialVehicleState(1, 1);
    const frozen = JSON.stringify(s0);
    const s1 = run([input(hb(3, true)), input(make(common.StatusText, { severity: 4, text: 'x', id: 0, chunkSeq: 0 }))], s0);
    expect(JSON.stringify(s0)).toBe(frozen);
    const snap = vehicleSnapshot(s1, T0 + 1000);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  it('ignores frames of other systems', () => {
    const s0 = initialVehicleState(1, 1);
    expect(reduceVehicle(s0, input(hb(4), { sysid: 2 }))).toBe(s0);
  });

  it('a copy remembered from later is not a duplicate (a log walked again from an earlier record)', () => {
    // The arming HEARTBEAT (seq 9) is read after the filter already saw a later frame with the same key: the
    // replay's detail walk once dropped it that way and opened the flight at the next HEARTBEAT, 1 s late.
    let s = initialVehicleState(1, 1);
    s = reduceVehicleOwned(s, input(hb(4, false), { seq: 9, atMs: T0 + 1500 })).state;
    const armed = reduceVehicleOwned(s, input(hb(4, true), { seq: 9, atMs: T0 })).state;
    expect(armed.armed).toBe(true);
    // A true repeat (same key, within the window, later) is still dropped.
    const again = reduceVehicleOwned(armed, input(hb(4, false), { seq: 9, atMs: T0 + 100 })).state;
    expect(again.armed).toBe(true);
  });

  it('owned: the same states as the pure reducer, telemetry shared where a message did not change it', () => {
    const msgs = [
      input(hb(4, true), { seq: 1 }),
      input(make(standard.GlobalPositionInt, { lat: 244797999, lon: 1180894000, relativeAlt: 30000, hdg: 65535, timeBootMs: 1000 }), { seq: 2 }),
      input(make(common.StatusText, { severity: 2, text: 'PreArm: Compass not calibrated', id: 0, chunkSeq: 0 }), { seq: 3 }),
      input(make(common.Attitude, { timeBootMs: 1010 }), { seq: 4, link: 'B' }),
      input(make(common.Attitude, { timeBootMs: 1010 }), { seq: 4, link: 'A' }), // the copy on a second link
      input(make(common.MissionCurrent, { seq: 3 }), { seq: 6 }), // reduced into nothing but the counters
      input(hb(5, true), { seq: 7, atMs: T0 + 1000 }),
    ];
    let pure = initialVehicleState(1, 1);
    let owned = initialVehicleState(1, 1);
    const states: VehicleState[] = [];
    for (const m of msgs) {
      pure = reduceVehicle(pure, m);
      owned = reduceVehicleOwned(owned, m).state;
      states.push(owned);
      expect(vehicleSnapshot(owned, T0 + 1500)).toEqual(vehicleSnapshot(pure, T0 + 1500));
    }
    const [afterHb, afterPos, afterText, afterAtt, afterCopy, afterMc, afterHb2] = states;
    expect(afterPos!.statustext).toBe(afterHb!.statustext);
    expect(afterText!.position).toBe(afterPos!.position);
    expect(afterAtt!.statustext).toBe(afterText!.statustext);
    expect(afterCopy).toBe(afterAtt); // a duplicate changes no telemetry
    expect(afterMc).toBe(afterCopy); // nor does a message the reducer does not read
    expect(afterHb2!.position).toBe(afterPos!.position);
    expect(afterHb2!.mode).toBe('LOITER');
    // the counters are the owner's, shared by its states and updated in place
    expect(afterHb2!.links).toBe(afterHb!.links);
    expect(vehicleSnapshot(afterHb!, T0 + 1500).links).toEqual(vehicleSnapshot(owned, T0 + 1500).links);
    expect(vehicleSnapshot(owned, T0 + 1500).links.map((l) => [l.link, l.received])).toEqual([['udp', 5], ['B', 1], ['A', 1]]);
  });

  it('pure: the counters of the state given are left as they were', () => {
    const s0 = run([input(hb(4), { seq: 1 }), input(make(common.Attitude, { timeBootMs: 5 }), { seq: 2 })]);
    const before = JSON.stringify(s0);
    const s1 = run([input(make(common.Attitude, { timeBootMs: 6 }), { seq: 9 }), input(make(common.Attitude, { timeBootMs: 7 }), { seq: 9, link: 'B' })], s0);
    expect(JSON.stringify(s0)).toBe(before);
    expect(vehicleSnapshot(s1, T0).links.map((l) => [l.link, l.received, l.lost])).toEqual([['udp', 3, 6], ['B', 1, 0]]);
  });
});
