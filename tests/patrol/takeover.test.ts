/**
 * Pilot takeover on the simulated day: a drone taken over in flight gets no command from the runner until it is
 * released (its landing still ends the sortie and the relief still comes); a drone taken over on the ground
 * gives its slot to another drone. The takeover and a maintenance flag outlive a station restart.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sampleSimDay, type SampleDay } from './testkit.js';

let made: SampleDay | undefined;
afterAll(async () => made?.close());

describe('pilot takeover', () => {
  it('leaves a taken-over drone alone until released; a docked one gives its slot away', async () => {
    made = await sampleSimDay();
    const d = made.day;
    const byId = (id: string) => d.runner.list().find((s) => s.id === id)!;
    const p1 = d.day.sorties.find((s) => s.s.id === 'P001')!;
    const p2 = d.day.sorties.find((s) => s.s.id === 'P002')!;
    await d.runUntil(p1.onMs + 5 * 60_000);
    expect(byId('P001').state).toBe('on_patrol');
    const sysid = byId('P001').sysid;
    const t0 = d.clock.now();
    d.runner.takeover(sysid);
    // The pilot brings it home early.
    const rtl = d.station.vehicle(sysid)!.commands.rtl();
    await d.runUntil(t0 + 8 * 60_000);
    const rr = await rtl;
    expect(rr.ok, JSON.stringify(rr)).toBe(true);
    expect(byId('P001').state === 'landed' || byId('P001').state === 'done').toBe(true);
    expect(d.gateway.audit.rows().filter((r) => r.sysid === sysid && r.atMs >= t0)).toEqual([]);
    d.runner.release(sysid);
    // P002's drone is taken over while it prepares: the slot goes to another drone, which flies it.
    await d.runUntil(p2.launchMs - 4 * 60_000);
    const s2 = byId('P002').sysid;
    d.runner.takeover(s2);
    expect(byId('P002').state).toBe('reassigned');
    // A drone set aside for maintenance, and the takeover, both outlive a station restart.
    const spare = d.day.fleet.drones.find((x) => x.sysid !== s2 && x.sysid !== sysid)!.sysid;
    d.runner.flagMaintenance(spare, true);
    const restarted = await d.restart();
    expect(restarted.ok).toBe(true);
    expect(d.runner.isTakenOver(s2)).toBe(true);
    expect(d.runner.isInMaintenance(spare)).toBe(true);
    d.runner.flagMaintenance(spare, false);
    await d.runUntil(p2.onMs + 3 * 60_000);
    const r = d.runner.list().find((s) => s.replaces === 'P002')!;
    expect(r.sysid).not.toBe(s2);
    expect(r.state).toBe('on_patrol');
    expect(d.gateway.audit.rows().filter((x) => x.sysid === s2 && x.atMs >= p2.launchMs - 4 * 60_000)).toEqual([]);
  }, 120_000);
});
