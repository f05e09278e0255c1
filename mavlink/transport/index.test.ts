/** createTransport: URL → the right transport, and URL errors passed through as values. */
import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { createTransport } from './index.js';
import { waitFor } from './testing.js';

describe('createTransport', () => {
  const clock = new FakeClock();
  it.each([
    ['udpin://0.0.0.0:14550', 'udpin'],
    ['udpout://127.0.0.1:14550', 'udpout'],
    ['tcpin://0.0.0.0:5760', 'tcpin'],
    ['tcpout://127.0.0.1:5760', 'tcpout'],
    ['serial:///dev/ttyUSB0:57600', 'serial'],
    ['serial://COM3', 'serial'],
  ])('%s → %s (not opened)', (url, kind) => {
    const r = createTransport(url, clock);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.kind).toBe(kind);
    expect(r.value.url).toBe(url);
    expect(r.value.peers()).toEqual([]);
    expect(r.value.send(new Uint8Array([1]))).toBe(false);
  });

  it('passes URL errors through as values', () => {
    const r = createTransport('udp://:14550', clock);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('bad_scheme');
      expect(r.reason).toContain('udp://:14550');
    }
    expect(createTransport('memory://a', clock).ok).toBe(false);
  });

  it('end to end through URLs: udpin and udpout on 127.0.0.1', async () => {
    // A fixed port could collide; find one the OS considers free for UDP.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', () => resolve()));
    const port = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const server = createTransport(`udpin://127.0.0.1:${port}`, clock);
    const client = createTransport(`udpout://127.0.0.1:${port}`, clock);
    if (!server.ok || !client.ok) throw new Error('URLs should parse');
    const got: number[][] = [];
    expect((await server.value.open({ onData: (b) => got.push([...b]), onStatus: () => undefined })).ok).toBe(true);
    expect((await client.value.open({ onData: () => undefined, onStatus: () => undefined })).ok).toBe(true);
    client.value.send(new Uint8Array([1, 2]));
    await waitFor(() => got.length === 1, 'the datagram');
    expect(got).toEqual([[1, 2]]);
    await client.value.close();
    await server.value.close();
  });
});
