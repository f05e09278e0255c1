/**
 * Failsafes as the station sees them (sample-fleet settings: FS_GCS_ENABLE 1, battery low → RTL at the
 * 25 % reserve, critical → LAND), plus the arming refusal that reaches the command result.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { groundDistanceM } from '../../common/geo.js';
import { buildRig, offset, type Rig } from './harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Boot until the station sees an EKF position and home, then GUIDED, arm, take off to 30 m. */
async function launch(r: Rig, sysid: number): Promise<void> {
  expect(await r.until(() => r.view(sysid)?.ekf?.posHorizAbs === true && r.view(sysid)?.home !== null, 90_000)).toBe(true);
  const c = r.commands(sysid);
  expect(await r.settle(c.takeoff(30))).toMatchObject({ ok: true });
  expect(await r.until(() => (r.view(sysid)?.position?.altRelM ?? 0) > 29.5, 60_000)).toBe(true);
}

async function flyOut(r: Rig, sysid: number, northM: number, eastM: number): Promise<void> {
  const home = r.view(sysid)!.home!;
  const p = offset(home, northM, eastM);
  expect(await r.settle(r.commands(sysid).goto(p.latDeg, p.lonDeg, 30))).toMatchObject({ ok: true });
  expect(await r.until(() => groundDistanceM(r.view(sysid)!.position!, p) < 3, 120_000)).toBe(true);
}

const texts = (r: Rig, sysid: number): string[] => r.eventsOf('statustext', sysid).map((e) => e.entry.text);

