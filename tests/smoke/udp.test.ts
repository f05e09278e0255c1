/**
 * UDP smoke on real loopback sockets and the system clock: a simulated drone sends to
 * udpout://127.0.0.1:P, the station listens on udpin://127.0.0.1:P. The vehicle is seen, and a command
 * is accepted — which proves the station's replies went back to the drone's own (ephemeral) port.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../common/clock.js';
import { SimFleet } from '../../sitl/fleet.js';
import { createStation, type Station } from '../../station/compose.js';
import type { RegistryEvent } from '../../station/vehicle/registry.js';
import { freeUdpPort, HOME, tempDir, waitFor } from './util.js';

const clock = new SystemClock();
const data = tempDir('kongxun-smoke-udp-');
let fleet: SimFleet | undefined;
let station: Station | undefined;

afterAll(async () => {
  await station?.close();
  await fleet?.stop();
  data.remove();
});

describe('UDP smoke (127.0.0.1)', () => {
  it('sees the drone and gets a command accepted over udpin/udpout', { timeout: 60_000 }, async () => {
    const port = await freeUdpPort();
    const st = await createStation({ clock, dataDir: data.path, connections: [`udpin://127.0.0.1:${port}`] });
    if (!st.ok) throw new Error(st.reason);
    station = st.value;
    const s = station;
    const events: RegistryEvent[] = [];
    s.on('*', (e) => events.push(e));

    const f = SimFleet.create({ drones: 1, clock, tcp: false, udp: `127.0.0.1:${port}`, sysids: [13], home: HOME, warmupMs: 1500 });
    if (!f.ok) throw new Error(f.reason);
    fleet = f.value;
    expect(await fleet.start()).toEqual({ ok: true, value: undefined });
    expect(fleet.members[0]!.urls).toEqual([`udpout://127.0.0.1:${port}`]);

    await waitFor(() => events.some((e) => e.type === 'streams-requested' && e.sysid === 13), 'sys13 found and streamed');
    expect(s.vehicle(13)?.streams).toBe('message-interval');
    const peer = s.vehicle(13)!.links[0]!.peer;
    expect(peer).toMatch(/^udp:127\.0\.0\.1:\d+$/);
    expect(peer).not.toBe(`udp:127.0.0.1:${port}`);
    await waitFor(() => (s.snapshot().vehicles[0]?.ratesHz['ATTITUDE'] ?? 0) > 0, 'streamed telemetry');

    const r = await s.vehicle(13)!.commands.setMode('GUIDED');
    expect(r).toMatchObject({ ok: true, value: { command: 'Mode GUIDED' } });
    expect(s.snapshot().vehicles[0]?.mode).toBe('GUIDED');
    expect(s.snapshot().links[0]?.peers).toEqual([peer]);
  });
});
