import { common } from 'mavlink-mappings';
import { afterEach, describe, expect, it } from 'vitest';
import { uploadVerified } from '../mavlink/services/mission/transfer.js';
import type { WireItem } from '../mavlink/services/mission/types.js';
import { Mode } from './modes.js';
import { capturedMission, harnessContext, settle } from './mission-testkit.js';
import { GcsHarness } from './testkit.js';

const HOME = { lat: 24.4798, lon: 118.0894, altAmslM: 10 };
const C = common.MavCmd;
let h: GcsHarness;
afterEach(() => h?.stop());

async function ready(items: WireItem[], params: Record<string, number> = {}): Promise<GcsHarness> {
  h = new GcsHarness({ home: HOME, warmupMs: 5000, params });
  expect(h.waitForPosition()).toBe(true);
  const r = await settle(h, uploadVerified(harnessContext(h), 'mission', items).result);
  expect(r.ok, r.reason).toBe(true);
  return h;
}

const reached = () => h.of<common.MissionItemReached>(46).map((m) => m.seq);
const wi = (command: number, params: [number, number, number, number], x = 0, y = 0, z = 0, frame = 3): WireItem => ({ seq: 0, command, frame, params, x, y, z, autocontinue: 1, current: 0 });

describe('AUTO: flying the stored mission', () => {
  it('the captured mission: GUIDED, arm, MISSION_START → takeoff, waypoints, loiter, RTL in AUTO, disarm; reached 1,3,4,5,6', async () => {
    await ready(capturedMission());
    expect(h.command(C.SET_MESSAGE_INTERVAL, [42, 1e6])).toBe(0);
    expect(h.setMode(Mode.GUIDED)).toBe(0);
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(0);
    expect(h.command(C.MISSION_START, [0, 0])).toBe(0);
    expect(h.drone.mode).toBe(Mode.AUTO);
    expect(h.texts()).toContain('Mission: 1 Takeoff');
    let maxUp = 0;
    let leftAuto = false;
    h.runUntil(() => {
      maxUp = Math.max(maxUp, h.drone.physics.state.upM);
      if (h.drone.mode !== Mode.AUTO) leftAuto = true;
      return !h.drone.armed;
    }, 400_000, 100);
    expect(h.drone.armed).toBe(false);
    expect(leftAuto).toBe(false); // the RTL item keeps the mode AUTO
    expect(maxUp).toBeGreaterThan(34);
    h.advance(1500);
    expect(reached()).toEqual([1, 3, 4, 5, 6]); // no 2: the DO item after it completes in the same instant
    expect(h.texts()).toEqual(expect.arrayContaining(['Reached command #2', 'Mission: 3 ChangeSpeed', 'Mission: 4 LoitTime', 'Mission: 6 RTL']));
    const cur = h.last<common.MissionCurrent>(42)!;
    expect(cur).toMatchObject({ seq: 0, missionState: 5 });
    expect(Math.hypot(h.drone.physics.state.eM, h.drone.physics.state.nM)).toBeLessThan(3);
    expect(h.drone.nav.speedMps).toBe(8);
  });

  it('arming in GUIDED and switching to AUTO on the ground is not enough: the copter stays down and disarms', async () => {
    await ready(capturedMission());
    h.setMode(Mode.GUIDED);
    h.command(C.COMPONENT_ARM_DISARM, [1]);
    expect(h.setMode(Mode.AUTO)).toBe(0);
    h.advance(12_000);
    expect(h.drone.armed).toBe(false);
    expect(h.drone.physics.state.upM).toBeLessThan(0.1);
  });

  it('AUTO_OPTIONS = 3: AUTO, arm → takes off; switching to AUTO again does not restart', async () => {
    await ready(capturedMission(), { AUTO_OPTIONS: 3 });
    expect(h.setMode(Mode.AUTO)).toBe(0);
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(0);
    h.runUntil(() => reached().includes(1), 60_000, 100);
    h.runUntil(() => h.drone.auto.current === 4, 120_000, 100);
    expect(h.setMode(Mode.AUTO)).toBe(0);
    h.advance(500);
    expect(h.drone.auto.current).toBe(4);
  });

  it('arming in AUTO without AUTO_OPTIONS is refused; AUTO with a first item that is not a takeoff is refused armed on the ground', async () => {
    await ready([capturedMission()[0]!, wi(16, [0, 0, 0, 0], 244811475, 1180894000, 30)]);
    h.setMode(Mode.AUTO);
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(common.MavResult.FAILED);
    expect(h.texts()).toContain('Arm: Mode not armable');
    h.setMode(Mode.GUIDED);
    h.command(C.COMPONENT_ARM_DISARM, [1]);
    expect(h.setMode(Mode.AUTO)).toBe(common.MavResult.FAILED);
    expect(h.texts()).toContain('Auto: Missing Takeoff Cmd');
  });

  it('DO_JUMP repeats, LOITER_TURNS circles, CONDITION_YAW, ROI, gimbal and camera items run; NAV_LAND lands and disarms', async () => {
    const home = capturedMission()[0]!;
    const n = 244798000 + 4492; // ~50 m north
    await ready([
      home,
      wi(22, [0, 0, 0, 0], 0, 0, 20),
      wi(2000, [0, 0, 2, 0], 0, 0, 0, 2), // 2: photos every 0 s, count 2
      wi(16, [0, 0, 0, 0], n, 1180894000, 20), // 3
      wi(115, [90, 20, 1, 0], 0, 0, 0, 2), // 4: yaw to 90°
      wi(177, [3, 1, 0, 0], 0, 0, 0, 2), // 5: jump to 3 once more
      wi(201, [0, 0, 0, 0], 244798000, 1180899000, 0), // 6: ROI
      wi(205, [-45, 0, 10, 0], 0, 0, 0, 2), // 7: mount
      wi(18, [1, 0, 15, 0], 244798000, 1180894000, 20), // 8: one turn, radius 15 m
      wi(2500, [0, 0, 0, 0], 0, 0, 0, 2), // 9
      wi(21, [0, 0, 0, 0], 0, 0, 0), // 10: land here
    ]);
    h.setMode(Mode.GUIDED);
    h.command(C.COMPONENT_ARM_DISARM, [1]);
    expect(h.command(C.MISSION_START, [0, 0])).toBe(0);
    h.runUntil(() => !h.drone.armed, 600_000, 100);
    h.advance(1000);
    expect(h.drone.auto.executed.filter((s) => s === 2)).toHaveLength(1);
    expect(h.drone.auto.executed.filter((s) => s === 4)).toHaveLength(2); // the jump ran 3..5 twice
    expect(h.drone.auto.camera).toMatchObject({ photos: 2, videoStarts: 1 });
    expect(h.drone.gimbal.pitchDeg).toBe(-45);
    expect(reached().at(-1)).toBe(10);
    expect(h.drone.mode).toBe(Mode.AUTO);
  });
});
