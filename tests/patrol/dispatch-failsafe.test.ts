/**
 * A dispatch whose drone's own failsafe fires, on real sockets: a simulated ArduCopter served on tcpin
 * 127.0.0.1 (as SITL serves), the real station on tcpout to it, the real gateway, audit and store, and the
 * dispatcher with a host over what the station sees. The request is made while the drone still warms up (it is
 * not picked before it has a home, a position estimate and healthy sensors); it takes off, flies to the point
 * and watches; on scene its battery failsafe really fires — BATT_LOW_MAH raised over the wire with PARAM_SET
 * (the station's parameter service) above the whole pack, and the simulator's failsafe (sitl/failsafes.ts, as
 * ArduCopter's: BATT_FS_LOW_ACT 2) switches it to RTL and says "Battery 1 is low". The dispatch ends failed with
 * that cause (GUIDED → RTL, the drone's failsafe), and the station sends it nothing more: no region-of-interest
 * clear, no RTL of its own. The drone comes home by itself.
 *
 * The GCS failsafe is off for this drone (FS_GCS_ENABLE 0, ArduCopter's default) so that a busy machine's late
 * heartbeat cannot fire it first: the failsafe here is the battery's.
 * The simulator and the station share one clock running 4× real time (sitl/scaled-clock.ts); every wait is
 * bounded and ends by itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../common/clock.js';
import { groundDistanceM } from '../../common/geo.js';
import { SimFleet } from '../../sitl/fleet.js';
import { ScaledClock } from '../../sitl/scaled-clock.js';
import { createStation, type Station } from '../../station/compose.js';
import { openGateway, type CommandGateway } from '../../station/gateway/gateway.js';
import { Dispatcher, type DispatchHost } from '../../station/patrol/dispatch.js';
import { evaluateGates } from '../../station/patrol/gates.js';
import type { Said } from '../../station/patrol/said.js';
import { openPatrolStore, type PatrolStore } from '../../station/patrol/store.js';
import { freeTcpPortRun, HOME, sleep } from '../smoke/util.js';

const SYSID = 11;
const clock = new ScaledClock(new SystemClock(), 4);
const dataDir = mkdtempSync(join(tmpdir(), 'kx-dispatch-failsafe-'));
let fleet: SimFleet | undefined;
let station: Station | undefined;
let store: PatrolStore | undefined;
let gateway: CommandGateway | undefined;

afterAll(async () => {
  await station?.close();
  await fleet?.stop();
  store?.close();
  gateway?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Poll (real time) until `done` holds; throws naming `what` after `maxMs`. */
