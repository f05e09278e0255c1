/**
 * The console's HTTP surface under hostile requests, over real sockets on 127.0.0.1: malformed URLs and
 * bodies answer 400 and the station lives on; a rebound Host and a foreign Origin are refused before any
 * message is read; no session, an expired session, a signed-out session and a disabled account are refused;
 * failed sign-ins are rate-limited per account and per address; an oversized WebSocket message closes the
 * socket; the security headers are on every answer. Time is a FakeClock (idle timeout, rate-limit window).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeClock } from '../../common/clock.js';
import type { ServerMessage } from '../../common/api/contract.js';
import type { Auth } from '../auth/auth.js';
import { startConsoleServer, type ConsoleServer } from './console-server.js';
import { WS_MAX_CONSOLE_MESSAGE } from './http-guard.js';
import { signIn, testAuth, TEST_PASSWORD, withSession } from '../../tests/sign-in.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

interface Fixture {
  server: ConsoleServer;
  auth: Auth;
  clock: FakeClock;
  commands: string[];
  base: string;
}

async function start(): Promise<Fixture> {
  const clock = new FakeClock();
  const auth = testAuth(mkdtempSync(join(tmpdir(), 'kx-auth-')), clock);
  closers.push(() => auth.close());
  for (const role of ['pilot', 'viewer', 'admin'] as const) await auth.addUser(role, role, TEST_PASSWORD);
  const staticDir = mkdtempSync(join(tmpdir(), 'kx-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>kx</title>');
  const commands: string[] = [];
  const r = await startConsoleServer({
    clock,
    auth,
    staticDir,
    port: 0,
    log: () => undefined,
    // A video hub that has nothing to show: enough for /ws/video to accept a signed-in socket.
    video: { attach: () => () => undefined, status: () => [], setMode: () => undefined },
    source: {
      hello: () => ({ type: 'hello', station: 'jinhai', geography: null, simulated: true, version: 't' }),
      snapshot: () => ({ type: 'snapshot', atMs: 1, station: 'jinhai', simulated: true, vehicles: [] }),
      onEvent: () => () => undefined,
      command: async (_sysid, cmd, who) => {
        commands.push(`${who.kind === 'user' ? who.user : who.kind}:${cmd.command}`);
        return { ok: true, result: 'accepted', reason: '' };
      },
    },
  });
  if (!r.ok) throw new Error(r.reason);
  closers.push(() => r.value.close());
  return { server: r.value, auth, clock, commands, base: r.value.url };
}

/** A raw HTTP request (any Host, any header) → status and headers. */
function raw(base: string, path: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: o.method ?? 'GET', headers: o.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Bytes written straight to the socket (a request line no client library would send) → the status line. */
function rawBytes(base: string, bytes: string): Promise<string> {
  const u = new URL(base);
  return new Promise((resolve) => {
    const s = connect(Number(u.port), u.hostname, () => s.write(bytes));
    let got = '';
    s.on('data', (b) => (got += b.toString()));
    s.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    s.on('error', () => resolve(got.split('\r\n')[0] ?? ''));
    s.setTimeout(5000, () => s.destroy());
  });
}

/** Opens a WebSocket: 'open' with the first message, or the refusal's HTTP status. */
function ws(base: string, path: string, headers: Record<string, string>): Promise<{ status: number; socket?: WebSocket; first?: ServerMessage }> {
  return new Promise((resolve) => {
    const s = new WebSocket(`${base.replace('http', 'ws')}${path.slice(1)}`, { headers });
    closers.push(() => s.terminate());
    s.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    s.once('message', (d) => resolve({ status: 101, socket: s, first: JSON.parse(String(d)) as ServerMessage }));
    s.once('error', () => resolve({ status: -1 }));
  });
}

const closed = (s: WebSocket) => new Promise<number>((r) => (s.readyState === s.CLOSED ? r(-1) : s.once('close', (code) => r(code))));

describe('the HTTP surface refuses the hostile and stays up', () => {
  it('answers malformed URLs and request lines with 400, and serves on afterwards', async () => {
    const f = await start();
    const hostile = ['/%', '/%E0%A4%A', '/api/flights/%', '/plan-files/%ZZ', '/tiles/%', '/%00', '/a%00b', '//evil.example/x', '/ws%'];
    const statuses = await Promise.all(hostile.map(async (p) => [p, (await raw(f.base, p, { headers: { host: new URL(f.base).host } })).status] as const));
    expect(statuses).toEqual(hostile.map((p) => [p, 400]));
    expect(await rawBytes(f.base, 'GET /\x01 HTTP/1.1\r\nhost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawBytes(f.base, 'BLAH\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawBytes(f.base, `GET / HTTP/1.1\r\nhost: ${new URL(f.base).host}\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431|^HTTP\/1\.1 400/);
    // Path traversal stays inside the app folder.
    expect((await rawBytes(f.base, `GET /../../../etc/passwd HTTP/1.1\r\nhost: ${new URL(f.base).host}\r\nconnection: close\r\n\r\n`)).startsWith('HTTP/1.1 404')).toBe(true);
    const home = await fetch(f.base);
    expect(home.status).toBe(200);
  });

  it('puts the security headers on every answer', async () => {
    const f = await start();
    for (const path of ['', 'api/me', 'nothing-here', '%']) {
      const r = await fetch(`${f.base}${path}`);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/connect-src 'self'/);
    }
  });

  it('refuses a DNS-rebound Host on HTTP and WebSocket, and a foreign Origin on WebSocket and POST', async () => {
    const f = await start();
    const port = new URL(f.base).port;
    const cookie = await signIn(f.base, 'pilot');
    expect((await raw(f.base, '/', { headers: { host: `evil.example:${port}` } })).status).toBe(403);
    expect((await raw(f.base, '/api/snapshot', { headers: { host: `evil.example:${port}`, cookie } })).status).toBe(403);
    // Same name, other port: another origin.
    expect((await raw(f.base, '/', { headers: { host: `127.0.0.1:${Number(port) + 1}` } })).status).toBe(403);
    expect((await raw(f.base, '/', { headers: { host: `localhost:${port}` } })).status).toBe(200);
    for (const path of ['/ws', '/ws/video', '/ws/replay?flight=x']) {
      expect((await ws(f.base, path, { cookie, origin: 'http://evil.example' })).status).toBe(403);
      expect((await ws(f.base, path, { cookie, host: `evil.example:${port}` })).status).toBe(403);
      expect((await ws(f.base, path, { cookie, origin: `http://127.0.0.1:${Number(port) + 1}` })).status).toBe(403);
    }
    const own = await ws(f.base, '/ws', { cookie, origin: `http://localhost:${port}` });
    expect(own.status).toBe(101);
    const login = await raw(f.base, '/api/login', { method: 'POST', headers: { host: `127.0.0.1:${port}`, origin: 'http://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ user: 'pilot', password: TEST_PASSWORD }) });
    expect(login.status).toBe(403);
    expect(f.commands).toEqual([]);
  });

  it('needs a session for /ws*, /api/*, tiles and plan files; the app shell is public', async () => {
    const f = await start();
    for (const path of ['/ws', '/ws/video', '/ws/replay']) expect((await ws(f.base, path, {})).status).toBe(401);
    expect((await ws(f.base, '/ws', { cookie: 'kongxun_session=forged' })).status).toBe(401);
    for (const path of ['api/snapshot', 'api/flights', 'api/video', 'api/users', 'tiles/14/1/1', 'plan-files/schedule.json', 'api/anything'])
      expect([path, (await fetch(`${f.base}${path}`)).status]).toEqual([path, 401]);
    expect(await (await fetch(`${f.base}api/me`)).json()).toEqual({ error: 'not signed in', setup: false });
    expect((await fetch(f.base)).status).toBe(200);
  });

  it('signs a console in: the hello says who it is, its commands carry that user', async () => {
    const f = await start();
    const cookie = await signIn(f.base, 'viewer');
    const c = await ws(f.base, '/ws', { cookie });
    expect(c.first).toMatchObject({ type: 'hello', who: { user: 'viewer', role: 'viewer' } });
    c.socket!.send(JSON.stringify({ type: 'command', requestId: 'r', sysid: 1, command: 'arm' }));
    await new Promise<void>((r) => c.socket!.on('message', (d) => (JSON.parse(String(d)) as ServerMessage).type === 'result' && r()));
    expect(f.commands).toEqual(['viewer:arm']);
    expect(await (await fetch(`${f.base}api/me`, withSession(cookie))).json()).toEqual({ user: 'viewer', role: 'viewer' });
  });

  it('ends a session after the idle timeout, at sign-out, and when the account is disabled', async () => {
    const f = await start();
    const idle = await signIn(f.base, 'pilot');
    f.clock.advance(f.auth.idleMs - 1000);
    expect((await fetch(`${f.base}api/snapshot`, withSession(idle))).status).toBe(200);
    f.clock.advance(f.auth.idleMs - 1000);
    expect((await fetch(`${f.base}api/snapshot`, withSession(idle))).status).toBe(200);
    f.clock.advance(f.auth.idleMs + 1);
    expect((await fetch(`${f.base}api/snapshot`, withSession(idle))).status).toBe(401);
    expect((await ws(f.base, '/ws', { cookie: idle })).status).toBe(401);

    const out = await signIn(f.base, 'pilot');
    const open = await ws(f.base, '/ws', { cookie: out });
    const bye = await fetch(`${f.base}api/logout`, { method: 'POST', ...withSession(out) });
    expect(bye.status).toBe(204);
    expect(bye.headers.get('set-cookie')).toContain('Max-Age=0');
    expect(await closed(open.socket!)).toBe(4401);
    expect((await fetch(`${f.base}api/snapshot`, withSession(out))).status).toBe(401);

    const viewer = await signIn(f.base, 'viewer');
    const watching = await ws(f.base, '/ws', { cookie: viewer });
    const admin = await signIn(f.base, 'admin');
    const off = await fetch(`${f.base}api/users/viewer`, { method: 'POST', headers: { cookie: admin, 'content-type': 'application/json' }, body: JSON.stringify({ disabled: true }) });
    expect(off.status).toBe(200);
    expect(await closed(watching.socket!)).toBe(4401);
    expect((await fetch(`${f.base}api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'viewer', password: TEST_PASSWORD }) })).status).toBe(401);
  });

  it('rate-limits wrong passwords per account and per address, before hashing', async () => {
    const f = await start();
    const login = (user: string, password: string) => fetch(`${f.base}api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
    for (let i = 0; i < 5; i++) expect((await login('pilot', 'wrong password')).status).toBe(401);
    const locked = await login('pilot', TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await locked.json()) as { error: string }).error).toMatch(/try again in \d+ s/);
    // Another account from the same address still signs in until the address's own limit.
    expect((await login('viewer', TEST_PASSWORD)).status).toBe(200);
    for (let i = 0; i < 15; i++) await login(`nobody${i}`, 'wrong password');
    expect((await login('admin', TEST_PASSWORD)).status).toBe(429);
    // The window passes: the account signs in again.
    f.clock.advance(15 * 60_000 + 1);
    expect((await login('pilot', TEST_PASSWORD)).status).toBe(200);
  });

  it('refuses malformed sign-in bodies: not JSON, not application/json, too large', async () => {
    const f = await start();
    const post = (body: string, type = 'application/json') => fetch(`${f.base}api/login`, { method: 'POST', headers: { 'content-type': type }, body });
    expect((await post('{"user":')).status).toBe(400);
    expect((await post('user=pilot', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await post(JSON.stringify({ user: 'pilot', password: 'x'.repeat(100_000) }))).status).toBe(413);
    expect((await post('null')).status).toBe(400);
    expect((await post(JSON.stringify({ user: ['pilot'], password: 1 }))).status).toBe(400);
    expect((await fetch(`${f.base}api/login`)).status).toBe(405);
    expect((await fetch(f.base)).status).toBe(200);
  });

  it('closes a WebSocket whose message is larger than the contract needs', async () => {
    const f = await start();
    const cookie = await signIn(f.base, 'pilot');
    const c = await ws(f.base, '/ws', { cookie });
    c.socket!.send(Buffer.alloc(WS_MAX_CONSOLE_MESSAGE + 1, 0x20));
    expect(await closed(c.socket!)).toBe(1009);
    // The video socket takes only small controls: 64 KiB + 1 is refused, 1 KiB is not.
    const video = (): Promise<WebSocket> =>
      new Promise((resolve, reject) => {
        const s = new WebSocket(`${f.base.replace('http', 'ws')}ws/video`, { headers: { cookie } });
        closers.push(() => s.terminate());
        s.once('open', () => resolve(s)).once('error', reject);
      });
    const small = await video();
    small.send(Buffer.alloc(1024, 0x20));
    const big = await video();
    big.send(Buffer.alloc(64 * 1024 + 1, 0x20));
    expect(await closed(big)).toBe(1009);
    expect(small.readyState).toBe(small.OPEN);
    expect((await fetch(f.base)).status).toBe(200);
  });

  it('lets only an administrator manage users, and never the last administrator away', async () => {
    const f = await start();
    const pilot = await signIn(f.base, 'pilot');
    const admin = await signIn(f.base, 'admin');
    const post = (path: string, cookie: string, body: unknown) => fetch(`${f.base}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await fetch(`${f.base}api/users`, withSession(pilot))).status).toBe(403);
    expect((await post('api/users', pilot, { user: 'mallory', role: 'admin', password: 'long enough pw' })).status).toBe(403);
    expect((await post('api/users', admin, { user: 'zhang.wei', role: 'dispatcher', password: 'long enough pw' })).status).toBe(200);
    expect((await post('api/users', admin, { user: 'zhang.wei', role: 'dispatcher', password: 'long enough pw' })).status).toBe(409);
    expect((await post('api/users', admin, { user: '<img src=x>', role: 'pilot', password: 'long enough pw' })).status).toBe(400);
    expect((await post('api/users', admin, { user: 'li', role: 'root', password: 'long enough pw' })).status).toBe(400);
    expect((await post('api/users', admin, { user: 'li', role: 'pilot', password: 'short' })).status).toBe(400);
    expect((await post('api/users/admin', admin, { role: 'viewer' })).status).toBe(409);
    expect((await post('api/users/admin', admin, { disabled: true })).status).toBe(409);
    expect((await post('api/users/zhang.wei', admin, { role: 'pilot' })).status).toBe(200);
    const list = (await (await fetch(`${f.base}api/users`, withSession(admin))).json()) as { user: string; role: string }[];
    expect(list.map((u) => `${u.user}:${u.role}`)).toEqual(['admin:admin', 'pilot:pilot', 'viewer:viewer', 'zhang.wei:pilot']);
    expect(JSON.stringify(list)).not.toContain('scrypt');
  });
});
