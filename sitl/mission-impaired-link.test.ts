import { describe, expect, it } from 'vitest';
import { FakeClock } from '../common/clock.js';
import { memoryPair } from '../mavlink/transport/memory.js';
import { parseSimArgs } from './cli.js';
import { ImpairedTransport, baudToBytesPerSecond } from './mission-impaired-link.js';

describe('impaired link (sim --loss --latency --baud)', () => {
  it('drops about the given share, delays by the latency and paces at the baud rate', async () => {
    const clock = new FakeClock();
    const [a, b] = memoryPair(clock);
    const radio = new ImpairedTransport(a, clock, { lossRate: 0.2, latencyMs: 150, bytesPerSecond: baudToBytesPerSecond(57600), seed: 3 });
    const got: number[] = [];
    await radio.open({ onData: () => {}, onStatus: () => {} });
    await b.open({ onData: () => got.push(clock.now()), onStatus: () => {} });
    const t0 = clock.now();
    for (let i = 0; i < 1000; i++) radio.send(new Uint8Array(57)); // 57 bytes ≈ 9.9 ms at 5760 B/s
    clock.advance(20_000);
    const s = radio.stats();
    expect(s.outDropped / 1000).toBeGreaterThan(0.15);
    expect(s.outDropped + s.outCarried).toBe(1000);
    expect(got[0]! - t0).toBeGreaterThanOrEqual(150);
    // Paced: what was carried left at 5760 B/s; the 2 s radio buffer overflowed and dropped the rest.
    expect((got.at(-1)! - got[0]!) / 1000).toBeGreaterThan(1.9);
    expect(got.length).toBeLessThan(800 * 0.5);
  });

  it('parses the sim flags', () => {
    expect(parseSimArgs(['--drones', '1', '--loss', '0.2', '--latency', '150', '--baud', '57600'])).toEqual({ ok: true, args: { drones: 1, loss: 0.2, latencyMs: 150, baud: 57600 } });
    expect(parseSimArgs(['--loss', '1.5'])).toMatchObject({ ok: false });
  });
});
