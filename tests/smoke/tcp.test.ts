/**
 * TCP smoke on real loopback sockets and the system clock: two simulated drones served on tcpin (the SITL
 * layout P, P+10), the station on tcpout to both. Both vehicles are seen and a command is accepted; then
 * the drones' TCP server goes away (the station is told, loses the vehicle) and comes back on the same
 * port, and the station reconnects by itself (backoff) and regains the vehicle.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../common/clock.js';
import { createTransport } from '../../mavlink/transport/index.js';
import { SimFleet } from '../../sitl/fleet.js';
import { createStation, type Station } from '../../station/compose.js';
import type { RegistryEvent } from '../../station/vehicle/registry.js';
import { freeTcpPortRun, HOME, tempDir, waitFor } from './util.js';

const clock = new SystemClock();
const data = tempDir('kongxun-smoke-tcp-');
let fleet: SimFleet | undefined;
let station: Station | undefined;

afterAll(async () => {
  await station?.close();
  await fleet?.stop();
  data.remove();
});

describe('TCP smoke (127.0.0.1)', () => {
  it('sees both drones, gets a command accepted, and reconnects after the server restarts', { timeout: 60_000 }, async () => {
    const base = await freeTcpPortRun(2);
    const f = SimFleet.create({ drones: 2, clock, host: '127.0.0.1', basePort: base, sysids: [11, 12], home: HOME, warmupMs: 1500 });
    if (!f.ok) throw new Error(f.reason);
    fleet = f.value;
    const started = await fleet.start();
    expect(started).toEqual({ ok: true, value: undefined });
    expect(fleet.members.map((m) => m.urls[0])).toEqual([`tcpin://127.0.0.1:${base}`, `tcpin://127.0.0.1:${base + 10}`]);

    const st = await createStation({
      clock,
      dataDir: data.path,
      connections: [`tcpout://127.0.0.1:${base}`, `tcpout://127.0.0.1:${base + 10}`],
      registry: { lostAfterMs: 3000 },
    });
    if (!st.ok) throw new Error(st.reason);
    station = st.value;
    const s = station;
    const events: RegistryEvent[] = [];
    s.on('*', (e) => events.push(e));

    await waitFor(() => [11, 12].every((id) => events.some((e) => e.type === 'streams-requested' && e.sysid === id)), 'both vehicles found and streamed');
    expect(s.vehicles().map((v) => v.sysid).sort()).toEqual([11, 12]);
    await waitFor(() => (s.snapshot().vehicles.find((v) => v.sysid === 12)?.ratesHz['GLOBAL_POSITION_INT'] ?? 0) > 0, 'telemetry from sys12');

    const mode = await s.vehicle(12)!.commands.setMode('GUIDED');
    expect(mode).toMatchObject({ ok: true, value: { command: 'Mode GUIDED' } });
    expect(s.snapshot().vehicles.find((v) => v.sysid === 12)?.mode).toBe('GUIDED');

    // Kill drone 11's TCP server (the drone keeps running) …
    const member = fleet.members[0]!;
    const server = member.connections[0]!;
    const link = s.connections()[0]!;
    const statuses: string[] = [];
    link.onStatus((x) => statuses.push(x.state));
    await server.close();
    await waitFor(() => statuses.includes('disconnected'), 'the station to see the TCP connection drop');
    await waitFor(() => events.some((e) => e.type === 'vehicle-lost' && e.sysid === 11), 'sys11 lost');
    expect(statuses).toContain('reconnecting');

    // … and start it again on the same port.
    const t = createTransport(`tcpin://127.0.0.1:${base}`, clock);
    if (!t.ok) throw new Error(t.reason);
    const again = await fleet.attach(0, t.value);
    expect(again.ok).toBe(true);
    await waitFor(() => events.some((e) => e.type === 'vehicle-regained' && e.sysid === 11), 'sys11 regained after the reconnect', 30_000);
    expect(statuses.filter((x) => x === 'connected').length).toBeGreaterThanOrEqual(1);
    await waitFor(() => events.filter((e) => e.type === 'streams-requested' && e.sysid === 11).length === 2, 'sys11 streamed again');
    const loiter = await s.vehicle(11)!.commands.setMode('LOITER');
    expect(loiter).toMatchObject({ ok: true });
    // sys12 was never disturbed.
    expect(events.some((e) => e.type === 'vehicle-lost' && e.sysid === 12)).toBe(false);
  });
});
