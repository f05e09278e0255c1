/**
 * Connect, lose and regain, reboot: the real station against three simulated drones (the sample fleet's
 * sysids 11, 12, 13) over memory links on one FakeClock. Everything checked here is the station's own view
 * (its events, its vehicle state and measured rates), not the simulator's internals.
 */
import { common } from 'mavlink-mappings';
import { afterEach, describe, expect, it } from 'vitest';
import type { Received } from '../../mavlink/connection.js';
import { DEFAULT_STREAM_RATES_HZ } from '../../station/vehicle/streams.js';
import { buildRig, SAMPLE_SYSIDS, type Rig } from './harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Counts the station's SET_MESSAGE_INTERVAL commands as the drone receives them. */
function countStreamRequests(r: Rig, sysid: number): { since: (t: number) => number } {
  const at: number[] = [];
  const member = r.fleet.members.find((m) => m.sysid === sysid)!;
  for (const c of member.connections) {
    c.onMessage((rx: Received) => {
      if (rx.message instanceof common.CommandLong && rx.message.command === common.MavCmd.SET_MESSAGE_INTERVAL && rx.message.confirmation === 0) {
        at.push(r.t);
      }
    });
  }
  return { since: (t) => at.filter((x) => x >= t).length };
}

function rate(r: Rig, sysid: number, name: string): number {
  return r.view(sysid)?.ratesHz[name] ?? 0;
}

