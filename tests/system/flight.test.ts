/**
 * A full sortie through the station's command API against a simulated drone on the fake clock:
 * GUIDED → arm → take off 30 m → go to a point ~400 m away → orbit it (60 m) → RTL → lands at home and
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
  it('takes off, goes to a point, orbits it on the circle, returns, lands at home and disarms', async () => {
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

    // Orbit: 60 m radius at 5 m/s. The drone first moves out to the circle, then goes round it.
    expect(await r.settle(cmds.orbit(centre.latDeg, centre.lonDeg, 60, 5))).toMatchObject({ ok: true, value: { command: 'Orbit' } });
    expect(await r.until(() => Math.abs(groundDistanceM(pos(), centre) - 60) < 2, 60_000)).toBe(true);
    await r.run(5000); // settle onto the circle
    const radii: number[] = [];
    const bearings: number[] = [];
    const lapMs = ((2 * Math.PI * 60) / 5) * 1000;
    for (let t = 0; t < lapMs * 1.1; t += 500) {
      await r.run(500);
      const p = pos();
      radii.push(groundDistanceM(p, centre));
      const north = groundDistanceM(centre, { latDeg: p.latDeg, lonDeg: centre.lonDeg }) * Math.sign(p.latDeg - centre.latDeg);
      const east = groundDistanceM(centre, { latDeg: centre.latDeg, lonDeg: p.lonDeg }) * Math.sign(p.lonDeg - centre.lonDeg);
      bearings.push((Math.atan2(east, north) * 180) / Math.PI);
      expect(p.altRelM).toBeGreaterThan(29);
      expect(p.altRelM).toBeLessThan(31);
    }
    expect(Math.min(...radii)).toBeGreaterThan(57);
    expect(Math.max(...radii)).toBeLessThan(63);
    // Went all the way round: the bearing from the centre turned through at least 360° in one direction.
    let turned = 0;
    for (let i = 1; i < bearings.length; i++) {
      let d = bearings[i]! - bearings[i - 1]!;
      if (d > 180) d -= 360;
      if (d < -180) d += 360;
      turned += d;
    }
    expect(Math.abs(turned)).toBeGreaterThan(360);
    expect(turned).toBeGreaterThan(0); // positive radius = clockwise seen from above
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
