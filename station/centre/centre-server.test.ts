/**
 * The centre console's HTTP API against a real Mosquitto and a station link: the page, the state, and the
 * guards (Host, Origin, size, schema) before a request may send a drone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../common/clock.js';
import { Centre } from './centre.js';
import { startCentreServer, type CentreServer } from './centre-server.js';
import { CentreLink } from './link.js';
import { FakeHost } from './testkit/fake-host.js';
import { startMosquitto, type Broker } from './testkit/mosquitto.js';

const clock = new SystemClock();
let broker: Broker;
let centre: Centre;
let server: CentreServer;
let link: CentreLink;
let dir: string;
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
  const s = await startCentreServer({ centre, port: 0 });
  if (!s.ok) throw new Error(s.reason);
  server = s.value;
  dir = mkdtempSync(join(tmpdir(), 'kongxun-centre-srv-'));
  host.fleetRows = [['E-01', 24.7, 118.3, 40, 10, 'AUTO', 70, null, 'up']];
  const l = CentreLink.start({ clock, url: broker.url, station: 'east', username: 'east', password: broker.password('east'), dir, host, fleetHz: 5, reconnectMs: 200 });
  if (!l.ok) throw new Error(l.reason);
  link = l.value;
  await until('east online', () => centre.station('east')?.online === true && centre.station('east')!.fleet.length === 1);
});
afterAll(async () => {
  await link.close();
  await server.close();
  await centre.close();
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: unknown, headers: Record<string, string> = { origin: server.url.replace(/\/$/, '') }) =>
  fetch(new URL(path, server.url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('centre console API', () => {
  it('serves the zh-CN page and the state', async () => {
    const page = await (await fetch(server.url)).text();
    expect(page).toContain('<html lang="zh-CN">');
    expect(page).toContain('分局情指中心');
    expect((await fetch(new URL('/leaflet/leaflet.js', server.url))).status).toBe(200);
    expect((await fetch(new URL('/leaflet/../../package.json', server.url))).status).toBe(404);
    const st = (await (await fetch(new URL('/api/state', server.url))).json()) as { stations: { id: string; online: boolean }[] };
    expect(st.stations).toEqual([expect.objectContaining({ id: 'east', online: true })]);
  });

  it('sends "go and look here" to the station with the nearest drone, and acknowledges an alert', async () => {
    const r = await post('/api/dispatch', { station: 'nearest', latDeg: 24.71, lonDeg: 118.31, radiusM: 30, priority: 3, holdS: 60, text: '核查', by: '值班员 张' });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ station: 'east' });
    await until('request at the station', () => host.requests.length === 1);
    expect(host.requests[0]!.req).toMatchObject({ latDeg: 24.71, lonDeg: 118.31, radiusM: 30, text: '核查' });
    host.alerts.push({ atMs: clock.now(), level: 'warning', text: 'low battery', sortie: null, drone: 'E-01', latDeg: null, lonDeg: null });
    await until('alert', () => centre.view().alerts.length === 1);
    const key = centre.view().alerts[0]!.key;
    expect((await post('/api/ack', { key, by: '值班员 张' })).status).toBe(200);
    expect(centre.view().alerts[0]!.ack?.by).toBe('值班员 张');
  });

  it('refuses what does not come from the page, or is malformed', async () => {
    const good = { station: 'east', latDeg: 24.71, lonDeg: 118.31, radiusM: 30, priority: 3, holdS: 60, by: 'x' };
    const before = host.requests.length;
    expect((await post('/api/dispatch', good, {})).status).toBe(403);
    expect((await post('/api/dispatch', good, { origin: 'http://evil.example' })).status).toBe(403);
    // fetch may not set Host: a raw request does, as a DNS-rebinding page's browser would.
    const rebound = await new Promise<number>((res, rej) => {
      const rq = httpRequest({ host: '127.0.0.1', port: server.port, path: '/api/dispatch', method: 'POST', headers: { host: `evil.example:${server.port}`, origin: `http://evil.example:${server.port}`, 'content-type': 'application/json' } }, (r) => (r.resume(), res(r.statusCode ?? 0)));
      rq.on('error', rej);
      rq.end(JSON.stringify(good));
    });
    expect(rebound).toBe(421);
    expect((await post('/api/dispatch', { ...good, latDeg: 'north' })).status).toBe(400);
    expect((await post('/api/dispatch', { ...good, station: 'nowhere' })).status).toBe(404);
    expect((await post('/api/dispatch', 'x'.repeat(20_000))).status).toBe(400);
    expect((await post('/api/dispatch', { ...good, by: '' })).status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    expect(host.requests.length).toBe(before);
  });
});
