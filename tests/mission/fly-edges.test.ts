/**
 * flyPlan's edges on the FakeClock: a plan that does not end with RTL/LAND is landed by the station after its
 * last item; a failsafe that takes the vehicle out of AUTO mid-mission fails the flight with a reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { flyPlan } from '../../station/vehicle/fly-plan.js';
import { homeItem, wireItem } from '../../station/files/plan-file.js';
import { item } from '../../missions/formats/items.js';
import { buildRig, HOME, offset, type Rig } from '../system/harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const home = { latDeg: HOME.lat, lonDeg: HOME.lon };
function plan(withRtl: boolean) {
  const a = offset(home, 60, 0);
  const b = offset(home, 60, 60);
  const items = [item.takeoff(0, 0, 20), item.waypoint(a.latDeg, a.lonDeg, 20), item.waypoint(b.latDeg, b.lonDeg, 20), ...(withRtl ? [item.rtl()] : [])];
  return { home: { lat: HOME.lat, lon: HOME.lon, altM: HOME.altAmslM }, mission: [homeItem({ lat: HOME.lat, lon: HOME.lon, altM: 10 }), ...items.map((it, i) => wireItem(it, i + 1))], fence: [], rally: [] };
}

describe('flyPlan edges', () => {
  it('a mission ending on a waypoint: the station lands the vehicle after the last item', async () => {
    rig = await buildRig({ sysids: [11], fleet: { warmupMs: 5000 } });
    await rig.until(() => rig!.station.vehicle(11) !== undefined, 10_000);
    const lines: string[] = [];
    const s = await rig.settle(flyPlan({ clock: rig.clock, station: rig.station, sysid: 11, plan: plan(false), onLine: (l) => lines.push(l) }), 600_000, 50);
    expect(s, lines.join('\n')).toMatchObject({ ok: true, flownToEnd: true, landed: true });
    expect(lines).toContain('landing');
    expect(rig.link(11).drone.armed).toBe(false);
  }, 60_000);

  it('a failsafe RTL in the middle of the mission fails the flight, naming the mode and the item', async () => {
    rig = await buildRig({ sysids: [11], fleet: { warmupMs: 5000 } });
    await rig.until(() => rig!.station.vehicle(11) !== undefined, 10_000);
    const drone = rig.link(11).drone;
    const p = flyPlan({ clock: rig.clock, station: rig.station, sysid: 11, plan: plan(true) });
    await rig.until(() => drone.auto.current === 2, 300_000);
    drone.forceMode(6, 'test failsafe');
    const s = await rig.settle(p, 600_000, 50);
    expect(s.ok).toBe(false);
    expect(s.reason).toBe('mode changed to RTL at item 2');
    expect(s.flownToEnd).toBe(false);
  }, 60_000);

  it('the link dies in flight: the flight fails once the vehicle has been lost for lostTimeoutMs', async () => {
    rig = await buildRig({ sysids: [11], fleet: { warmupMs: 5000 } });
    await rig.until(() => rig!.station.vehicle(11) !== undefined, 10_000);
    const drone = rig.link(11).drone;
    const p = flyPlan({ clock: rig.clock, station: rig.station, sysid: 11, plan: plan(true), lostTimeoutMs: 10_000 });
    await rig.until(() => drone.auto.current === 2, 300_000);
    rig.link(11).stationEnd.setDown(true);
    const s = await rig.settle(p, 120_000, 50);
    expect(s).toMatchObject({ ok: false, reason: 'vehicle lost for 10 s during the flight', flownToEnd: false });
  }, 60_000);
});
