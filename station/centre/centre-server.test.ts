/**
 * The centre console's HTTP API against a real Mosquitto and a station link: sign-in (the station's accounts and
 * roles), the page, the state, the push socket, and the guards (session, role, Host, Origin, size, schema)
 * before a request may send a drone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { addTestUser, signIn, testAuth, withSession } from '../../tests/sign-in.js';
import type { Auth } from '../auth/auth.js';
import { SystemClock } from '../../common/clock.js';
import { Centre } from './centre.js';
import { startCentreServer, type CentreServer, type CentrePush } from './centre-server.js';
import { CentreLink } from './link.js';
import { FakeHost } from './testkit/fake-host.js';
import { startMosquitto, type Broker } from './testkit/mosquitto.js';

const clock = new SystemClock();
let broker: Broker;
let centre: Centre;
let server: CentreServer;
let link: CentreLink;
let dir: string;
let auth: Auth;
let cookie: string;
const host = new FakeHost();

async function until(what: string, cond: () => boolean, maxMs = 20_000): Promise<void> {
  for (const t0 = performance.now(); !cond(); ) {
    if (performance.now() - t0 > maxMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  broker = await startMosquitto({ users: ['centre', 'east'] });
  const c = Centre.start({ clock, url: broker.url, id: 'centre', username: 'centre', password: broker.password('centre'), reconnectMs: 200 });
  if (!c.ok) throw new Error(c.reason);
  centre = c.value;
  dir = mkdtempSync(join(tmpdir(), 'kongxun-centre-srv-'));
  await addTestUser(join(dir, 'centre-data'), 'dispatcher', '值班员张');
  await addTestUser(join(dir, 'centre-data'), 'viewer', 'wall');
  auth = testAuth(join(dir, 'centre-data'));
  const s = await startCentreServer({ centre, auth, clock, port: 0 });
  if (!s.ok) throw new Error(s.reason);
  server = s.value;
  cookie = await signIn(server.url, '值班员张');
  host.fleetRows = [['E-01', 24.7, 118.3, 40, 10, 'AUTO', 70, null, 'up']];
  const l = CentreLink.start({ clock, url: broker.url, station: 'east', username: 'east', password: broker.password('east'), dir, host, fleetHz: 5, reconnectMs: 200 });
  if (!l.ok) throw new Error(l.reason);
  link = l.value;
  await until('east online', () => centre.station('east')?.online === true && centre.station('east')!.fleet.length === 1);
});
afterAll(async () => {
  await link.close();
  await server.close();
  auth.close();
  await centre.close();
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

const origin = () => server.url.replace(/\/$/, '');
const post = (path: string, body: unknown, headers: Record<string, string> = { origin: origin(), cookie }) =>
  fetch(new URL(path, server.url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('centre console API', () => {
  it('serves the zh-CN page to anyone, the state only with a session', async () => {
    const res = await fetch(server.url);
    const page = await res.text();
    expect(page).toContain('<html lang="zh-CN">');
    expect(page).toContain('分局情指中心');
    expect(page).toContain('登录 Sign in');
    // The station's policy: no inline script.
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page).not.toMatch(/<script>/);
    expect((await fetch(new URL('/centre.js', server.url))).status).toBe(200);
    expect((await fetch(new URL('/leaflet/leaflet.js', server.url))).status).toBe(200);
    expect((await fetch(new URL('/leaflet/../../package.json', server.url))).status).toBe(404);
    expect((await fetch(new URL('/api/state', server.url))).status).toBe(401);
    expect((await fetch(new URL('/api/me', server.url))).status).toBe(401);
    expect(await (await fetch(new URL('/api/me', server.url), withSession(cookie))).json()).toEqual({ user: '值班员张', role: 'dispatcher', rights: ['dispatch', 'alert', 'instruct'] });
    const st = (await (await fetch(new URL('/api/state', server.url), withSession(cookie))).json()) as { stations: { id: string; online: boolean }[] };
    expect(st.stations).toEqual([expect.objectContaining({ id: 'east', online: true })]);
    // A wrong password: 401, no cookie.
    const bad = await fetch(new URL('/api/login', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: '值班员张', password: 'wrong' }) });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
  });

  it('pushes each change over the WebSocket as it arrives from the broker; none without a session or from a foreign page', async () => {
    const wsUrl = `${server.url.replace('http', 'ws')}ws`;
    const refusedWith = (o: { headers: Record<string, string> }) =>
      new Promise<number>((res) => {
        const w = new WebSocket(wsUrl, o);
        w.on('unexpected-response', (_q, r) => (res(r.statusCode ?? 0), w.terminate()));
        w.on('open', () => (res(101), w.close()));
        w.on('error', () => undefined);
      });
    expect(await refusedWith({ headers: {} })).toBe(401);
    expect(await refusedWith({ headers: { cookie, origin: 'http://evil.example' } })).toBe(403);
    const got: CentrePush[] = [];
    const ws = new WebSocket(wsUrl, { headers: { cookie, origin: origin() } });
    ws.on('message', (d) => got.push(JSON.parse(String(d)) as CentrePush));
    await until('first view', () => got.length > 0);
    expect(got[0]).toMatchObject({ t: 'view', view: { connected: true, stations: [expect.objectContaining({ id: 'east' })] } });
    host.events.push({ atMs: clock.now(), kind: 'link', text: 'pushed event', sortie: null, drone: 'E-01' });
    await until('the event pushed', () => got.some((m) => m.t === 'update' && (m.stations ?? []).some((s) => s.events.some((e) => e.text === 'pushed event'))));
    // Signing out closes the socket at once.
    const closed = new Promise<number>((res) => ws.on('close', (code) => res(code)));
    expect((await post('/api/logout', {}, { origin: origin(), cookie })).status).toBe(204);
    expect(await closed).toBe(4401);
    expect((await fetch(new URL('/api/state', server.url), withSession(cookie))).status).toBe(401);
    cookie = await signIn(server.url, '值班员张');
  });

  it('sends "go and look here" to the station with the nearest drone, and acknowledges an alert', async () => {
    const r = await post('/api/dispatch', { station: 'nearest', latDeg: 24.71, lonDeg: 118.31, radiusM: 30, priority: 3, holdS: 60, text: '核查' });
    expect(r.status).toBe(200);
    const sent = (await r.json()) as { id: string; station: string };
    expect(sent).toMatchObject({ station: 'east' });
    // Who asked is the session's user, never a name from the body.
    expect(centre.request(sent.id)!.by).toBe('值班员张');
    await until('request at the station', () => host.requests.length === 1);
    expect(host.requests[0]!.req).toMatchObject({ latDeg: 24.71, lonDeg: 118.31, radiusM: 30, text: '核查' });
    host.alerts.push({ atMs: clock.now(), level: 'warning', text: 'low battery', sortie: null, drone: 'E-01', latDeg: null, lonDeg: null });
    await until('alert', () => centre.view().alerts.length === 1);
    const key = centre.view().alerts[0]!.key;
    const wall = await signIn(server.url, 'wall');
    expect((await post('/api/ack', { key }, { origin: origin(), cookie: wall })).status).toBe(403);
    expect(centre.view().alerts[0]!.ack).toBeNull();
    expect((await post('/api/ack', { key })).status).toBe(200);
    expect(centre.view().alerts[0]!.ack?.by).toBe('值班员张');
  });

  it('refuses what does not come from the page, or is malformed', async () => {
    const good = { station: 'east', latDeg: 24.71, lonDeg: 118.31, radiusM: 30, priority: 3, holdS: 60 };
    const before = host.requests.length;
    expect((await post('/api/dispatch', good, {})).status).toBe(401);
    expect((await post('/api/dispatch', good, { origin: origin() })).status).toBe(401);
    expect((await post('/api/dispatch', good, { origin: 'http://evil.example', cookie })).status).toBe(403);
    const wall = await signIn(server.url, 'wall');
    expect((await post('/api/dispatch', good, { origin: origin(), cookie: wall })).status).toBe(403);
    expect((await post('/api/instruct', { station: 'east', text: 'x' }, { origin: origin(), cookie: wall })).status).toBe(403);
    // fetch may not set Host: a raw request does, as a DNS-rebinding page's browser would.
    const rebound = await new Promise<number>((res, rej) => {
      const rq = httpRequest({ host: '127.0.0.1', port: server.port, path: '/api/dispatch', method: 'POST', headers: { host: `evil.example:${server.port}`, origin: `http://evil.example:${server.port}`, cookie, 'content-type': 'application/json' } }, (r) => (r.resume(), res(r.statusCode ?? 0)));
      rq.on('error', rej);
      rq.end(JSON.stringify(good));
    });
    expect(rebound).toBe(421);
    expect((await post('/api/dispatch', { ...good, latDeg: 'north' })).status).toBe(400);
    expect((await post('/api/dispatch', { ...good, station: 'nowhere' })).status).toBe(404);
    expect((await post('/api/dispatch', 'x'.repeat(20_000))).status).toBe(400);
    expect((await post('/api/dispatch', { ...good, by: 'someone else' })).status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    expect(host.requests.length).toBe(before);
  });
});
