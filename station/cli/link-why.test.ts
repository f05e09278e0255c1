/** `kongxun status` on a link where no drone answers says why, over real sockets on 127.0.0.1. */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bufferIo } from './io.js';
import { main } from './main.js';
import { wordLinkStatus } from './link-why.js';

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

const listen = (onConn?: (s: import('node:net').Socket) => void) =>
  new Promise<{ server: Server; port: number }>((resolve) => {
    const server = createServer(onConn ?? (() => undefined));
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });

async function status(url: string) {
  const io = bufferIo();
  const code = await main(['status', '--connect', url, '--seconds', '1', '--data', mkdtempSync(join(tmpdir(), 'kx-status-'))], io);
  return { code, error: io.errors.join('\n') };
}

describe('kongxun status says why no vehicle was heard', () => {
  it('connection refused: nothing listens on that port', async () => {
    const { server, port } = await listen();
    await new Promise((r) => server.close(r));
    const r = await status(`tcpout://127.0.0.1:${port}`);
    expect(r.code).toBe(1);
    expect(r.error).toContain(`tcpout://127.0.0.1:${port}: connection refused — nothing listens on that port`);
  });

  it('connected, but what listens there sends no MAVLink', async () => {
    const { server, port } = await listen((s) => s.on('error', () => undefined));
    servers.push(server);
    const r = await status(`tcpout://127.0.0.1:${port}`);
    expect(r.code).toBe(1);
    expect(r.error).toContain('connected, but nothing there sent a MAVLink heartbeat');
  });

  it('words a name that does not resolve', () => {
    expect(wordLinkStatus('tcpout://foo:5760', { state: 'reconnecting', inMs: 250, attempt: 1, reason: 'foo:5760: getaddrinfo ENOTFOUND foo' })).toBe(
      'tcpout://foo:5760: host name not found (foo:5760: getaddrinfo ENOTFOUND foo)',
    );
  });
});
