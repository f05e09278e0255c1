/**
 * The centre asks a station for a drone's live video (issue 18) through a real Mosquitto and the station's real
 * Janus (Debian's, loopback): the station answers `delivered` with its Janus URL, the drone's mountpoint and a
 * token of the request's own; with that token the centre opens a Janus session, watches the mountpoint and gets
 * Janus's WebRTC offer (H.264, as a browser would); without it, Janus refuses. A drone without live video, and a
 * station without Janus, are refused with the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPortPair } from '../../tests/video/ffmpeg.js';
import { SystemClock } from '../../common/clock.js';
import { centreVideoAccess, JanusForwarder, mountpointId } from '../video/janus.js';
import { findJanus, spawnJanus, type JanusProcess } from '../video/janus-process.js';
import { Centre } from './centre.js';
import { startCentreServer } from './centre-server.js';
import { addTestUser, signIn, testAuth, withSession } from '../../tests/sign-in.js';
import { SystemClock as WallClock } from '../../common/clock.js';
import { CentreLink } from './link.js';
import { FakeHost } from './testkit/fake-host.js';
import { startMosquitto, type Broker } from './testkit/mosquitto.js';

const clock = new SystemClock();
const root = mkdtempSync(join(tmpdir(), 'kx-centre-video-'));
let broker: Broker;
let centre: Centre;
let janus: JanusProcess;

async function until(what: string, cond: () => boolean, maxMs = 20_000): Promise<void> {
  for (const t0 = performance.now(); !cond(); ) {
    if (performance.now() - t0 > maxMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

type Json = Record<string, unknown>;
async function janusPost(url: string, body: Json, token?: string): Promise<Json> {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify({ ...body, transaction: Math.random().toString(36).slice(2), ...(token ? { token } : {}) }) });
  return (await r.json()) as Json;
}

beforeAll(async () => {
  if (!findJanus().ok) throw new Error('janus is not installed (apt-get install janus): this test needs it');
  broker = await startMosquitto({ users: ['centre', 'st5', 'st6'] });
  const c = Centre.start({ clock, url: broker.url, id: 'centre', username: 'centre', password: broker.password('centre'), reconnectMs: 200 });
  if (!c.ok) throw new Error(c.reason);
  centre = c.value;
  const port = await freeUdpPortPair();
  const j = await spawnJanus({ dir: join(root, 'janus'), httpPort: port, adminPort: port + 1 });
  if (!j.ok) throw new Error(j.reason);
  janus = j.value;
  await until('centre connected', () => centre.connected);
});
afterAll(async () => {
  await centre.close();
  await broker.close();
  await janus.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('a drone’s video for the centre, through the station’s Janus', () => {
  it('the answer carries the Janus, the mountpoint and a token that opens it; refusals say why', async () => {
    const fwd = new JanusForwarder({ gateway: janus.gateway });
    // JH-01 sends video: its first RTP packet makes its mountpoint.
    fwd.forward('JH-01', new Uint8Array([0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7]));
    await until('JH-01 mountpoint', () => fwd.mountpoints().some((m) => m.drone === 'JH-01'));
    const host = new FakeHost();
    const asked: string[] = [];
    host.video = (who, drone) => {
      asked.push(`${who.kind === 'centre' ? who.centre : '?'}:${drone}`);
      return centreVideoAccess(fwd, drone);
    };
    const l = CentreLink.start({ clock, url: broker.url, station: 'st5', username: 'st5', password: broker.password('st5'), dir: join(root, 'st5'), host, fleetHz: 5, keepaliveS: 5, reconnectMs: 200 });
    if (!l.ok) throw new Error(l.reason);
    const plain = new FakeHost();
    const l6 = CentreLink.start({ clock, url: broker.url, station: 'st6', username: 'st6', password: broker.password('st6'), dir: join(root, 'st6'), host: plain, fleetHz: 5, keepaliveS: 5, reconnectMs: 200 });
    if (!l6.ok) throw new Error(l6.reason);
    await addTestUser(join(root, 'centre-users'), 'dispatcher', 'duty');
    const auth = testAuth(join(root, 'centre-users'));
    const server = await startCentreServer({ centre, auth, clock: new WallClock(), port: 0 });
    if (!server.ok) throw new Error(server.reason);
    const signedIn = withSession(await signIn(server.value.url, 'duty'));
    try {
      await until('stations online', () => centre.station('st5')?.online === true && centre.station('st6')?.online === true);
      // Through the centre console's API, as its page asks.
      const r = await fetch(`${server.value.url}api/video`, { method: 'POST', headers: { ...signedIn.headers, origin: server.value.url.replace(/\/$/, ''), 'content-type': 'application/json' }, body: JSON.stringify({ station: 'st5', drone: 'JH-01' }) });
      expect(r.status).toBe(200);
      const id = ((await r.json()) as { id: string }).id;
      await until('answered', () => (centre.request(id)?.answers.length ?? 0) > 0);
      const a = centre.request(id)!.answers[0]!;
      expect(a).toMatchObject({ state: 'delivered', drone: 'JH-01', video: { url: janus.url, mountpoint: mountpointId('JH-01') } });
      expect(asked).toEqual(['centre:JH-01']);
      const v = a.video!;
      expect(v.expiresMs).toBeGreaterThan(Date.now() + 3_600_000);

      // Without a token, or with a made-up one, Janus opens nothing.
      expect(((await janusPost(janus.url, { janus: 'create' })).error as { code: number }).code).toBe(403);
      expect(((await janusPost(janus.url, { janus: 'create' }, 'x'.repeat(32))).error as { code: number }).code).toBe(403);
      // With it: a session, the streaming plugin, `watch` the mountpoint → Janus's offer with H.264.
      const session = ((await janusPost(v.url, { janus: 'create' }, v.token)).data as { id: number }).id;
      const handle = ((await janusPost(`${v.url}/${session}`, { janus: 'attach', plugin: 'janus.plugin.streaming' }, v.token)).data as { id: number }).id;
      const ack = await janusPost(`${v.url}/${session}/${handle}`, { janus: 'message', body: { request: 'watch', id: v.mountpoint } }, v.token);
      expect(ack.janus).toBe('ack');
      let offer: { type: string; sdp: string } | undefined;
      for (let i = 0; i < 10 && !offer; i++) {
        const ev = (await (await fetch(`${v.url}/${session}?token=${encodeURIComponent(v.token)}&maxev=5`)).json()) as Json | Json[];
        for (const e of Array.isArray(ev) ? ev : [ev]) if (e.jsep) offer = e.jsep as { type: string; sdp: string };
      }
      expect(offer?.type).toBe('offer');
      expect(offer?.sdp).toMatch(/a=rtpmap:\d+ H264\/90000/);
      await janusPost(`${v.url}/${session}`, { janus: 'destroy' }, v.token);

      // A drone with no live video; a station without Janus: refused, with the reason.
      const none = centre.requestVideo('st5', 'JH-07', 'duty officer');
      const noJanus = centre.requestVideo('st6', 'JH-01', 'duty officer');
      if (!none.ok || !noJanus.ok) throw new Error('not sent');
      await until('refusals', () => (centre.request(none.value)?.answers.length ?? 0) > 0 && (centre.request(noJanus.value)?.answers.length ?? 0) > 0);
      expect(centre.request(none.value)!.answers[0]).toMatchObject({ state: 'refused', reason: expect.stringContaining('no live video from JH-07') });
      expect(centre.request(noJanus.value)!.answers[0]).toMatchObject({ state: 'refused', reason: expect.stringContaining('--janus') });
      expect(centre.request(noJanus.value)!.answers[0]!.video ?? null).toBeNull();
      // The token ends with the forwarder (the station closing): Janus refuses it afterwards.
      await fwd.close();
      expect(((await janusPost(v.url, { janus: 'create' }, v.token)).error as { code: number }).code).toBe(403);
    } finally {
      await server.value.close();
      await l.value.close();
      await l6.value.close();
    }
  }, 90_000);
});