describe('station ↔ simulated fleet on a fake clock', () => {
  it('discovers the three sample drones, requests streams and measures telemetry at the requested rates', async () => {
    rig = await buildRig();
    const r = rig;
    const found = await r.until(() => SAMPLE_SYSIDS.every((s) => r.eventsOf('streams-requested', s).length === 1), 30_000);
    expect(found).toBe(true);
    expect(r.eventsOf('vehicle-new').map((e) => e.sysid).sort()).toEqual([11, 12, 13]);
    expect(r.station.vehicles().map((v) => v.sysid).sort()).toEqual([11, 12, 13]);
    for (const s of SAMPLE_SYSIDS) expect(r.station.vehicle(s)?.streams).toBe('message-interval');

    // Rates are measured over the last five complete seconds: let ten seconds of telemetry flow.
    await r.run(10_000);
    for (const s of SAMPLE_SYSIDS) {
      const v = r.view(s)!;
      expect(v.firmware).toBe('ardupilot');
      expect(v.info.lost).toBe(false);
      for (const [name, hz] of Object.entries(DEFAULT_STREAM_RATES_HZ)) {
        // EXTENDED_SYS_STATE and EKF_STATUS_REPORT included: every stream the station asked for arrives.
        expect(rate(r, s, name), `sys${s} ${name}`).toBeGreaterThan(hz * 0.9);
        expect(rate(r, s, name), `sys${s} ${name}`).toBeLessThan(hz * 1.1);
      }
      expect(rate(r, s, 'HEARTBEAT')).toBeCloseTo(1, 1);
      // Live state came from that telemetry.
      expect(v.position).not.toBeNull();
      expect(v.battery?.remainingPct).toBeGreaterThan(90);
      expect(v.links[0]?.lossPct).toBe(0);
    }
    // HOME_POSITION exists only once the EKF origin is set (~20 s after power-on); the drone then sends it
    // unasked to links the GCS spoke on, and the station takes it.
    expect(await r.until(() => SAMPLE_SYSIDS.every((s) => r.view(s)?.home !== null), 30_000)).toBe(true);
    for (const s of SAMPLE_SYSIDS) {
      const v = r.view(s)!;
      expect(v.home!.latDeg).toBeCloseTo(v.position!.latDeg, 4);
      expect(v.home!.altAmslM).toBeCloseTo(10, 1);
    }
    // Each drone's position is its own (the three stand at different bays or the same home, but the
    // state comes from the right sysid's frames).
    expect(new Set(SAMPLE_SYSIDS.map((s) => r.view(s)!.sysid)).size).toBe(3);
  });

  it('loses a drone after the silence timeout when its link is cut, and regains it (streams re-requested) when restored', async () => {
    rig = await buildRig();
    const r = rig;
    const requests = countStreamRequests(r, 12);
    expect(await r.until(() => SAMPLE_SYSIDS.every((s) => r.eventsOf('streams-requested', s).length === 1), 30_000)).toBe(true);
    await r.run(6000);
    expect(rate(r, 12, 'GLOBAL_POSITION_INT')).toBeGreaterThan(9);

    const lastHb = () => r.view(12)!.lastHeartbeatMs!;
    r.link(12).stationEnd.setDown(true);
    const cutAt = r.clock.now();
    expect(await r.until(() => r.eventsOf('vehicle-lost', 12).length === 1, 20_000)).toBe(true);
    const lost = r.eventsOf('vehicle-lost', 12)[0]!;
    const silenceMs = r.clock.now() - lastHb();
    // Lost once the silence passed 5 s (the registry checks every 250 ms), not before.
    expect(silenceMs).toBeGreaterThan(5000);
    expect(silenceMs).toBeLessThanOrEqual(5000 + 1000 + 250);
    expect(lastHb()).toBeLessThanOrEqual(cutAt);
    expect(r.station.vehicle(12)?.lost).toBe(true);
    // The others are untouched.
    expect(r.eventsOf('vehicle-lost').map((e) => e.sysid)).toEqual([12]);
    expect(lost.atMs).toBeGreaterThan(cutAt);

    await r.run(10_000);
    const restoredAt = r.t;
    r.link(12).stationEnd.setDown(false);
    expect(await r.until(() => r.eventsOf('vehicle-regained', 12).length === 1, 5000)).toBe(true);
    expect(await r.until(() => r.eventsOf('streams-requested', 12).length === 2, 30_000)).toBe(true);
    expect(r.station.vehicle(12)?.lost).toBe(false);
    // Streams were asked for again (one SET_MESSAGE_INTERVAL per stream), and telemetry flows.
    expect(requests.since(restoredAt)).toBe(Object.keys(DEFAULT_STREAM_RATES_HZ).length);
    await r.run(7000);
    expect(rate(r, 12, 'GLOBAL_POSITION_INT')).toBeGreaterThan(9);
    expect(r.view(12)!.position!.atMs).toBeGreaterThan(r.clock.now() - 500);
    expect(r.eventsOf('vehicle-lost').map((e) => e.sysid)).toEqual([12]);
  });

  it('detects a drone rebooting (PREFLIGHT_REBOOT_SHUTDOWN) and streams it again', async () => {
    rig = await buildRig();
    const r = rig;
    expect(await r.until(() => SAMPLE_SYSIDS.every((s) => r.eventsOf('streams-requested', s).length === 1), 30_000)).toBe(true);
    await r.run(6000);
    const requests = countStreamRequests(r, 13);
    const reply = await r.settle(r.commands(13).reboot(), 10_000);
    expect(reply).toMatchObject({ ok: true, value: { command: 'Reboot' } });
    const rebootAt = r.t;

    expect(await r.until(() => r.eventsOf('vehicle-rebooted', 13).length === 1, 30_000)).toBe(true);
    expect(await r.until(() => r.eventsOf('streams-requested', 13).length === 2, 30_000)).toBe(true);
    expect(requests.since(rebootAt)).toBe(Object.keys(DEFAULT_STREAM_RATES_HZ).length);
    expect(r.view(13)!.reboots).toBe(1);
    await r.run(7000);
    expect(rate(r, 13, 'GLOBAL_POSITION_INT')).toBeGreaterThan(9);
    expect(rate(r, 13, 'ATTITUDE')).toBeGreaterThan(9);
    // The others did not reboot.
    expect(r.eventsOf('vehicle-rebooted').map((e) => e.sysid)).toEqual([13]);
  });
});
