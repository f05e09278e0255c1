/** TCP transports over real sockets on 127.0.0.1, on the SystemClock with short backoff. */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, SystemClock, type Clock } from '../../common/clock.js';
import { TcpInTransport, TcpOutTransport, tcpPeerId } from './tcp.js';
import { Recorder, waitFor } from './testing.js';
import type { TransportStatus } from './types.js';

const clock = new SystemClock();
const backoff = { initialMs: 20, maxMs: 160 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A port on 127.0.0.1 that nothing listens on (reserved briefly by the OS, then released). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

async function server(port = 0): Promise<{ t: TcpInTransport; rec: Recorder; port: number }> {
  const t = new TcpInTransport(`tcpin://127.0.0.1:${port}`, { host: '127.0.0.1', port });
  cleanups.push(() => t.close());
  const rec = new Recorder();
  expect(await t.open(rec)).toEqual({ ok: true, value: undefined });
  return { t, rec, port: t.address()?.port ?? 0 };
}

async function client(port: number, c: Clock = clock): Promise<{ t: TcpOutTransport; rec: Recorder }> {
  const t = new TcpOutTransport(`tcpout://127.0.0.1:${port}`, { host: '127.0.0.1', port }, c, { backoff });
  cleanups.push(() => t.close());
  const rec = new Recorder();
  expect(await t.open(rec)).toEqual({ ok: true, value: undefined });
  return { t, rec };
}

function reconnecting(rec: Recorder): Extract<TransportStatus, { state: 'reconnecting' }>[] {
  return rec.statuses.filter((s): s is Extract<TransportStatus, { state: 'reconnecting' }> => s.state === 'reconnecting');
}

describe('tcpout ↔ tcpin', () => {
  it('exchange bytes both ways with peer ids and statuses', async () => {
    const s = await server();
    const c = await client(s.port);
    await waitFor(() => s.t.peers().length === 1 && c.t.peers().length === 1, 'the connection');
    const clientPeer = s.t.peers()[0] ?? '';
    expect(clientPeer).toMatch(/^tcp:127\.0\.0\.1:\d+$/);
    expect(c.t.peers()).toEqual([tcpPeerId('127.0.0.1', s.port)]);
    expect(c.rec.states()).toEqual(['opening', 'connected']);

    expect(c.t.send(new Uint8Array([1, 2, 3]))).toBe(true);
    expect(s.t.send(new Uint8Array([4, 5]), clientPeer)).toBe(true);
    await waitFor(() => s.rec.bytes().length === 3 && c.rec.bytes().length === 2, 'the bytes');
    expect(s.rec.bytes(clientPeer)).toEqual([1, 2, 3]);
    expect(c.rec.bytes(tcpPeerId('127.0.0.1', s.port))).toEqual([4, 5]);
    expect([...s.rec.data, ...c.rec.data].every((d) => !d.datagram)).toBe(true);

    await c.t.close();
    expect(c.rec.states().at(-1)).toBe('closed');
    await waitFor(() => s.t.peers().length === 0, 'the server to see the client leave');
    expect(s.rec.statuses).toContainEqual({ state: 'disconnected', peer: clientPeer, reason: 'client disconnected' });
  });

  it('tcpin serves many clients: per-peer sends and sends to all', async () => {
    const s = await server();
    const c1 = await client(s.port);
    await waitFor(() => s.t.peers().length === 1, 'the first client');
    const p1 = s.t.peers()[0] ?? '';
    const c2 = await client(s.port);
    await waitFor(() => s.t.peers().length === 2, 'the second client');
    const p2 = s.t.peers().find((p) => p !== p1) ?? '';

    s.t.send(new Uint8Array([1]), p1);
    s.t.send(new Uint8Array([2]), p2);
    s.t.send(new Uint8Array([3]));
    await waitFor(() => c1.rec.bytes().length === 2 && c2.rec.bytes().length === 2, 'the bytes');
    expect(c1.rec.bytes()).toEqual([1, 3]);
    expect(c2.rec.bytes()).toEqual([2, 3]);

    c1.t.send(new Uint8Array([10]));
    c2.t.send(new Uint8Array([20]));
    await waitFor(() => s.rec.bytes().length === 2, 'the server to hear both');
    expect(s.rec.bytes(p1)).toEqual([10]);
    expect(s.rec.bytes(p2)).toEqual([20]);
  });

  it('a client started before its server keeps retrying and connects once the server is up', async () => {
    const port = await freePort();
    const c = await client(port);
    expect(c.t.send(new Uint8Array([1]))).toBe(false); // not connected yet
    await waitFor(() => reconnecting(c.rec).length >= 3, 'a few retries');
    const s = await server(port);
    await waitFor(() => c.t.peers().length === 1, 'the client to connect');
    c.t.send(new Uint8Array([7]));
    await waitFor(() => s.rec.bytes().length === 1, 'the byte');
    expect(s.rec.bytes()).toEqual([7]);
  });

  it('reconnects after the server restarts, starting the backoff again', async () => {
    const first = await server();
    const port = first.port;
    const c = await client(port);
    await waitFor(() => c.t.peers().length === 1, 'the first connection');
    await first.t.close();
    await waitFor(() => c.rec.count('disconnected') === 1 && reconnecting(c.rec).length >= 2, 'the client to notice and retry');
    expect(c.t.peers()).toEqual([]);
    expect(reconnecting(c.rec)[0]).toMatchObject({ inMs: 20, attempt: 1 });

    const second = await server(port);
    await waitFor(() => c.rec.count('connected') === 2, 'the client to reconnect');
    c.t.send(new Uint8Array([5, 6]));
    await waitFor(() => second.rec.bytes().length === 2, 'bytes on the new server');
    expect(second.rec.bytes()).toEqual([5, 6]);

    // The connection succeeded, so the next failure starts again from the initial delay.
    const before = reconnecting(c.rec).length;
    await second.t.close();
    await waitFor(() => reconnecting(c.rec).length > before, 'the next retry');
    expect(reconnecting(c.rec)[before]).toMatchObject({ inMs: 20, attempt: 1 });
  });

  it('a refused connection never throws; backoff doubles to its ceiling', async () => {
    const port = await freePort();
    const c = await client(port);
    await waitFor(() => reconnecting(c.rec).length >= 6, 'six refused attempts');
    const seen = reconnecting(c.rec).slice(0, 6);
    expect(seen.map((s) => s.inMs)).toEqual([20, 40, 80, 160, 160, 160]);
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen[0]?.reason).toContain('ECONNREFUSED');
    expect(c.rec.count('connected')).toBe(0);
  });

  it('retries on the injected clock: nothing happens until the fake clock is advanced', async () => {
    const fake = new FakeClock();
    const port = await freePort();
    const c = await client(port, fake);
    await waitFor(() => reconnecting(c.rec).length === 1, 'the first refusal');
    expect(reconnecting(c.rec)[0]).toMatchObject({ inMs: 20, attempt: 1 });
    fake.advance(19);
    expect(fake.pending()).toBe(1); // the retry is armed, not yet due
    fake.advance(1); // the retry fires now and is refused again
    await waitFor(() => reconnecting(c.rec).length === 2, 'the second refusal');
    expect(reconnecting(c.rec)[1]).toMatchObject({ inMs: 40, attempt: 2 });
    await c.t.close();
    expect(fake.pending()).toBe(0);
  });
});

describe('tcp errors are values', () => {
  it('port in use → address_in_use naming the address and port', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise((resolve) => holder.close(() => resolve())));
    const address = holder.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const url = `tcpin://127.0.0.1:${port}`;
    const t = new TcpInTransport(url, { host: '127.0.0.1', port });
    const rec = new Recorder();
    const r = await t.open(rec);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('address_in_use');
    expect(r.reason).toContain(url);
    expect(r.reason).toContain(`TCP port ${port} on 127.0.0.1`);
    expect(r.reason).toContain('EADDRINUSE');
    expect(rec.states()).toEqual(['opening', 'error']);
    await t.close();
  });

  it('a second open is refused', async () => {
    const s = await server();
    const r = await s.t.open(new Recorder());
    expect(r.ok).toBe(false);
    const c = await client(s.port);
    const r2 = await c.t.open(new Recorder());
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.code).toBe('already_open');
  });
});