describe('failsafes seen from the station', () => {
  it('GCS link loss (station→drone cut) while flying: the drone RTLs and lands by itself; the station watches it happen', async () => {
    rig = await buildRig({ sysids: [11] });
    const r = rig;
    await launch(r, 11);
    await flyOut(r, 11, 200, 0);
    const home = r.view(11)!.home!;

    // Our heartbeats (and everything else we send) stop reaching the drone; its telemetry still reaches us.
    r.link(11).stationEnd.setDown(true, 'send');
    expect(await r.until(() => r.view(11)!.mode === 'RTL', 15_000)).toBe(true);
    expect(texts(r, 11)).toContain('GCS Failsafe');
    expect(r.eventsOf('mode-changed', 11).at(-1)).toMatchObject({ from: 'GUIDED', to: 'RTL' });
    expect(await r.until(() => r.eventsOf('disarmed', 11).length === 1, 300_000)).toBe(true);
    expect(groundDistanceM(r.view(11)!.position!, home)).toBeLessThan(2);
    expect(r.view(11)!.position!.altRelM).toBeLessThan(0.5);
    // The downlink never stopped: the vehicle was never lost.
    expect(r.eventsOf('vehicle-lost')).toEqual([]);
    r.link(11).stationEnd.setDown(false, 'send');
  });

  it('radio out of range both ways while flying: the station reports it lost, the drone comes home alone, and is regained in RTL', async () => {
    rig = await buildRig({ sysids: [11] });
    const r = rig;
    await launch(r, 11);
    await flyOut(r, 11, 0, 300);
    const home = r.view(11)!.home!;

    r.link(11).stationEnd.setDown(true);
    expect(await r.until(() => r.eventsOf('vehicle-lost', 11).length === 1, 15_000)).toBe(true);
    expect(r.view(11)!.info.lost).toBe(true);
    // Out of touch, the drone fails safe on its own: RTL, lands, disarms (simulator side, no station help).
    const drone = r.link(11).drone;
    expect(await r.until(() => !drone.armed, 300_000)).toBe(true);
    expect(drone.lastFailsafeReason).toBe('gcs failsafe');

    r.link(11).stationEnd.setDown(false);
    expect(await r.until(() => r.eventsOf('vehicle-regained', 11).length === 1, 5000)).toBe(true);
    expect(await r.until(() => r.eventsOf('streams-requested', 11).length === 2, 30_000)).toBe(true);
    await r.run(3000);
    const v = r.view(11)!;
    expect(v.info.lost).toBe(false);
    expect(v.mode).toBe('RTL');
    expect(v.armed).toBe(false);
    expect(groundDistanceM(v.position!, home)).toBeLessThan(2);
    expect(v.position!.altRelM).toBeLessThan(0.5);
    // In its events: GUIDED → RTL (seen on the first heartbeat after regaining), then disarmed.
    const after = r.events.filter((e) => e.sysid === 11 && e.atMs >= r.eventsOf('vehicle-regained', 11)[0]!.atMs);
    expect(after.map((e) => e.type)).toContain('mode-changed');
    expect(r.eventsOf('mode-changed', 11).at(-1)).toMatchObject({ from: 'GUIDED', to: 'RTL' });
    expect(r.eventsOf('disarmed', 11)).toHaveLength(1);
  });

  it('low battery: RTL at the reserve, with the STATUSTEXT and the mode change reaching the station', async () => {
    // A pack that went up with 28 % left: the 25 % reserve (BATT_LOW_MAH) comes a minute or two into the
    // flight. (The battery-sag fault rule instead trips the low-VOLTAGE failsafe under load first.)
    rig = await buildRig({ sysids: [13] });
    const r = rig;
    const battery = r.link(13).drone.battery;
    battery.consumedMah = battery.capacityMah * 0.72;
    await launch(r, 13);
    expect(r.view(13)!.mode).toBe('GUIDED');
    const home = r.view(13)!.home!;
    const far = offset(home, -2000, 0);
    expect(await r.settle(r.commands(13).goto(far.latDeg, far.lonDeg, 30))).toMatchObject({ ok: true });
    expect(await r.until(() => r.view(13)!.mode === 'RTL', 300_000)).toBe(true);
    const atRtl = r.view(13)!;
    const low = r.eventsOf('statustext', 13).find((e) => /^Battery 1 is low/.test(e.entry.text));
    expect(low, texts(r, 13).join(' | ')).toBeDefined();
    expect(low!.entry.severity).toBe(4); // WARNING
    // The station's battery view at the switch: at (not far below) the 25 % reserve.
    expect(atRtl.battery!.remainingPct!).toBeLessThanOrEqual(25);
    expect(atRtl.battery!.remainingPct!).toBeGreaterThan(20);
    expect(r.eventsOf('mode-changed', 13).at(-1)).toMatchObject({ from: 'GUIDED', to: 'RTL' });
    expect(atRtl.systemStatus).toBe('CRITICAL');
    // It was heading away: the RTL turned it round (the station sees it closing on home).
    const d0 = groundDistanceM(atRtl.position!, home);
    await r.run(10_000);
    expect(groundDistanceM(r.view(13)!.position!, home)).toBeLessThan(d0);
  });

  it('arming before the drone has a position is refused with the reason from its STATUSTEXT', async () => {
    rig = await buildRig({ sysids: [12] });
    const r = rig;
    // 25 s after power-on: origin set, IMUs settled, the EKF not yet using GPS (that comes at ~41 s).
    await r.run(25_000);
    expect(r.view(12)?.ekf?.posHorizAbs).toBe(false);
    const c = r.commands(12);
    expect(await r.settle(c.setMode('GUIDED'))).toMatchObject({ ok: true });
    const refused = await r.settle(c.arm());
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.code).toBe('failed');
    expect(refused.statusText).toBe('Arm: Need Position Estimate');
    expect(refused.reason).toContain('Need Position Estimate');
    expect(refused.reason).toMatch(/^Arm refused \(FAILED\)/);
    expect(r.view(12)!.armed).toBe(false);
    expect(r.view(12)!.armingMessages.map((m) => m.text)).toContain('Arm: Need Position Estimate');
    // The same command succeeds once the EKF uses GPS.
    expect(await r.until(() => r.view(12)?.ekf?.posHorizAbs === true, 30_000)).toBe(true);
    expect(await r.settle(c.arm())).toMatchObject({ ok: true });
  });
});
