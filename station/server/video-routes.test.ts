/**
 * The console server's video routes of issue 18: alert pictures at /api/snapshots/<file> (only snapshot names,
 * only from the snapshots folder), /api/janus (404 without Janus, 401 without a session, a token with the
 * relayed Janus URL otherwise). Both need a signed-in console, as every /api/* does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../common/clock.js';
import { ok } from '../../common/result.js';
import { startConsoleServer, type ConsoleServerOptions } from './console-server.js';
import { signIn, testAuth, withSession } from '../../tests/sign-in.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A console server with one viewer account; returns its URL and the viewer's session headers. */
async function start(extra: Partial<ConsoleServerOptions>): Promise<{ url: string; session: { headers: Record<string, string> } }> {
  const auth = testAuth(mkdtempSync(join(tmpdir(), 'kx-data-')));
  await auth.addUser('viewer', 'viewer', 'correct horse battery');
  const r = await startConsoleServer({
    clock: new SystemClock(),
    auth,
    staticDir: mkdtempSync(join(tmpdir(), 'kx-static-')),
    port: 0,
    source: {
      hello: () => ({ type: 'hello', station: 'jinhai', geography: null, simulated: true, version: 't', tiles: null }),
      snapshot: () => ({ type: 'snapshot', atMs: 1, station: 'jinhai', simulated: true, vehicles: [] }),
      onEvent: () => () => undefined,
      command: async () => ({ ok: false, result: 'denied', reason: 'no' }),
    },
    ...extra,
  });
  if (!r.ok) throw new Error(r.reason);
  closers.push(async () => {
    await r.value.close();
    auth.close();
  });
  return { url: r.value.url, session: withSession(await signIn(r.value.url, 'viewer')) };
}

describe('console server: video routes', () => {
  it('serves alert pictures by snapshot name only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kx-snaps-'));
    writeFileSync(join(dir, 'JH-01_1796600000000_0.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    writeFileSync(join(dir, 'secret.txt'), 'no');
    const { url, session } = await start({ snapshotsDir: dir });
    expect((await fetch(`${url}api/snapshots/JH-01_1796600000000_0.jpg`)).status).toBe(401);
    const r = await fetch(`${url}api/snapshots/JH-01_1796600000000_0.jpg`, session);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/jpeg');
    expect([...new Uint8Array(await r.arrayBuffer())]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    for (const bad of ['secret.txt', 'JH-02_1796600000000_0.jpg', '..%2Fsecret.txt', '%2e%2e']) expect((await fetch(`${url}api/snapshots/${bad}`, session)).status).toBe(404);
  });

  it('/api/janus: 404 without Janus, 401 without a session, else a token and the relayed URL', async () => {
    const none = await start({});
    expect((await fetch(`${none.url}api/janus`, none.session)).status).toBe(404);
    const janus = { apiUrl: 'http://127.0.0.1:9/janus', issue: async () => ok({ url: 'http://127.0.0.1:9/janus', token: 'tok', expiresMs: 2, mountpoints: [{ drone: 'JH-01', id: 7 }] }) };
    const s = await start({ janus });
    expect((await fetch(`${s.url}api/janus`)).status).toBe(401);
    expect((await fetch(`${s.url}janus`, { method: 'POST', body: '{}' })).status).toBe(401);
    const r = await fetch(`${s.url}api/janus`, s.session);
    expect(await r.json()).toEqual({ url: '/janus', token: 'tok', expiresMs: 2, mountpoints: [{ drone: 'JH-01', id: 7 }] });
  });
});
