/** UDP transports over real sockets on 127.0.0.1. */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { Recorder, waitFor } from './testing.js';
import { UdpInTransport, UdpOutTransport, udpPeerId } from './udp.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A udpin server on an ephemeral 127.0.0.1 port. */
async function server(): Promise<{ t: UdpInTransport; rec: Recorder; port: number }> {
  const t = new UdpInTransport('udpin://127.0.0.1:0', { host: '127.0.0.1', port: 0 });
  cleanups.push(() => t.close());
  const rec = new Recorder();
  const r = await t.open(rec);
  expect(r).toEqual({ ok: true, value: undefined });
  const port = t.address()?.port ?? 0;
  expect(port).toBeGreaterThan(0);
  return { t, rec, port };
}

async function client(port: number): Promise<{ t: UdpOutTransport; rec: Recorder; peer: string }> {
  const t = new UdpOutTransport(`udpout://127.0.0.1:${port}`, { host: '127.0.0.1', port });
  cleanups.push(() => t.close());
  const rec = new Recorder();
  expect((await t.open(rec)).ok).toBe(true);
  const local = t.address()?.port ?? 0;
  return { t, rec, peer: udpPeerId('127.0.0.1', local) };
}

describe('udpin + udpout', () => {
  it('exchange datagrams both ways, with peer ids and statuses', async () => {
    const s = await server();
    const c = await client(s.port);
    const serverPeer = udpPeerId('127.0.0.1', s.port);
    expect(c.t.peers()).toEqual([serverPeer]);
    expect(s.t.peers()).toEqual([]);
    expect(s.t.send(new Uint8Array([9]))).toBe(false); // nobody heard from yet

    expect(c.t.send(new Uint8Array([1, 2, 3]))).toBe(true);
    await waitFor(() => s.rec.data.length === 1, 'the server to receive');
    expect(s.rec.data[0]).toEqual({ bytes: [1, 2, 3], peer: c.peer, datagram: true });
    expect(s.t.peers()).toEqual([c.peer]);
    expect(s.rec.statuses).toContainEqual({ state: 'connected', peer: c.peer });

    expect(s.t.send(new Uint8Array([4, 5]), c.peer)).toBe(true);
    await waitFor(() => c.rec.data.length === 1, 'the client to receive the reply');
    expect(c.rec.data[0]).toEqual({ bytes: [4, 5], peer: serverPeer, datagram: true });
    expect(c.rec.states()).toEqual(['opening', 'open', 'connected']);

    await c.t.close();
    expect(c.rec.states().at(-1)).toBe('closed');
    expect(c.t.send(new Uint8Array([1]))).toBe(false);
  });

  it('udpin replies reach each peer on its own port; a send without a peer reaches all', async () => {
    const s = await server();
    const c1 = await client(s.port);
    const c2 = await client(s.port);
    c1.t.send(new Uint8Array([1]));
    c2.t.send(new Uint8Array([2]));
    await waitFor(() => s.t.peers().length === 2, 'both clients to be heard');
    expect(new Set(s.t.peers())).toEqual(new Set([c1.peer, c2.peer]));

    s.t.send(new Uint8Array([11]), c1.peer);
    s.t.send(new Uint8Array([22]), c2.peer);
    s.t.send(new Uint8Array([99]));
    await waitFor(() => c1.rec.data.length === 2 && c2.rec.data.length === 2, 'the replies');
    expect(c1.rec.data.map((d) => d.bytes)).toEqual([[11], [99]]);
    expect(c2.rec.data.map((d) => d.bytes)).toEqual([[22], [99]]);
    expect(s.t.send(new Uint8Array([1]), 'udp:127.0.0.1:1')).toBe(false); // unknown peer
  });

  it('delivers each datagram on its own, never merged or split', async () => {
    const s = await server();
    const c = await client(s.port);
    const sent = [[0xfd, 1, 2], [0xfd], Array.from({ length: 300 }, (_, i) => i & 0xff), [7, 7]];
    for (const d of sent) c.t.send(new Uint8Array(d));
    await waitFor(() => s.rec.data.length === sent.length, 'all datagrams');
    expect(s.rec.data.map((d) => d.bytes)).toEqual(sent);
    expect(s.rec.data.every((d) => d.datagram)).toBe(true);
  });

  it('udpout ignores datagrams from any address:port but its remote', async () => {
    const s = await server();
    const c = await client(s.port);
    const stranger = dgram.createSocket('udp4');
    cleanups.push(() => new Promise((resolve) => stranger.close(() => resolve())));
    const localPort = c.t.address()?.port ?? 0;
    await new Promise<void>((resolve) => stranger.send(Buffer.from([66]), localPort, '127.0.0.1', () => resolve()));
    c.t.send(new Uint8Array([1]));
    await waitFor(() => s.rec.data.length === 1, 'the server to hear the client');
    s.t.send(new Uint8Array([42]));
    await waitFor(() => c.rec.data.length >= 1, 'the server reply');
    expect(c.rec.data.map((d) => d.bytes)).toEqual([[42]]);
  });

  it('the sender may reuse its buffer right after send()', async () => {
    const s = await server();
    const c = await client(s.port);
    const buf = new Uint8Array([1, 2, 3]);
    c.t.send(buf);
    buf.fill(0);
    await waitFor(() => s.rec.data.length === 1, 'the datagram');
    expect(s.rec.data[0]?.bytes).toEqual([1, 2, 3]);
  });
});

describe('udp errors are values', () => {
  it('port in use → address_in_use naming the address and port', async () => {
    const holder = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise((resolve) => holder.close(() => resolve())));
    const port = holder.address().port;
    const url = `udpin://127.0.0.1:${port}`;
    const t = new UdpInTransport(url, { host: '127.0.0.1', port });
    cleanups.push(() => t.close());
    const rec = new Recorder();
    const r = await t.open(rec);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('address_in_use');
    expect(r.reason).toContain(url);
    expect(r.reason).toContain(`UDP port ${port} on 127.0.0.1`);
    expect(r.reason).toContain('EADDRINUSE');
    expect(rec.states()).toEqual(['opening', 'error']);
    expect(t.send(new Uint8Array([1]))).toBe(false);
  });

  it('a second open is refused; close then open works again', async () => {
    const s = await server();
    const again = await s.t.open(new Recorder());
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.code).toBe('already_open');
    await s.t.close();
    const rec = new Recorder();
    expect((await s.t.open(rec)).ok).toBe(true);
    expect(rec.states()).toEqual(['opening', 'open']);
  });
});
