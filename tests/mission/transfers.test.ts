/**
 * Mission transfers of the real station against the simulator on one FakeClock, over clean, lossy (up to 30 %
 * each way) and 57600-baud links: every transfer either succeeds with the vehicle holding exactly the plan
 * (checked here against the simulator's storage as well) or fails loudly — never a partial success.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WireItem } from '../../mavlink/services/mission/types.js';
import { squareMission } from '../../sitl/mission-testkit.js';
import { buildRig, HOME, type Rig } from '../system/harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function rigWith(link: { lossRate?: number; bytesPerSecond?: number; latencyMs?: number; seed?: number }, sysids: readonly number[] = [11]): Promise<Rig> {
  rig = await buildRig({ sysids, link, fleet: { warmupMs: 5000 }, station: { registry: { requestStreams: false } } });
  expect(await rig.until(() => sysids.every((s) => rig!.station.vehicle(s) !== undefined), 60_000)).toBe(true);
  return rig;
}

/** The simulator's stored list equals what was sent (seq 0 of the mission is home, rewritten by the vehicle). */
function storedMatches(stored: readonly WireItem[], sent: readonly WireItem[], type: 'mission' | 'fence' | 'rally'): boolean {
  if (stored.length !== sent.length) return false;
  return sent.every((a, i) => {
    if (type === 'mission' && i === 0) return true;
    const b = stored[i]!;
    return a.command === b.command && a.frame === b.frame && a.x === b.x && a.y === b.y && Math.abs(a.z - b.z) < 1e-3 && a.params.every((p, k) => Math.abs(p - b.params[k]!) < 1e-4);
  });
}

const home = { lat: HOME.lat, lon: HOME.lon };
const LINKS = [
  { name: 'clean', link: {} },
  { name: '10 % loss', link: { lossRate: 0.1, seed: 3 } },
  { name: '20 % loss, 150 ms', link: { lossRate: 0.2, latencyMs: 150, seed: 5 } },
  { name: '30 % loss, 57600 baud', link: { lossRate: 0.3, bytesPerSecond: 5760, latencyMs: 20, seed: 7 } },
];

describe('mission transfers against the simulator', () => {
  for (const t of LINKS) {
    it(`${t.name}: upload 60 items verified by read-back; the vehicle holds exactly the plan`, async () => {
      const r = await rigWith(t.link);
      const drone = r.link(11).drone;
      const items = squareMission(home, 60);
      const m = r.station.vehicle(11)!.missions;
      const progress: number[] = [];
      const up = await r.settle(m.upload('mission', items, { onProgress: (p) => p.phase === 'upload' && progress.push(p.done) }).result, 900_000);
      if (up.ok) {
        expect(up.verifiedBy).toBe('readback');
        expect(storedMatches(drone.missions.items('mission'), items, 'mission')).toBe(true);
        expect(progress.at(-1)).toBe(60);
      } else {
        // Failing loudly is allowed on a bad link, never a silent partial success.
        expect(up.reason).toBeTruthy();
      }
      expect(up.ok, up.reason).toBe(true); // with these seeds every transfer completes
      if ('lossRate' in t.link) expect(up.upload.resends).toBeGreaterThan(0); // the loss was real
      const down = await r.settle(m.download('mission').result, 900_000);
      expect(down.outcome).toBe('ok');
      expect(down.items).toHaveLength(60);
    }, 60_000);
  }

  it('57600 baud, 30 % loss: fence and rally too; many seeds, each transfer all-or-nothing', async () => {
    let ok = 0;
    for (const seed of [11, 12, 13, 14]) {
      const r = await rigWith({ lossRate: 0.3, bytesPerSecond: 5760, seed });
      const drone = r.link(11).drone;
      const m = r.station.vehicle(11)!.missions;
      const fence: WireItem[] = [0, 1, 2, 3].map((i) => ({ seq: i, command: 5001, frame: 0, params: [4, 0, 0, 0], x: 245900000 + (i % 2) * 10000, y: 1182620000 + (i >> 1) * 10000, z: 0, autocontinue: 1, current: 0 }));
      const rally: WireItem[] = [{ seq: 0, command: 5100, frame: 3, params: [0, 0, 0, 0], x: 245901000, y: 1182621000, z: 30, autocontinue: 1, current: 0 }];
      for (const [type, items] of [['mission', squareMission(home, 30)], ['fence', fence], ['rally', rally]] as const) {
        const before = drone.missions.items(type).map((x) => ({ ...x }));
        const up = await r.settle(m.upload(type, items).result, 900_000);
        if (up.ok) {
          ok++;
          expect(storedMatches(drone.missions.items(type), items, type)).toBe(true);
        } else {
          expect(up.reason).toBeTruthy();
          // A failed upload leaves the old list or the new one whole, never a mixture.
          const now = drone.missions.items(type);
          expect(storedMatches(now, items, type) || JSON.stringify(now) === JSON.stringify(before)).toBe(true);
        }
      }
      await rig!.close();
      rig = undefined;
    }
    expect(ok).toBe(12);
  }, 120_000);

  it('read-back mismatch: the vehicle corrupts an item → the upload fails, naming the item and field', async () => {
    const r = await rigWith({ lossRate: 0.1, seed: 2 });
    r.link(11).drone.missions.corrupt('mission', 5, (it) => ({ ...it, x: it.x + 3 }));
    const up = await r.settle(r.station.vehicle(11)!.missions.upload('mission', squareMission(home, 12)).result, 300_000);
    expect(up.ok).toBe(false);
    expect(up.verifiedBy).toBe('readback');
    expect(up.mismatches[0]).toMatchObject({ seq: 5, field: 'latitude' });
  });

  it('a dead link fails loudly with a reason', async () => {
    const r = await rigWith({});
    r.link(11).stationEnd.setDown(true);
    const up = await r.settle(r.station.vehicle(11)!.missions.upload('mission', squareMission(home, 10)).result, 300_000);
    expect(up.ok).toBe(false);
    expect(up.upload.outcome).toBe('timeout');
    expect(up.reason).toContain('MISSION_COUNT');
  });

  it('transfers to different drones run concurrently; one drone\'s transfers queue', async () => {
    const r = await rigWith({ latencyMs: 100 }, [11, 12, 13]);
    const t0 = r.clock.now();
    const ends: Record<string, number> = {};
    const jobs = [11, 12, 13].map((s) => r.station.vehicle(s)!.missions.upload('mission', squareMission(home, 40)).result.then((x) => ((ends[`u${s}`] = r.clock.now() - t0), x)));
    const second = r.station.vehicle(11)!.missions.upload('fence', []).result.then((x) => ((ends.f11 = r.clock.now() - t0), x));
    const all = await r.settle(Promise.all([...jobs, second]), 300_000);
    expect(all.every((x) => x.ok)).toBe(true);
    // Three 40-item uploads (+ read-back) at 200 ms RTT take ~16 s each; run in parallel they end together.
    expect(Math.max(ends.u11!, ends.u12!, ends.u13!)).toBeLessThan(1.3 * Math.min(ends.u11!, ends.u12!, ends.u13!));
    expect(ends.f11!).toBeGreaterThan(ends.u11!); // queued behind drone 11's mission upload
  }, 60_000);
});
