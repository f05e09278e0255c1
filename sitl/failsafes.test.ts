import { ardupilotmega, common, minimal } from 'mavlink-mappings';
import { afterEach, describe, expect, it } from 'vitest';
import { make } from '../mavlink/codec/messages.js';
import { GcsHarness } from './testkit.js';

const C = common.MavCmd;
const R = common.MavResult;
let h: GcsHarness | undefined;
afterEach(() => h?.stop());

function paramSet(h: GcsHarness, name: string, value: number): void {
  h.gcs.send(make(common.ParamSet, { targetSystem: 1, targetComponent: 1, paramId: name, paramValue: value, paramType: 9 } as Partial<common.ParamSet>));
  h.advance(100);
}

describe('SimDrone failsafes', () => {
  it('battery low (BATT_LOW_MAH reserve) → "Battery 1 is low …" and RTL; the patrol defaults set the reserve', () => {
    h = new GcsHarness({ enduranceMin: 2, patrolDefaults: { reservePercent: 25 } });
    expect(h.drone.params.get('BATT_LOW_MAH')).toBe(Math.round(h.drone.battery.capacityMah * 0.25));
    expect(h.drone.params.get('BATT_FS_LOW_ACT')).toBe(2);
    h.launch(20);
    const p = { lat: 24.59 + 0.01, lon: 118.262 };
    h.commandInt(C.DO_REPOSITION, [-1, 0, 0, NaN], p.lat, p.lon, 20);
    expect(h.runUntil(() => h!.drone.mode === 6, 120_000, 100)).toBe(true);
    expect(h.texts().some((t) => /^Battery 1 is low \d+\.\d\dV used \d+ mAh$/.test(t))).toBe(true);
    expect(h.drone.battery.remainingPct).toBeLessThan(25.5);
    expect(h.drone.battery.remainingPct).toBeGreaterThan(20);
    h.advance(1100);
    expect(h.last<minimal.Heartbeat>(0)!.systemStatus).toBe(minimal.MavState.CRITICAL);
  });

  it('battery critical → LAND', () => {
    h = new GcsHarness({ enduranceMin: 1.5, patrolDefaults: true });
    h.launch(60);
    expect(h.runUntil(() => h!.drone.failsafes.battery === 2, 120_000, 100)).toBe(true);
    expect(h.drone.mode).toBe(9);
    expect(h.texts().some((t) => t.startsWith('Battery 1 is critical'))).toBe(true);
  });

  it('GCS heartbeats stop for FS_GCS_TIMEOUT with FS_GCS_ENABLE = 1 → "GCS Failsafe" and RTL', () => {
    h = new GcsHarness({ patrolDefaults: true });
    h.launch(30);
    h.gcsHeartbeats = false;
    const lost = h.t;
    expect(h.runUntil(() => h!.drone.mode === 6, 20_000, 100)).toBe(true);
    expect(h.t - lost).toBeGreaterThanOrEqual(5000);
    expect(h.texts(lost)).toContain('GCS Failsafe');
    expect(h.drone.lastFailsafeReason).toBe('gcs failsafe');
    h.gcsHeartbeats = true;
    h.advance(2000);
    expect(h.drone.failsafes.gcs).toBe(false);
    expect(h.drone.mode).toBe(6);
  });

  it('with ArduPilot’s default FS_GCS_ENABLE = 0 the link loss changes nothing; only sysid MAV_GCS_SYSID heartbeats count', () => {
    h = new GcsHarness();
    expect(h.drone.params.get('FS_GCS_ENABLE')).toBe(0);
    h.launch(30);
    h.gcsHeartbeats = false;
    h.advance(20_000);
    expect(h.drone.mode).toBe(4);
    h.stop();
    h = new GcsHarness({ params: { FS_GCS_ENABLE: 1, MAV_GCS_SYSID: 200 } });
    h.launch(30); // heartbeats come from sysid 255, not the configured GCS: it is never "seen"
    h.gcsHeartbeats = false;
    h.advance(20_000);
    expect(h.drone.mode).toBe(4);
    expect(h.drone.failsafes.gcs).toBe(false);
  });

  it('fence breach (FENCE_ENABLE, FENCE_RADIUS) → RTL', () => {
    h = new GcsHarness();
    h.launch(20);
    paramSet(h, 'FENCE_ENABLE', 1);
    paramSet(h, 'FENCE_RADIUS', 100);
    const since = h.t;
    h.commandInt(C.DO_REPOSITION, [-1, 0, 0, NaN], 24.59 + 0.002, 118.262, 20);
    expect(h.runUntil(() => h!.drone.mode === 6, 60_000, 100)).toBe(true);
    const d = Math.hypot(h.drone.physics.state.eM, h.drone.physics.state.nM);
    expect(d).toBeGreaterThan(100);
    expect(d).toBeLessThan(105);
    expect(h.texts(since)).toContain('Circle fence breached');
    expect(h.drone.lastFailsafeReason).toBe('fence breach');
  });

  it('fence altitude breach (FENCE_ALT_MAX) → RTL', () => {
    h = new GcsHarness({ params: { FENCE_ENABLE: 1, FENCE_ALT_MAX: 40 } });
    h.launch(30);
    h.commandInt(C.DO_REPOSITION, [-1, 0, 0, NaN], 24.59, 118.262 + 0.0005, 60);
    expect(h.runUntil(() => h!.drone.mode === 6, 60_000, 100)).toBe(true);
    expect(h.drone.physics.state.upM).toBeGreaterThan(40);
  });

  it('GPS loss → fix 0, EKF loses EKF_POS_HORIZ_ABS, "EKF variance", LAND, disarm on the ground', () => {
    h = new GcsHarness({ faults: [{ kind: 'gps-loss', atS: 80 }] });
    h.launch(30);
    h.command(C.SET_MESSAGE_INTERVAL, [24, 500_000]);
    h.command(C.SET_MESSAGE_INTERVAL, [193, 500_000]);
    expect(h.t).toBeLessThan(80_000);
    expect(h.runUntil(() => h!.drone.mode === 9, 60_000, 100)).toBe(true);
    expect(h.last<common.GpsRawInt>(24)!.fixType).toBe(0);
    expect(h.last<ardupilotmega.EkfStatusReport>(193)!.flags & 16).toBe(0);
    expect(h.texts()).toContain('EKF variance');
    expect(h.runUntil(() => !h!.drone.armed, 60_000, 100)).toBe(true);
  });

  it('without GPS on the ground, arming in GUIDED is refused with "Arm: Need Position Estimate"', () => {
    h = new GcsHarness({ faults: [{ kind: 'gps-loss', atS: 50, forS: 20 }] });
    h.runUntil(() => h!.t > 55_000, 60_000, 100);
    h.setMode(4);
    const since = h.t;
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(R.FAILED);
    h.advance(100);
    expect(h.texts(since)).toContain('Arm: Need Position Estimate');
    h.runUntil(() => h!.t > 74_000, 60_000, 100);
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(R.ACCEPTED);
  });

  it('GUIDED cannot be entered while armed without a position', () => {
    h = new GcsHarness({ faults: [{ kind: 'gps-loss', atS: 70 }] });
    h.waitForPosition();
    h.setMode(0);
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(R.ACCEPTED);
    h.advance(35_000);
    expect(h.drone.positionOk()).toBe(false);
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(R.ACCEPTED);
    expect(h.setMode(4)).toBe(R.FAILED);
  });
});
