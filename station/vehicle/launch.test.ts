/** The launch sequence's helpers: progress from either report, transient refusals (waitUntil is tested in common/wait.test.ts). */
import { describe, expect, it } from 'vitest';
import type { MissionReport, VehicleMissions } from './mission-transfer.js';
import { MissionProgress, TRANSIENT_ARM, performDirectly } from './launch.js';

describe('MissionProgress', () => {
  it('follows MISSION_CURRENT and MISSION_ITEM_REACHED, whichever arrives; a confirmed set-current moves it back', () => {
    let cb: (r: MissionReport) => void = () => {};
    const missions = { watch: (f: (r: MissionReport) => void) => ((cb = f), () => {}) } as unknown as VehicleMissions;
    const p = new MissionProgress(missions);
    cb({ type: 'reached', seq: 1 });
    expect(p.current).toBe(2);
    cb({ type: 'reached', seq: 3 });
    expect([p.current, p.maxReached, p.lastCurrent]).toEqual([4, 3, 4]);
    p.set(2);
    expect(p.current).toBe(2);
    cb({ type: 'current', seq: 5, total: 6, state: 3, missionId: 1 });
    expect(p.current).toBe(5);
    expect(p.doneTo(6)).toBe(false);
    cb({ type: 'current', seq: 0, total: 6, state: 5, missionId: 1 });
    expect(p.doneTo(6)).toBe(true);
  });
});

describe('arming refusals', () => {
  it('one list of transient refusals (GPS included: the two copies had drifted)', () => {
    for (const t of ['Arm: Need Position Estimate', 'Arm: GPS 1: Bad fix', 'Arm: AHRS: waiting for home', 'Arm: Gyros inconsistent', 'no answer']) expect(TRANSIENT_ARM.test(t), t).toBe(true);
    for (const t of ['Arm: RC not calibrated', 'Arm: Mode not armable', 'Arm: Battery 1 below minimum']) expect(TRANSIENT_ARM.test(t), t).toBe(false);
  });
  it('performDirectly turns a reply or a throw into a result', async () => {
    expect(await performDirectly('x', async () => ({ ok: true }))).toEqual({ ok: true });
    expect(await performDirectly('x', async () => { throw new Error('boom'); })).toEqual({ ok: false, reason: 'threw: boom' });
  });
});
