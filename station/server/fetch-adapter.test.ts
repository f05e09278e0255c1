/**
 * The console's request handling in-process (the desktop app's `kongxun://app/` scheme), with real `Request`
 * objects against the real console server core started without a socket (`listen: false`): the same guard
 * (a foreign host or origin is refused, `/%` is a 400), the same routes (the app shell, /api/me, flights, video
 * status, plan files, tiles), the same session check (nothing without a session; the session the app vouches
 * for is the desktop pilot; a page's own cookie still works, e.g. an admin who signed in), the body cap, and
 * no TCP port at all.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import type { Auth } from '../auth/auth.js';
import { startConsoleServer, type ConsoleServer } from './console-server.js';
import { APP_ORIGIN, MAX_FETCH_BODY } from './fetch-adapter.js';
import { testAuth, TEST_PASSWORD } from '../../tests/sign-in.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function start(): Promise<{ server: ConsoleServer; auth: Auth; desktop: string }> {
  const clock = new FakeClock();
  const dir = mkdtempSync(join(tmpdir(), 'kx-fetch-'));
  const auth = testAuth(join(dir, 'auth'), clock);
  closers.push(() => auth.close());
  await auth.addUser('admin', 'admin', TEST_PASSWORD);
  const staticDir = join(dir, 'static');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>kx</title>');
  writeFileSync(join(staticDir, 'app.js'), 'console.log(1)');
  const planDir = join(dir, 'plan');
  mkdirSync(join(planDir, 'sorties'), { recursive: true });
  writeFileSync(join(planDir, 'sorties', 'S01.plan'), '{"fileType":"Plan"}');
  const r = await startConsoleServer({
    clock,
    auth,
    staticDir,
    planDir,
    listen: false,
    log: () => undefined,
    replay: { dataDir: join(dir, 'data'), droneName: () => null },
    video: { attach: () => () => undefined, status: () => [{ drone: 'JH-01', state: 'idle' }] as never, setMode: () => undefined },
    source: {
      hello: () => ({ type: 'hello', station: 'jinhai', geography: null, simulated: true, version: 't' }),
      snapshot: () => ({ type: 'snapshot', atMs: 1, station: 'jinhai', simulated: true, vehicles: [] }),
      onEvent: () => () => undefined,
      command: async () => ({ ok: true, result: 'accepted', reason: '' }),
    },
  });
  if (!r.ok) throw new Error(r.reason);
  closers.push(() => r.value.close());
  return { server: r.value, auth, desktop: auth.desktopSession('pilot') };
}

const app = (path: string, init?: RequestInit) => new Request(`${APP_ORIGIN}${path}`, init);

describe('the console in-process (kongxun://app/)', () => {
  it('opens no port; serves the app shell with the security headers; the same 400 and host guard', async () => {
    const { server, desktop } = await start();
    expect(server.listening).toBe(false);
    expect(server.port).toBe(0);
    expect(server.url).toBe('kongxun://app/');
    expect(server.setupUrl()).toBeUndefined();
    const page = await server.fetch(app('/?view=desk'), { session: desktop });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<title>kx</title>');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('ws://');
    expect(page.headers.get('strict-transport-security')).toBeNull();
    expect((await server.fetch(app('/app.js'))).headers.get('content-type')).toContain('javascript');
    expect((await server.fetch(app('/%'))).status).toBe(400);
    expect((await server.fetch(app('/../../etc/passwd'))).status).toBe(404);
    // Another host on the scheme is not this station.
    expect((await server.fetch(new Request('kongxun://evil/api/me'), { session: desktop })).status).toBe(403);
  });

  it('the session check: nothing without a session; the vouched session is the desktop pilot; a page cookie works as over HTTP', async () => {
    const { server, auth, desktop } = await start();
    for (const p of ['/api/me', '/api/flights', '/api/video', '/plan-files/sorties/S01.plan', '/tiles/1/1/1.png', '/api/snapshot']) {
      const r = await server.fetch(app(p));
      expect(r.status, p).toBe(401);
    }
    // A forged session token is no session.
    expect((await server.fetch(app('/api/flights'), { session: 'x'.repeat(43) })).status).toBe(401);
    const me = await server.fetch(app('/api/me'), { session: desktop });
    expect(await me.json()).toEqual({ user: 'desktop', role: 'pilot', desktop: true });
    expect(await (await server.fetch(app('/api/flights'), { session: desktop })).json()).toEqual([]);
    expect(await (await server.fetch(app('/api/video'), { session: desktop })).json()).toEqual([{ drone: 'JH-01', state: 'idle' }]);
    expect(await (await server.fetch(app('/plan-files/sorties/S01.plan'), { session: desktop })).text()).toBe('{"fileType":"Plan"}');
    // No basemap: 204, as over HTTP.
    expect((await server.fetch(app('/tiles/1/1/1.png'), { session: desktop })).status).toBe(204);
    // The pilot's rights, not an admin's.
    expect((await server.fetch(app('/api/users'), { session: desktop })).status).toBe(403);
    expect((await server.fetch(app('/api/audit'), { session: desktop })).status).toBe(403);
    // The app's session is not the page's to end.
    const out = await server.fetch(app('/api/logout', { method: 'POST', headers: { origin: APP_ORIGIN } }), { session: desktop });
    expect(out.status).toBe(403);
    expect(auth.session(desktop)).toBeDefined();

    // An admin signs in on the page (same origin): the cookie it gets opens the admin's routes.
    const login = await server.fetch(app('/api/login', { method: 'POST', headers: { origin: APP_ORIGIN, 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: TEST_PASSWORD }) }));
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(/=/);
    const users = await server.fetch(app('/api/users', { headers: { cookie } }));
    expect(users.status).toBe(200);
    expect((await users.json()) as unknown[]).toHaveLength(1);
  });

  it('a foreign origin is refused on state-changing requests; a body over the cap is a 413 before the handler', async () => {
    const { server, desktop } = await start();
    const post = (origin: string) =>
      server.fetch(app('/api/login', { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: 'wrong' }) }), { session: desktop });
    expect((await post('http://evil.example')).status).toBe(403);
    expect((await post('http://127.0.0.1:8080')).status).toBe(403);
    expect((await post(APP_ORIGIN)).status).toBe(401);
    const big = await server.fetch(app('/api/login', { method: 'POST', headers: { origin: APP_ORIGIN, 'content-type': 'application/json' }, body: 'x'.repeat(MAX_FETCH_BODY + 1) }), { session: desktop });
    expect(big.status).toBe(413);
    // JSON bodies are still held to the sign-in cap (16 KiB) inside it.
    const mid = await server.fetch(app('/api/login', { method: 'POST', headers: { origin: APP_ORIGIN, 'content-type': 'application/json' }, body: 'x'.repeat(100_000) }), { session: desktop });
    expect(mid.status).toBe(413);
  });
});
