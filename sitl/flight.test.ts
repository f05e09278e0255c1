import { common, minimal, standard } from 'mavlink-mappings';
import { afterEach, describe, expect, it } from 'vitest';
import { latLonFromEnu } from './geo.js';
import { GcsHarness, TEST_HOME } from './testkit.js';

const C = common.MavCmd;
const R = common.MavResult;
const HOME = { latDeg: TEST_HOME.lat, lonDeg: TEST_HOME.lon };
let h: GcsHarness | undefined;
afterEach(() => h?.stop());

/** Lat/lon of a point n metres north and e metres east of home. */
function at(eM: number, nM: number): { lat: number; lon: number } {
  const p = latLonFromEnu(HOME, eM, nM);
  return { lat: p.latDeg, lon: p.lonDeg };
}

describe('SimDrone flight', () => {
  it('GUIDED → arm → takeoff 30 m: climbs at ≤ 2.5 m/s to ~30 m; status ACTIVE, landed state IN_AIR', () => {
    h = new GcsHarness();
    h.waitForPosition();
    expect(h.setMode(4)).toBe(R.ACCEPTED);
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(R.ACCEPTED);
    expect(h.command(C.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, 30])).toBe(R.ACCEPTED);
    h.command(C.SET_MESSAGE_INTERVAL, [33, 200_000]);
    h.command(C.SET_MESSAGE_INTERVAL, [245, 1_000_000]);
    h.advance(25_000);
    const gpi = h.last<standard.GlobalPositionInt>(33)!;
    expect(gpi.relativeAlt / 1000).toBeGreaterThan(29.5);
    expect(gpi.relativeAlt / 1000).toBeLessThan(30.5);
    const climbs = h.of<standard.GlobalPositionInt>(33).map((m) => -m.vz / 100);
    expect(Math.max(...climbs)).toBeLessThanOrEqual(2.51);
    expect(h.last<minimal.Heartbeat>(0)!.systemStatus).toBe(minimal.MavState.ACTIVE);
    expect(h.last<common.ExtendedSysState>(245)!.landedState).toBe(common.MavLandedState.IN_AIR);
    // Takeoff again while flying is refused.
    expect(h.command(C.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, 50])).toBe(R.FAILED);
  });

  it('DO_REPOSITION (COMMAND_INT) to a point 500 m away arrives, at ≤ WPNAV_SPEED', () => {
    h = new GcsHarness();
    h.launch(30);
    const target = at(300, 400);
    h.command(C.SET_MESSAGE_INTERVAL, [74, 500_000]);
    expect(h.commandInt(C.DO_REPOSITION, [-1, 0, 0, NaN], target.lat, target.lon, 40)).toBe(R.ACCEPTED);
    const arrived = h.runUntil(() => {
      const s = h!.drone.physics.state;
      return Math.hypot(s.eM - 300, s.nM - 400) < 1 && h!.drone.physics.groundSpeedMps < 0.2;
    }, 120_000, 100);
    expect(arrived).toBe(true);
    expect(h.drone.physics.state.upM).toBeCloseTo(40, 0);
    const speeds = h.of<common.VfrHud>(74).map((m) => m.groundspeed);
    expect(Math.max(...speeds)).toBeLessThanOrEqual(10.01);
    expect(Math.max(...speeds)).toBeGreaterThan(9.5);
  });

  it('DO_CHANGE_SPEED slows a go-to; DO_PAUSE_CONTINUE holds then resumes', () => {
    h = new GcsHarness();
    h.launch(20);
    expect(h.command(C.DO_CHANGE_SPEED, [1, 4, -1])).toBe(R.ACCEPTED);
    const target = at(0, 400);
    expect(h.commandInt(C.DO_REPOSITION, [-1, 0, 0, NaN], target.lat, target.lon, 20)).toBe(R.ACCEPTED);
    h.advance(20_000);
    expect(h.drone.physics.groundSpeedMps).toBeLessThanOrEqual(4.01);
    expect(h.command(C.DO_PAUSE_CONTINUE, [0])).toBe(R.ACCEPTED);
    h.advance(10_000);
    const held = h.drone.physics.state.nM;
    h.advance(5_000);
    expect(Math.abs(h.drone.physics.state.nM - held)).toBeLessThan(0.5);
    expect(h.command(C.DO_PAUSE_CONTINUE, [1])).toBe(R.ACCEPTED);
    expect(h.runUntil(() => Math.abs(h!.drone.physics.state.nM - 400) < 1, 200_000, 100)).toBe(true);
  });

  it('DO_ORBIT is UNSUPPORTED, as on ArduCopter (no handler; PR #32434 still open), and the drone keeps its hold', () => {
    h = new GcsHarness();
    h.launch(30);
    const before = { ...h.drone.physics.state };
    const centre = at(0, 100);
    expect(h.command(C.DO_ORBIT, [50, 5, 0, 0, centre.lat, centre.lon, 30])).toBe(R.UNSUPPORTED);
    expect(h.commandInt(C.DO_ORBIT, [50, 5, 0, 0], centre.lat, centre.lon, 30)).toBe(R.UNSUPPORTED);
    h.advance(30_000);
    const s = h.drone.physics.state;
    expect(Math.hypot(s.eM - before.eM, s.nM - before.nM)).toBeLessThan(1);
    expect(h.drone.mode).toBe(4);
  });

  it('RTL climbs to RTL_ALT, flies home, lands and disarms', () => {
    h = new GcsHarness();
    h.launch(10);
    const p = at(-150, 150);
    h.commandInt(C.DO_REPOSITION, [-1, 0, 0, NaN], p.lat, p.lon, 10);
    h.runUntil(() => Math.hypot(h!.drone.physics.state.eM + 150, h!.drone.physics.state.nM - 150) < 1, 60_000, 100);
    const since = h.t;
    expect(h.command(C.NAV_RETURN_TO_LAUNCH)).toBe(R.ACCEPTED);
    expect(h.drone.mode).toBe(6);
    let maxUp = 0;
    const done = h.runUntil(() => {
      maxUp = Math.max(maxUp, h!.drone.physics.state.upM);
      return !h!.drone.armed;
    }, 300_000, 100);
    expect(done).toBe(true);
    expect(maxUp).toBeGreaterThan(14.7);
    expect(maxUp).toBeLessThan(15.5);
    const s = h.drone.physics.state;
    expect(Math.hypot(s.eM, s.nM)).toBeLessThan(1);
    expect(s.upM).toBe(0);
    expect(h.texts(since)).toContain('Disarming motors');
    h.advance(1100);
    expect(h.last<minimal.Heartbeat>(0)!.baseMode & minimal.MavModeFlag.SAFETY_ARMED).toBe(0);
  });

  it('LAND descends where it is and disarms on the ground', () => {
    h = new GcsHarness();
    h.launch(20);
    const before = { ...h.drone.physics.state };
    expect(h.command(C.NAV_LAND)).toBe(R.ACCEPTED);
    expect(h.runUntil(() => !h!.drone.armed, 60_000, 100)).toBe(true);
    expect(Math.hypot(h.drone.physics.state.eM - before.eM, h.drone.physics.state.nM - before.nM)).toBeLessThan(1);
    expect(h.drone.physics.state.lastTouchdownMps).toBeLessThanOrEqual(0.51);
  });

  it('SET_POSITION_TARGET_GLOBAL_INT flies to a point in GUIDED', () => {
    h = new GcsHarness();
    h.launch(20);
    const p = at(100, 0);
    h.gcs.send(
      Object.assign(new common.SetPositionTargetGlobalInt(), {
        targetSystem: 1,
        targetComponent: 1,
        coordinateFrame: common.MavFrame.GLOBAL_RELATIVE_ALT_INT,
        typeMask: 0b110111111000,
        latInt: Math.round(p.lat * 1e7),
        lonInt: Math.round(p.lon * 1e7),
        alt: 25,
      }),
    );
    expect(h.runUntil(() => Math.abs(h!.drone.physics.state.eM - 100) < 1 && Math.abs(h!.drone.physics.state.upM - 25) < 0.5, 60_000, 100)).toBe(true);
  });

  it('ROI and gimbal commands are stored; a retransmitted takeoff (confirmation 1) is answered idempotently', () => {
    h = new GcsHarness();
    h.waitForPosition();
    h.setMode(4);
    h.command(C.COMPONENT_ARM_DISARM, [1]);
    expect(h.command(C.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, 20])).toBe(R.ACCEPTED);
    h.advance(1000);
    expect(h.command(C.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, 20], 1)).toBe(R.ACCEPTED);
    expect(h.command(C.DO_GIMBAL_MANAGER_PITCHYAW, [-45, 10])).toBe(R.ACCEPTED);
    expect(h.drone.gimbal.pitchDeg).toBe(-45);
    expect(h.command(C.DO_MOUNT_CONTROL, [-90, 0, 0])).toBe(R.ACCEPTED);
    expect(h.drone.gimbal.pitchDeg).toBe(-90);
    const roi = at(100, 0);
    expect(h.command(C.DO_SET_ROI_LOCATION, [0, 0, 0, 0, roi.lat, roi.lon, 0])).toBe(R.ACCEPTED);
    h.advance(10_000);
    expect(h.drone.physics.state.yawDeg).toBeCloseTo(90, 0);
    expect(h.command(C.DO_SET_ROI_NONE)).toBe(R.ACCEPTED);
    expect(h.drone.nav.roi).toBeUndefined();
  });
});
