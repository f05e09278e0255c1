/** Quirks: firmware chosen from HEARTBEAT.autopilot; mode name ↔ number both ways for every table. */
import { describe, expect, it } from 'vitest';
import { ARDUPILOT_COPTER, GENERIC, PX4, modeName, modeNames, modeNumber, px4CustomMode, quirksFor, setModeParams } from './quirks.js';

describe('quirks', () => {
  it('is chosen from HEARTBEAT.autopilot', () => {
    expect(quirksFor(3)).toBe(ARDUPILOT_COPTER);
    expect(quirksFor(12)).toBe(PX4);
    expect(quirksFor(0)).toBe(GENERIC);
    expect(quirksFor(8)).toBe(GENERIC);
  });

  it.each([
    ['STABILIZE', 0], ['ACRO', 1], ['ALT_HOLD', 2], ['AUTO', 3], ['GUIDED', 4], ['LOITER', 5], ['RTL', 6], ['CIRCLE', 7],
    ['LAND', 9], ['DRIFT', 11], ['SPORT', 13], ['FLIP', 14], ['AUTOTUNE', 15], ['POSHOLD', 16], ['BRAKE', 17],
    ['THROW', 18], ['AVOID_ADSB', 19], ['GUIDED_NOGPS', 20], ['SMART_RTL', 21],
  ])('ArduCopter %s = %i both ways', (name, n) => {
    expect(modeNumber(ARDUPILOT_COPTER, name)).toBe(n);
    expect(modeName(ARDUPILOT_COPTER, 1, n)).toBe(name);
    expect(setModeParams(ARDUPILOT_COPTER, name.toLowerCase())).toEqual([1, n, 0]);
  });

  it('names unknown numbers and refuses unknown names', () => {
    expect(modeName(ARDUPILOT_COPTER, 1, 99)).toBe('MODE(99)');
    expect(modeNumber(ARDUPILOT_COPTER, 'WARP')).toBeUndefined();
    expect(setModeParams(ARDUPILOT_COPTER, 'WARP')).toBeUndefined();
  });

  it('PX4 packs main mode in bits 16-23 and sub mode in 24-31', () => {
    const mission = px4CustomMode(4, 4);
    expect(mission).toBe(0x04040000);
    expect(modeName(PX4, 1, mission)).toBe('AUTO.MISSION');
    expect(modeName(PX4, 1, px4CustomMode(3))).toBe('POSCTL');
    expect(modeName(PX4, 1, px4CustomMode(6))).toBe('OFFBOARD');
    expect(setModeParams(PX4, 'AUTO.RTL')).toEqual([1, 4, 5]);
    expect(setModeParams(PX4, 'AUTO.TAKEOFF')).toEqual([1, 4, 2]);
    expect(setModeParams(PX4, 'MANUAL')).toEqual([1, 1, 0]);
    for (const n of modeNames(PX4)) expect(modeName(PX4, 1, modeNumber(PX4, n)!)).toBe(n);
    expect(modeName(PX4, 1, 0xff7f0000 >>> 0)).toBe('MODE(4286513152)');
  });

  it('generic uses base_mode flags only', () => {
    expect(modeName(GENERIC, 64 | 16 | 8 | 4 | 128, 1234)).toBe('AUTO');
    expect(modeName(GENERIC, 64 | 16, 0)).toBe('STABILIZE');
    expect(setModeParams(GENERIC, 'GUIDED')).toEqual([64 | 16 | 8, 0, 0]);
  });

  it('carries the ArduPilot behaviours as data', () => {
    expect(ARDUPILOT_COPTER).toMatchObject({ takeoffMode: 'GUIDED', missionRequestLegacy: true, homeAtSeq0: true, streams: 'message-interval-or-data-stream', modeMayRevert: true });
    expect(PX4.missionRequestLegacy).toBe(false);
  });
});
