/**
 * Hostile sender: thousands of UDP source ports (a port scan, a NAT gone mad, a drone spoofing sources)
 * against a station's udpin link, over real sockets on 127.0.0.1. Before: one parser (16 KB slab) and one
 * vehicle path per port, never freed (12 000 ports grew the station by 66 MB for good). Now: the link keeps at
 * most 64 peers and forgets idle ones; the parser and the registry's paths go with the peer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dgram from 'node:dgram';
import { minimal } from 'mavlink-mappings';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { make } from '../../mavlink/codec/messages.js';
import { UDP_MAX_PEERS, UdpInTransport } from '../../mavlink/transport/udp.js';
import { createStation, type Station } from '../../station/compose.js';
import { frameOf, memoryMb, until } from './wire.js';

const PORTS = 3000;
const dir = mkdtempSync(join(tmpdir(), 'kx-churn-'));
let station: Station | undefined;
afterAll(async () => {
  await station?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The station's peer list as it should be: least recently heard first, at most UDP_MAX_PEERS (the OS may reuse a port). */
const lru = new Map<number, true>();
let expectedEvictions = 0;

async function sendFromFreshPort(port: number, bytes: Uint8Array): Promise<void> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const from = s.address().port;
  if (lru.has(from)) lru.delete(from);
  else if (lru.size >= UDP_MAX_PEERS) {
    lru.delete(lru.keys().next().value!);
    expectedEvictions++;
  }
  lru.set(from, true);
  await new Promise<void>((r) => s.send(bytes, port, '127.0.0.1', () => r()));
  await new Promise<void>((r) => s.close(() => r()));
}

describe('UDP source-port churn', () => {
  it(`${PORTS} source ports: at most ${UDP_MAX_PEERS} peers, parsers and paths held; idle peers forgotten on the Clock`, async () => {
    const clock = new FakeClock();
    const udp = new UdpInTransport('udpin://127.0.0.1:0', { host: '127.0.0.1', port: 0 }, { clock });
    const created = await createStation({ clock, dataDir: dir, connections: [udp], record: false });
    expect(created.ok, created.ok ? '' : created.reason).toBe(true);
    if (!created.ok) return;
    station = created.value;
    const conn = station.connections()[0]!;
    const port = udp.address()!.port;
    const hb = frameOf(make(minimal.Heartbeat, { type: minimal.MavType.QUADROTOR, autopilot: minimal.MavAutopilot.ARDUPILOTMEGA, baseMode: 0 as minimal.MavModeFlag, customMode: 0, systemStatus: minimal.MavState.STANDBY, mavlinkVersion: 3 }));

    // Warm up (first frames allocate the codec's tables), then measure.
    for (let i = 0; i < 100; i++) await sendFromFreshPort(port, hb);
    expect(await until(() => conn.stats.framesIn >= 100)).toBe(true);
    const before = memoryMb();
    // In batches, each waited for: the kernel drops datagrams past the receive buffer (~200 at once).
    for (let i = 0; i < PORTS; i++) {
      await sendFromFreshPort(port, hb);
      if (i % 100 === 99) expect(await until(() => conn.stats.framesIn >= i + 101)).toBe(true);
    }
    expect(await until(() => conn.stats.framesIn >= PORTS + 100), `framesIn ${conn.stats.framesIn} bad ${JSON.stringify(conn.stats)}`).toBe(true);
    const after = memoryMb();
    console.log(`udp churn: ${PORTS} source ports → heap ${before.heap} → ${after.heap} MB, array buffers ${before.buffers} → ${after.buffers} MB, rss ${before.rss} → ${after.rss} MB; peers ${udp.peers().length}, parsers ${conn.peerParsers}, evicted ${udp.evicted}`);

    expect(udp.peers().length).toBe(UDP_MAX_PEERS);
    expect(conn.peerParsers).toBeLessThanOrEqual(UDP_MAX_PEERS);
    expect(udp.evicted).toBe(expectedEvictions);
    expect(expectedEvictions).toBeGreaterThan(PORTS - 2 * UDP_MAX_PEERS);
    expect(station.vehicle(1)?.links.length).toBeLessThanOrEqual(UDP_MAX_PEERS);
    // Nothing was lost on the way: every datagram's frame was parsed (the counts of freed parsers are kept).
    expect(conn.stats.parser.frames).toBe(PORTS + 100);

    // A minute and a bit later (on the station's clock) the next datagram sweeps every idle peer away.
    clock.advance(61_000);
    await sendFromFreshPort(port, hb);
    expect(await until(() => conn.stats.framesIn >= PORTS + 101)).toBe(true);
    expect(udp.peers().length).toBe(1);
    expect(conn.peerParsers).toBe(1);
    expect(station.vehicle(1)?.links.length).toBe(1);
  }, 120_000);
});
