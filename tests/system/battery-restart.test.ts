/**
 * A station stopped mid-air and started again keeps what the flight had taught it (station/vehicle/vehicle.ts,
 * battery-store.ts), over real sockets: a simulated ArduCopter (sitl/, a 30 min pack) serves MAVLink on
 * tcpin://127.0.0.1 and three real stations (createStation) connect to it over TCP, all on one FakeClock; a
 * pilot's GCS on a memory link flies it (take-off, one long cruise leg) until its battery reaches the 25 %
 * reserve.
 *
 *  - C hears the whole flight.
 *  - A is stopped (station.close: an orderly shutdown) four minutes into the flight and started again at once
 *    on the same data folder.
 *  - B likewise, but its model file is removed when it stops: what a station kept before this change, which
 *    wrote only at landing. After the restart B has the prior from the drone's BATT_CAPACITY, nothing learned.
 *
 * Each simulated second the stations' time left is compared with the truth (when the simulator's pack reached
 * the reserve). The clock moves only when every connected station has heard the last frame the simulator sent
 * over TCP (bounded: a station that hears nothing within 5 s of real time fails the test).
 */
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common } from 'mavlink-mappings';
import { afterAll, describe, expect, it } from 'vitest';
import { make } from '../../mavlink/codec/messages.js';
import { MavConnection } from '../../mavlink/connection.js';
import { TcpInTransport } from '../../mavlink/transport/tcp.js';
import { GcsHarness } from '../../sitl/testkit.js';
import { createStation, type Station } from '../../station/compose.js';
import type { BatteryModel } from '../../station/vehicle/battery-estimate.js';
import { batteryModelPath, loadBatteryModel } from '../../station/vehicle/battery-store.js';

const RESERVE = 25;
const STEP_MS = 100;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Heard {
  station: Station;
  dataDir: string;
  /** Sequence numbers of the simulator's frames heard since the clock last moved. */
  seen: Set<number>;
}

const realTurn = (i: number) => new Promise<void>((r) => (i < 20 ? setImmediate(r) : setTimeout(r, 1)));