async function until(done: () => boolean, what: string, maxMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > maxMs) throw new Error(`gave up after ${maxMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

describe('a dispatch on the simulator over TCP', () => {
  it('ends failed with the cause when the drone\'s battery failsafe takes it home on scene, and sends it nothing more', { timeout: 120_000 }, async () => {
    const port = await freeTcpPortRun(1);
    const f = SimFleet.create({ drones: 1, clock, host: '127.0.0.1', basePort: port, sysids: [SYSID], home: HOME, warmupMs: 8000, params: { FS_GCS_ENABLE: 0 } });
    if (!f.ok) throw new Error(f.reason);
    fleet = f.value;
    expect(await fleet.start()).toEqual({ ok: true, value: undefined });
    const sim = fleet.members[0]!.drone;

    const st = await createStation({ clock, dataDir, connections: [`tcpout://127.0.0.1:${port}`] });
    if (!st.ok) throw new Error(st.reason);
    station = st.value;
    const s = station;
    const texts: string[] = [];
    s.on('statustext', (e) => texts.push(e.entry.text));
    const opened = openPatrolStore(dataDir);
    if (!opened.ok) throw new Error(opened.reason);
    store = opened.value;
    const g = openGateway({ clock, dataDir, droneName: () => 'JH-01' });
    if (!g.ok) throw new Error(g.reason);
    gateway = g.value;

    // The patrol's face over what the station sees of the one docked drone: its launch gates as the runner
    // evaluates them (policy.ts `candidates` keeps the drones whose gates pass, but the mission).
    const view = (sysid: number) => s.snapshot().vehicles.find((v) => v.sysid === sysid);
    const told: { level: string | null; said: Said }[] = [];
    const host: DispatchHost = {
      reservePct: 25,
      sorties: () => [],
      view,
      isTakenOver: () => false,
      candidates: (slot, nowMs) => {
        const gates = evaluateGates({ nowMs, snap: view(SYSID), lost: s.vehicle(SYSID)?.lost ?? true, needPct: slot.needPct, reservePct: 25, maintenance: false, missionVerified: true, busyWith: null });
        return gates.okButMission ? [{ sysid: SYSID, droneId: 'JH-01', dock: 'D1', distM: 0 }] : [];
      },
      apply: () => undefined,
      event: (_s, _id, _k, said) => told.push({ level: null, said }),
      alert: (_s, _id, level, said) => told.push({ level, said }),
    };
    const d = new Dispatcher({ ctx: { clock, station: s, actor: 'patrol-runner', gateway }, host, store, key: 'sys-test' });
    const tick = clock.setInterval(() => d.tick(clock.now()), 1000);
    try {
      // 150 m north of the dock, hover there (radius 0) at 30 m for 10 minutes.
      const point = { latDeg: HOME.lat + 150 / 111_195, lonDeg: HOME.lon };
      const id = d.request({ ...point, radiusM: 0, priority: 3, holdS: 600, altM: 30, from: 'duty' });
      const rec = () => d.records().find((r) => r.id === id)!;

      // Asked during the warm-up: not picked until the drone can go (a home, an EKF position, healthy sensors).
      await until(() => rec().state !== 'queued', 'the drone picked');
      const v0 = view(SYSID)!;
      expect(v0.home).not.toBeNull();
      expect(v0.ekf?.posHorizAbs).toBe(true);
      expect(v0.sensors?.unhealthy).toEqual([]);

      await until(() => rec().state === 'on_scene' || rec().state === 'failed', 'on scene', 90_000);
      expect(rec()).toMatchObject({ state: 'on_scene', droneId: 'JH-01', source: 'dock', leftAtMs: null });
      expect(groundDistanceM(view(SYSID)!.position!, point)).toBeLessThanOrEqual(30);
      expect(sim.mode).toBe(4); // GUIDED

      // The drone's battery failsafe, as ArduCopter's: the low-mAh threshold raised over the wire above the whole pack.
      const set = await s.vehicle(SYSID)!.files!.params.set('BATT_LOW_MAH', 100_000);
      expect(set.ok).toBe(true);
      await until(() => rec().state === 'failed', 'the dispatch failed', 30_000);
      expect(sim.lastFailsafeReason).toBe('battery low');
      const r = rec();
      expect(r.cause).toEqual({ code: 'failsafe', args: { from: 'GUIDED', to: 'RTL' } });
      expect(r.reason).toBe("mode GUIDED → RTL (the drone's failsafe)");
      expect(r.arrivedAtMs).not.toBeNull();
      expect(r.leftAtMs).toBe(r.endedAtMs);
      expect(told.find((t) => t.said.code === 'dispatch-failed')).toEqual({ level: 'critical', said: { code: 'dispatch-failed', args: { id, drone: 'JH-01' }, why: [r.cause] } });
      expect(texts.some((t) => /^Battery 1 is low/.test(t))).toBe(true);

      // The drone flies home by itself; the station sent it nothing after the failsafe (the audit: take-off, go to, camera on the point).
      await until(() => !sim.armed, 'the drone landed by itself', 60_000);
      expect(groundDistanceM(view(SYSID)!.position!, view(SYSID)!.home!)).toBeLessThan(5);
      const asked = g.value.audit.rows().filter((x) => x.phase === 'request');
      expect(asked.every((x) => x.atMs <= r.endedAtMs! && x.who === 'patrol-runner' && x.from === 'duty')).toBe(true);
      const labels = asked.map((x) => (JSON.parse(x.command) as { label: string }).label);
      expect(labels.filter((l) => l !== 'takeoff 30 m')).toEqual(['go to', 'region of interest']);
      expect(labels[0]).toBe('takeoff 30 m');
      expect(d.records().find((x) => x.id === id)).toEqual(r);
    } finally {
      clock.clearInterval(tick);
    }
  });
});
