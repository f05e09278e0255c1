/**
 * A full sortie through the station's command API against a simulated drone on the fake clock:
 * GUIDED → arm → take off 30 m → go to a point ~400 m away → an orbit refused as ArduCopter refuses it (no
 * MAV_CMD_DO_ORBIT), the drone holding → RTL → lands at home and
 * disarms. Every position checked is the STATION's vehicle state (decoded from telemetry), and the station's
 * events must show the mode changes, arming and disarming in order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { groundDistanceM } from '../../common/geo.js';
import { buildRig, offset, type Rig } from './harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('a full sortie seen from the station', () => {
  it('takes off, goes to a point, is refused an orbit and holds, returns, lands at home and disarms', async () => {
    rig = await buildRig({ sysids: [11, 12, 13], link: { latencyMs: 15 } });
    const r = rig;
    const S = 12;
    const pos = () => r.view(S)!.position!;
    expect(await r.until(() => r.view(S)?.ekf?.posHorizAbs === true && r.view(S)?.home !== null, 90_000)).toBe(true);
    const home = r.view(S)!.home!;
    expect(groundDistanceM(pos(), home)).toBeLessThan(1);
    const cmds = r.commands(S);
    const flightStart = r.events.length;

    expect(await r.settle(cmds.setMode('GUIDED'))).toMatchObject({ ok: true });
    expect(await r.settle(cmds.arm())).toMatchObject({ ok: true });
    expect(await r.settle(cmds.takeoff(30))).toMatchObject({ ok: true, value: { command: 'Takeoff' } });
    expect(await r.until(() => pos().altRelM > 29.5, 60_000)).toBe(true);
    await r.run(3000);
    expect(pos().altRelM).toBeCloseTo(30, 0);
    expect(groundDistanceM(pos(), home)).toBeLessThan(2);

    // ~400 m away (north-east), same altitude.
    const centre = offset(home, 280, 290);
    expect(groundDistanceM(home, centre)).toBeGreaterThan(395);
    expect(groundDistanceM(home, centre)).toBeLessThan(410);
    expect(await r.settle(cmds.goto(centre.latDeg, centre.lonDeg, 30))).toMatchObject({ ok: true });
    let maxSpeed = 0;
    expect(
      await r.until(() => {
        maxSpeed = Math.max(maxSpeed, r.view(S)!.velocity?.groundSpeedMps ?? 0);
        return groundDistanceM(pos(), centre) < 2 && (r.view(S)!.velocity?.groundSpeedMps ?? 9) < 0.5;
      }, 180_000),
    ).toBe(true);
    expect(maxSpeed).toBeGreaterThan(8); // cruised, not crept
    expect(pos().altRelM).toBeCloseTo(30, 0);

    // Orbit: ArduCopter has no orbit command; the station hears UNSUPPORTED and says so, and the drone holds.
    const orbit = await r.settle(cmds.orbit(centre.latDeg, centre.lonDeg, 60, 5));
    expect(orbit).toMatchObject({ ok: false, code: 'unsupported', mavResult: 3 });
    await r.run(10_000);
    expect(groundDistanceM(pos(), centre)).toBeLessThan(2);
    expect(pos().altRelM).toBeCloseTo(30, 0);
    expect(r.view(S)!.mode).toBe('GUIDED');

    // Return, land at home, disarm.
    expect(await r.settle(cmds.rtl())).toMatchObject({ ok: true });
    expect(await r.until(() => r.eventsOf('disarmed', S).length === 1, 300_000)).toBe(true);
    const landed = r.view(S)!;
    expect(groundDistanceM(landed.position!, home)).toBeLessThan(2);
    expect(landed.position!.altRelM).toBeLessThan(0.5);
    expect(landed.armed).toBe(false);
    expect(landed.mode).toBe('RTL');
    expect(landed.landedState).toBe('ON_GROUND');

    const seq = r.events
      .slice(flightStart)
      .filter((e) => e.sysid === S && (e.type === 'mode-changed' || e.type === 'armed' || e.type === 'disarmed'))
      .map((e) => (e.type === 'mode-changed' ? `mode ${e.from}→${e.to}` : e.type));
    expect(seq).toEqual(['mode STABILIZE→GUIDED', 'armed', 'mode GUIDED→RTL', 'disarmed']);
    const texts = r.view(S)!.statustext.map((t) => t.text);
    expect(texts).toContain('Arming motors');
    expect(texts).toContain('Disarming motors');
    // The other two drones stayed on their docks, disarmed, and were never lost.
    for (const o of [11, 13]) {
      expect(r.view(o)!.armed).toBe(false);
      expect(r.view(o)!.position!.altRelM).toBeLessThan(0.5);
    }
    expect(r.eventsOf('vehicle-lost')).toEqual([]);
  });
});