describe('battery learning across a station restart mid-air (simulator over TCP)', () => {
  it('the restarted station keeps what the flight taught: no learning gap, its error as the uninterrupted one, nothing counted twice', async () => {
    const h = new GcsHarness({ enduranceMin: 30, warmupMs: 5000, patrolDefaults: { reservePercent: RESERVE }, tickMs: STEP_MS });
    const clock = h.clock;
    const sysid = h.drone.sysid;
    const tcp = new TcpInTransport('tcpin://127.0.0.1:0', { host: '127.0.0.1', port: 0 });
    const droneTcp = new MavConnection(tcp, { clock, sysid, compid: h.drone.compid });
    expect((await droneTcp.open()).ok).toBe(true);
    const detach = h.drone.attach(droneTcp);
    const port = tcp.address()?.port ?? 0;
    // The sequence number of the last frame the simulator sent to every client (a reply goes to its asker only).
    let lastSent: number | undefined;
    let sent = 0;
    droneTcp.onSent((s) => {
      if (s.peer !== undefined) return;
      lastSent = s.bytes[4];
      sent++;
    });

    const heard: Heard[] = [];
    const start = async (dataDir: string): Promise<Heard> => {
      const st = await createStation({ clock, dataDir, connections: [`tcpout://127.0.0.1:${port}`], record: false, registry: { batteryReservePct: RESERVE } });
      if (!st.ok) throw new Error(st.reason);
      const x: Heard = { station: st.value, dataDir, seen: new Set() };
      st.value.connections()[0]!.onMessage((r) => {
        if (r.frame.sysid === sysid) x.seen.add(r.frame.seq);
      });
      heard.push(x);
      // Connected both ends (real time, bounded) before the clock moves again: every frame after this reaches it.
      for (let i = 0; st.value.connections()[0]!.transport.peers().length === 0 || tcp.peers().length < heard.length; i++) {
        if (i > 5000) throw new Error('a station did not connect to the simulator over TCP within 5 s');
        await realTurn(i);
      }
      return x;
    };
    const stop = async (x: Heard): Promise<void> => {
      heard.splice(heard.indexOf(x), 1);
      await x.station.close();
    };
    const folder = (): string => {
      const d = mkdtempSync(join(tmpdir(), 'kx-batt-restart-'));
      dirs.push(d);
      return d;
    };
    /** One clock step, then real turns until every connected station has heard the simulator's last frame to all. */
    const step = async (): Promise<void> => {
      const before = sent;
      for (const x of heard) x.seen.clear();
      clock.advance(STEP_MS);
      if (sent === before) return;
      for (let i = 0; ; i++) {
        if (heard.every((x) => x.seen.has(lastSent!))) return;
        if (i > 5000) throw new Error('a station did not hear the simulator over TCP within 5 s');
        await realTurn(i);
      }
    };
    const pumpUntil = async (pred: () => boolean, maxMs: number): Promise<boolean> => {
      for (let t = 0; t < maxMs; t += STEP_MS) {
        if (pred()) return true;
        await step();
      }
      return pred();
    };
    const command = async (cmd: number, params: number[]): Promise<void> => {
      const since = h.t;
      const p = [...params, 0, 0, 0, 0, 0, 0, 0];
      h.gcs.send(make(common.CommandLong, { targetSystem: sysid, targetComponent: 1, command: cmd, confirmation: 0, _param1: p[0], _param2: p[1], _param3: p[2], _param4: p[3], _param5: p[4], _param6: p[5], _param7: p[6] } as Partial<common.CommandLong>));
      const acked = await pumpUntil(() => h.of<common.CommandAck>(77, since).some((a) => a.command === cmd && a.result === common.MavResult.ACCEPTED), 3000);
      expect(acked, `command ${cmd} accepted`).toBe(true);
    };

    const c = await start(folder());
    let a = await start(folder());
    let b = await start(folder());
    const vehicleOf = (x: Heard) => x.station.vehicle(sysid);
    expect(await pumpUntil(() => h.drone.positionOk() && heard.every((x) => vehicleOf(x)?.batteryPrior != null), 60_000)).toBe(true);
    // The prior came over the wire from the simulator's own parameters (asked for by each station).
    expect(vehicleOf(c)!.batteryPrior).toMatchObject({ capacityMah: h.drone.params.get('BATT_CAPACITY'), cells: 3, cellsFrom: 'MOT_BAT_VOLT_MAX' });

    await command(common.MavCmd.DO_SET_MODE, [1, 4]); // GUIDED
    await command(common.MavCmd.COMPONENT_ARM_DISARM, [1]);
    await command(common.MavCmd.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, 30]);
    expect(await pumpUntil(() => Math.abs(h.drone.physics.state.upM - 30) < 0.5, 60_000)).toBe(true);
    const takeoffMs = clock.now();
    // One long leg north at cruise (the sample fleet's 10 m/s): 20 km, more than the pack can fly.
    const since = h.t;
    h.gcs.send(make(common.CommandInt, { targetSystem: sysid, targetComponent: 1, command: common.MavCmd.DO_REPOSITION, frame: common.MavFrame.GLOBAL_RELATIVE_ALT, _param1: -1, _param4: Number.NaN, _param5: Math.round((24.59 + 20_000 / 111_320) * 1e7), _param6: Math.round(118.262 * 1e7), _param7: 30 } as Partial<common.CommandInt>));
    expect(await pumpUntil(() => h.of<common.CommandAck>(77, since).some((x) => x.command === common.MavCmd.DO_REPOSITION), 3000)).toBe(true);

    // Four minutes in the air; by then A has written checkpoints (a station killed now would keep them).
    expect(await pumpUntil(() => clock.now() - takeoffMs >= 4 * 60_000, 5 * 60_000)).toBe(true);
    await vehicleOf(a)!.batterySaved();
    const checkpoint = loadBatteryModel(a.dataDir, sysid);
    expect(checkpoint.ok && checkpoint.value && checkpoint.value.steps.some((n) => n > 0)).toBe(true);
    const learnedBefore = vehicleOf(a)!.batteryModel;

    // Stop A and B mid-air; B loses its file (as before this change); start both again at once.
    const restartMs = clock.now();
    await stop(a);
    await stop(b);
    expect(loadBatteryModel(a.dataDir, sysid)).toEqual({ ok: true, value: learnedBefore });
    rmSync(batteryModelPath(b.dataDir, sysid));
    a = await start(a.dataDir);
    b = await start(b.dataDir);

    // Fly on to the reserve, recording each second what each station shows.
    const rows: { tMs: number; a: number | null; b: number | null; c: number | null }[] = [];
    let reserveAtMs = -1;
    for (let n = 0; reserveAtMs < 0; n++) {
      await step();
      if (h.drone.battery.remainingPct <= RESERVE) reserveAtMs = clock.now();
      if (n % (1000 / STEP_MS) === 0) {
        const left = (x: Heard) => vehicleOf(x)?.state().battery?.timeLeftS ?? null;
        rows.push({ tMs: clock.now(), a: left(a), b: left(b), c: left(c) });
      }
      if (clock.now() - takeoffMs > 60 * 60_000) throw new Error('the pack did not reach the reserve');
    }

    // Each one's error after the restart, over the first five minutes, from the restart itself: a second with
    // no figure counts as an error of the whole time left (the screen says 学习中: the pilot has no time).
    const judged = rows.filter((r) => r.tMs >= restartMs && r.tMs < Math.min(reserveAtMs, restartMs + 5 * 60_000));
    const figuresOf = (pick: (r: (typeof rows)[0]) => number | null) => {
      const errs = judged.map((r) => {
        const truth = (reserveAtMs - r.tMs) / 1000;
        const v = pick(r);
        return v === null ? truth : Math.abs(v - truth);
      });
      const sorted = [...errs].sort((x, y) => x - y);
      return { missing: judged.filter((r) => pick(r) === null).length, mean: errs.reduce((x, y) => x + y, 0) / errs.length, p95: sorted[Math.floor(0.95 * (sorted.length - 1))]! };
    };
    const fa = figuresOf((r) => r.a), fb = figuresOf((r) => r.b), fc = figuresOf((r) => r.c);
    const say = (f: typeof fa) => `${f.missing} s without a figure, mean error ${f.mean.toFixed(1)} s, p95 ${f.p95.toFixed(1)} s`;
    console.info(`battery restart (${judged.length} s after it; reserve ${((reserveAtMs - takeoffMs) / 60_000).toFixed(1)} min after take-off):\n  A kept:  ${say(fa)}\n  B lost:  ${say(fb)}\n  C never stopped: ${say(fc)}`);
    expect(judged.length).toBeGreaterThan(120);
    // A shows a time from its first battery reading (the second it reconnected in has none); B has to hear the
    // drone's parameters first, and then stands on the prior until it has learned steps again.
    expect(fa.missing).toBeLessThanOrEqual(1);
    expect(fa.missing).toBeLessThan(fb.missing);
    expect(fa.mean).toBeLessThan(fb.mean);
    expect(fa.p95).toBeLessThanOrEqual(fb.p95);
    // Kept, it is as good as never stopped: C's error, and the second A was away.
    expect(fa.p95).toBeLessThanOrEqual(fc.p95 + 1);
    expect(fa.mean).toBeLessThanOrEqual(fc.mean + (reserveAtMs - restartMs) / 1000 / judged.length + 1);

    // Nothing counted twice: A has learned no more steps nor airborne seconds than C, which heard it all; its
    // figures are C's (the same flight) and it kept everything it had before the stop.
    const mA: BatteryModel = vehicleOf(a)!.batteryModel, mC: BatteryModel = vehicleOf(c)!.batteryModel;
    const steps = (m: BatteryModel) => m.steps.reduce((x, y) => x + y, 0);
    expect(steps(mA)).toBeLessThanOrEqual(steps(mC));
    expect(steps(mA)).toBeGreaterThan(steps(learnedBefore));
    expect(mA.flightS).toBeLessThanOrEqual(mC.flightS);
    expect(mA.flightS).toBeGreaterThan(learnedBefore.flightS);
    for (let i = 0; i < 10; i++) {
      const x = mA.whPerPct[i], y = mC.whPerPct[i];
      if (x != null && y != null) expect(Math.abs(x - y) / y).toBeLessThan(0.02);
    }

    for (const x of [...heard]) await stop(x);
    detach();
    await droneTcp.close();
    h.stop();
  }, 120_000);
});
